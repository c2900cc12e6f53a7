import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/app-config';
import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * Runs a command with DATABASE_URL pointing at a real PostgreSQL: the given one, or the embedded
 * server of DATA_DIR, or with `--fresh` a throwaway embedded server (for the drift check).
 *
 *   node dist/src/database/with-database.js [--fresh] -- <command> [args...]
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const fresh = args[0] === '--fresh';
  const command = args.slice(args.indexOf('--') + 1);
  if (command.length === 0) {
    process.stderr.write('usage: with-database [--fresh] -- <command> [args...]\n');
    return 2;
  }
  const config = loadConfig(process.env, 'job');
  let url = fresh ? undefined : config.databaseUrl;
  let stop = (): Promise<void> => Promise.resolve();
  if (!url) {
    const dataDir = fresh ? await mkdtemp(join(tmpdir(), 'ims-fresh-db-')) : config.dataDir;
    const embedded = await startEmbeddedPostgres(dataDir, 0, (message) =>
      process.stderr.write(`${message}\n`),
    );
    url = embedded.url;
    stop = async () => {
      await embedded.stop();
      if (fresh) {
        await rm(dataDir, { recursive: true, force: true });
      }
    };
  }
  try {
    return await run(command, { ...process.env, DATABASE_URL: url });
  } finally {
    await stop();
  }
}

function run(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { env, stdio: 'inherit', shell: true });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

void main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
