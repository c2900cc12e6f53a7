import { Test } from '@nestjs/testing';
import { CommandRunnerModule, CommandRunnerService } from 'nest-commander';
import { DataSource } from 'typeorm';
import { vi } from 'vitest';
import { CliDatabaseService } from '../../src/cli/cli-database.service';
import { CliModule } from '../../src/cli/cli.module';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { ENTITIES } from '../../src/entities';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface CliRun {
  stdout: string;
  error?: Error;
}

export async function openDatabase(): Promise<{ database: TestDatabase; dataSource: DataSource }> {
  const database = await createTestDatabase();
  const dataSource = new DataSource({
    ...buildDataSourceOptions({ entities: ENTITIES, url: database.url, poolSize: 2 }),
    // Like the CLI's: the refused duplicates of the tests would otherwise print their failed queries.
    logging: false,
  });
  await dataSource.initialize();
  return { database, dataSource };
}

/** Parses `args` with the real commander set-up of CliModule, on the given database. */
export async function runCli(dataSource: DataSource, args: string[]): Promise<CliRun> {
  const failures: Error[] = [];
  const moduleRef = await Test.createTestingModule({
    imports: [
      CommandRunnerModule.forModule(CliModule, {
        serviceErrorHandler: (error: Error) => void failures.push(error),
      }),
    ],
  })
    .overrideProvider(CliDatabaseService)
    .useValue({ dataSource: () => Promise.resolve(dataSource) })
    .compile();
  await moduleRef.init();
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await moduleRef.get(CommandRunnerService).run(['node', 'cli', ...args]);
    return {
      stdout: stdout.mock.calls.map(([chunk]) => String(chunk)).join(''),
      error: failures[0],
    };
  } finally {
    stdout.mockRestore();
    await moduleRef.close();
  }
}
