import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { LoginResponseDto } from '../../src/auth/dto/login.dto';
import { freePort } from './free-port';
import { hasRedisServer, RedisServer } from './redis-server';
import { createTestDatabase, type TestDatabase } from './test-database';
import { until } from './until';

/**
 * What the tests of test/cluster/ share: compiled instances (`node dist/src/main.js`) on one
 * PostgreSQL and one Redis, behind a real nginx configured from deploy/nginx/gateway.conf.template,
 * as docker-compose.yml runs them, on loopback. `npm run test:cluster` builds first.
 */
const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const GATEWAY_TEMPLATE = join(ROOT, 'deploy', 'nginx', 'gateway.conf.template');
const NGINX = '/usr/sbin/nginx';

export const DEMO_PASSWORD = 'demo-password-123';

/** The tools a cluster test needs and this machine lacks; warns once per file when any. */
export function missingClusterTools(): string[] {
  const missing = [
    existsSync(NGINX) ? undefined : NGINX,
    hasRedisServer ? undefined : 'redis-server',
  ].filter((name): name is string => name !== undefined);
  if (missing.length > 0) {
    console.warn(
      `cluster: ${missing.join(' and ')} not installed, so the multi-instance tests are SKIPPED ` +
        '(apt-get install nginx-light redis-server to run them)',
    );
  }
  return missing;
}

/**
 * Everything one test file starts: a database, a Redis, instances, gateways and temp dirs, all
 * stopped and removed by `stopAll()` (afterAll), whatever failed before.
 */
export class TestCluster {
  database: TestDatabase | undefined;
  redis: RedisServer | undefined;
  private readonly started: ManagedProcess[] = [];
  private readonly tempDirs: string[] = [];

  /**
   * A fresh database and Redis, and the environment every instance shares: the same key pair,
   * `TRUST_PROXY=1` (nginx is the one hop), demo data, loopback on a free port.
   */
  async startServices(): Promise<Record<string, string>> {
    this.database = await createTestDatabase();
    this.redis = await RedisServer.start();
    const keys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    return {
      DATABASE_URL: this.database.url,
      REDIS_URL: this.redis.url,
      JWT_PRIVATE_KEY: keys.privateKey,
      JWT_PUBLIC_KEY: keys.publicKey,
      TRUST_PROXY: '1',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      SEED_DEMO: 'true',
    };
  }

  /** Starts an instance with a DATA_DIR of its own; await `ready()` on it. */
  async startInstance(name: string, env: Record<string, string>): Promise<AppInstance> {
    const instance = new AppInstance(name, {
      ...env,
      DATA_DIR: await this.temporaryDir(`ims-cluster-${name}-`),
    });
    this.started.push(instance);
    return instance;
  }

  /**
   * A new process in place of `instance` (stopped or killed): the same environment and the same
   * port, so the gateway's upstream entry reaches it once nginx tries that address again.
   */
  async startReplacement(instance: AppInstance, name: string): Promise<AppInstance> {
    const replacement = await this.startInstance(name, {
      ...instance.env,
      PORT: new URL(instance.url).port,
    });
    await replacement.ready();
    return replacement;
  }

  /** nginx in the foreground with the repository's template, everything it writes in a temp dir. */
  async startGateway(upstreams: [string, string]): Promise<Gateway> {
    const dir = await this.temporaryDir('ims-cluster-nginx-');
    const listen = `127.0.0.1:${await freePort()}`;
    const snippet = renderTemplate(await readFile(GATEWAY_TEMPLATE, 'utf8'), {
      GATEWAY_LISTEN: listen,
      UPSTREAM_1: upstreams[0],
      UPSTREAM_2: upstreams[1],
    });
    await writeFile(join(dir, 'gateway.conf'), snippet);
    await writeFile(join(dir, 'nginx.conf'), nginxConf(dir));
    const nginx = new Gateway(`http://${listen}`, dir);
    this.started.push(nginx);
    await nginx.ready();
    return nginx;
  }

  async temporaryDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.tempDirs.push(dir);
    return dir;
  }

  async stopAll(): Promise<void> {
    await Promise.allSettled(this.started.map((child) => child.stop()));
    await this.redis?.stop();
    await this.database?.drop();
    await Promise.allSettled(this.tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

// ---- processes ---------------------------------------------------------------------------------

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A child process whose output is kept (stdout in memory, or in a file when one is given), stopped
 * with SIGTERM (SIGKILL after 10 s); `signal()` sends any signal without waiting.
 */
export class ManagedProcess {
  protected stdout = '';
  protected stderr = '';
  /** Resolves when the process has exited, with its exit code or the signal that ended it. */
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    stdoutFile?: string,
  ) {
    const stdoutFd = stdoutFile === undefined ? undefined : openSync(stdoutFile, 'a');
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
    if (stdoutFd !== undefined) {
      closeSync(stdoutFd);
    }
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // If the test runner dies before afterAll, the child does not outlive it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    void this.exited.then(() => process.removeListener('exit', killOnExit));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return `--- ${this.name} stdout ---\n${this.stdout}\n--- ${this.name} stderr ---\n${this.stderr}`;
  }

  /** Sends `signal` (SIGTERM: a graceful stop; SIGKILL: a crash) and returns at once. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) {
      this.child.kill(signal);
    }
  }

  async stop(): Promise<void> {
    if (!this.running) {
      return;
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** `node dist/src/main.js`, the way operators start it. */
export class AppInstance extends ManagedProcess {
  url = '';

  constructor(
    name: string,
    readonly env: Record<string, string>,
  ) {
    super(name, process.execPath, [MAIN], env);
  }

  /** host:port, as nginx's upstream and $upstream_addr write it. */
  get address(): string {
    return new URL(this.url).host;
  }

  async ready(): Promise<void> {
    await until(
      () => /listening on (http:\/\/[\d.:]+)/.test(this.stdout) || !this.running,
      `${this.name} to listen`,
      60_000,
    );
    const match = /listening on (http:\/\/[\d.:]+)/.exec(this.stdout);
    if (!match) {
      throw new Error(`${this.name} did not start:\n${this.output()}`);
    }
    this.url = match[1];
  }

  /** The JSON log lines written while serving the request with this id. */
  logLinesOf(requestId: string): Array<Record<string, unknown>> {
    return jsonLines(this.stdout).filter(
      (line) => (line.req as { id?: unknown } | undefined)?.id === requestId,
    );
  }
}

/** One line of the gateway's access log (log_format ims_gateway in the template). */
export interface AccessLogEntry {
  request_id: string;
  method: string;
  uri: string;
  status: number;
  /** Every instance tried, comma-separated: "127.0.0.1:4001, 127.0.0.1:4002" after a retry. */
  upstream: string;
  /** The status of each try, e.g. "502, 200" (nginx writes 502 for a try that got no answer). */
  upstream_status: string;
}

/**
 * /usr/sbin/nginx in the foreground, its pid, logs and temp files in `dir`. Its stdout, where the
 * template sends the access log, is a file there: nginx opens /dev/stdout by name, which a socket
 * (what Node gives a child for 'pipe') cannot be.
 */
export class Gateway extends ManagedProcess {
  private readonly errorLog: string;
  private readonly accessLog: string;

  constructor(
    readonly url: string,
    dir: string,
  ) {
    const args = ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'];
    super('nginx', NGINX, args, {}, join(dir, 'stdout.log'));
    this.errorLog = join(dir, 'error.log');
    this.accessLog = join(dir, 'stdout.log');
  }

  async ready(): Promise<void> {
    let answered = false;
    await until(
      async () => {
        if (!this.running) {
          return true;
        }
        answered = await send(this.url, 'GET', '/health/live').then(
          () => true,
          () => false,
        );
        return answered;
      },
      'nginx to accept connections',
      10_000,
    );
    if (!answered) {
      throw new Error(
        `nginx did not start:\n${this.output()}\n--- error.log ---\n${this.errors()}`,
      );
    }
  }

  /** Every access-log entry written so far. */
  accessLogEntries(): AccessLogEntry[] {
    return jsonLines(readFileSync(this.accessLog, 'utf8')) as unknown as AccessLogEntry[];
  }

  /** The access-log entry of one request id. */
  accessLogOf(requestId: string): AccessLogEntry | undefined {
    return this.accessLogEntries().find((line) => line.request_id === requestId);
  }

  /** nginx's error log (upstream failures are logged there at `error` or `warn`). */
  errors(): string {
    return existsSync(this.errorLog) ? readFileSync(this.errorLog, 'utf8') : '';
  }
}

/**
 * The complete nginx.conf around the repository's snippet, as the official image's nginx.conf
 * includes conf.d/*.conf inside `http {}`. Workers run as root when the test does: they must read
 * the temp dir, which only its owner can enter.
 */
function nginxConf(dir: string): string {
  return `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} notice;
events {
    worker_connections 256;
}
http {
    client_body_temp_path ${join(dir, 'client_body')};
    proxy_temp_path ${join(dir, 'proxy')};
    fastcgi_temp_path ${join(dir, 'fastcgi')};
    uwsgi_temp_path ${join(dir, 'uwsgi')};
    scgi_temp_path ${join(dir, 'scgi')};
    access_log ${join(dir, 'access.log')};
    include ${join(dir, 'gateway.conf')};
}
`;
}

/** envsubst restricted to the given names, as the image's NGINX_ENVSUBST_FILTER does. */
function renderTemplate(template: string, values: Record<string, string>): string {
  const rendered = template.replace(/\$\{([A-Z0-9_]+)\}/g, (placeholder, name: string) =>
    name in values ? values[name] : placeholder,
  );
  const left = /\$\{[A-Z0-9_]+\}/.exec(rendered);
  if (left) {
    throw new Error(`gateway template: no value for ${left[0]}`);
  }
  return rendered;
}

// ---- HTTP ---------------------------------------------------------------------------------------

export interface SendOptions {
  headers?: Record<string, string>;
  body?: unknown;
  /** Loopback source address of the connection: the client address nginx sees. */
  localAddress?: string;
  /** Sent as X-Forwarded-For: the client address an instance sees when called directly. */
  forwardedFor?: string;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  json<T>(): T;
  errorCode(): string | undefined;
}

/** One request on its own connection (so the source address is the one asked for). */
export function send(
  base: string,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Reply> {
  const url = new URL(path, base);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  if (options.forwardedFor) {
    headers['x-forwarded-for'] = options.forwardedFor;
  }
  return new Promise<Reply>((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        localAddress: options.localAddress,
        agent: false,
        timeout: 15_000,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const json = <T>() => JSON.parse(text) as T;
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            json,
            errorCode: () => json<{ error?: { code?: string } }>().error?.code,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method} ${url.href} timed out`)));
    request.on('error', reject);
    request.end(payload);
  });
}

export async function loginAt(
  base: string,
  username: string,
  options: Pick<SendOptions, 'localAddress' | 'forwardedFor'> = {},
): Promise<LoginResponseDto> {
  const response = await send(base, 'POST', '/api/v1/auth/login', {
    body: { username, password: DEMO_PASSWORD },
    ...options,
  });
  expect(response.status).toBe(200);
  return response.json<LoginResponseDto>();
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

// ---- helpers -----------------------------------------------------------------------------------

export function requestId(label: string): string {
  return `cluster-${label}-${randomBytes(6).toString('hex')}`;
}

/**
 * The name of the instance that logged each request id. An instance logs a request just after
 * answering it, so this waits (briefly) for every id to show up; an id logged twice is an error.
 */
export async function whoServed(instances: AppInstance[], ids: string[]): Promise<string[]> {
  const servedBy = () =>
    ids.map((id) => instances.filter((instance) => instance.logLinesOf(id).length > 0));
  await until(
    () => servedBy().every((serving) => serving.length > 0),
    'every request id in an instance log',
  );
  return servedBy().map((serving, index) => {
    if (serving.length !== 1) {
      throw new Error(`request ${ids[index]} was logged by ${serving.length} instances`);
    }
    return serving[0].name;
  });
}

export function countBy(names: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) {
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .slice(0, -1) // the last piece is an unfinished line (or empty)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
