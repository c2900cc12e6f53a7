import { Command, CommandRunner, Option } from 'nest-commander';
import { seedBulkInteractions } from '../../database/seeds/bulk.seed';
import { CliDatabaseService } from '../cli-database.service';
import { CliInputError, writeLine } from '../cli-input';

interface SeedBulkOptions {
  count: number;
  sites: number;
}

@Command({
  name: 'seed:bulk',
  description:
    'Add N generated interactions over "Bulk site" sites (for benchmarks and query plans)',
})
export class SeedBulkCommand extends CommandRunner {
  constructor(private readonly database: CliDatabaseService) {
    super();
  }

  override async run(_params: string[], options: SeedBulkOptions): Promise<void> {
    const started = Date.now();
    const siteIds = await seedBulkInteractions(await this.database.dataSource(), {
      count: options.count ?? 1_000_000,
      sites: options.sites ?? 20,
    });
    writeLine(
      `added ${options.count ?? 1_000_000} interactions over sites ${siteIds.join(', ')} in ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }

  @Option({ flags: '--count <n>', description: 'interactions to add (default 1000000)' })
  parseCount(value: string): number {
    return positiveInteger(value, '--count', 10_000_000);
  }

  @Option({ flags: '--sites <n>', description: 'sites to spread them over (default 20)' })
  parseSites(value: string): number {
    return positiveInteger(value, '--sites', 1_000);
  }
}

function positiveInteger(value: string, flag: string, max: number): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1 || parsed > max) {
    throw new CliInputError(`${flag} must be an integer from 1 to ${max}`);
  }
  return parsed;
}
