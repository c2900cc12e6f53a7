import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponseDto } from '../../src/auth/dto/login.dto';
import type { ProfileResponseDto } from '../../src/auth/dto/user.dto';
import type { InteractionListResponseDto } from '../../src/interactions/dto/interaction.dto';
import { freePort } from '../support/free-port';
import { awayFromWindowEdge } from '../support/rate-limit-helpers';
import { hasRedisServer, RedisServer } from '../support/redis-server';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Two compiled instances (`node dist/src/main.js`) on one PostgreSQL and one Redis, behind a real
 * nginx configured from deploy/nginx/gateway.conf.template: what docker-compose.yml runs, on
 * loopback. `npm run test:cluster` builds first.
 */
const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const GATEWAY_TEMPLATE = join(ROOT, 'deploy', 'nginx', 'gateway.conf.template');
const NGINX = '/usr/sbin/nginx';

const DEMO_PASSWORD = 'demo-password-123';
const AUTH_LIMIT = 4;
const SEARCH_LIMIT = 5;
const WINDOW_SECONDS = 3600;

const hasNginx = existsSync(NGINX);
const missing = [hasNginx ? undefined : NGINX, hasRedisServer ? undefined : 'redis-server'].filter(
  (name): name is string => name !== undefined,
);
if (missing.length > 0) {
  console.warn(
    `cluster: ${missing.join(' and ')} not installed, so the multi-instance tests are SKIPPED ` +
      '(apt-get install nginx-light redis-server to run them)',
  );
}

describe.skipIf(missing.length > 0)('two instances behind the nginx gateway', () => {
  const started: ManagedProcess[] = [];
  const tempDirs: string[] = [];
  let database: TestDatabase | undefined;
  let redis: RedisServer | undefined;
  let first: AppInstance;
  let second: AppInstance;
  let gateway: Gateway;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await RedisServer.start();
    const keys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      JWT_PRIVATE_KEY: keys.privateKey,
      JWT_PUBLIC_KEY: keys.publicKey,
      TRUST_PROXY: '1',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      SEED_DEMO: 'true',
      RATE_LIMIT_AUTH: String(AUTH_LIMIT),
      RATE_LIMIT_SEARCH: String(SEARCH_LIMIT),
      RATE_LIMIT_WINDOW: `${WINDOW_SECONDS}s`,
    };
    // Started together: both run the migration check and the demo seed against the same database.
    first = new AppInstance('first', {
      ...env,
      DATA_DIR: await temporaryDir('ims-cluster-first-'),
    });
    started.push(first);
    second = new AppInstance('second', {
      ...env,
      DATA_DIR: await temporaryDir('ims-cluster-second-'),
    });
    started.push(second);
    await Promise.all([first.ready(), second.ready()]);
    gateway = await startGateway([first.address, second.address]);
  });

  afterAll(async () => {
    // Everything started is stopped, whatever failed before.
    await Promise.allSettled(started.map((child) => child.stop()));
    await redis?.stop();
    await database?.drop();
    await Promise.allSettled(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function temporaryDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    tempDirs.push(dir);
    return dir;
  }

  /** nginx in the foreground with the repository's template, everything it writes in a temp dir. */
  async function startGateway(upstreams: [string, string]): Promise<Gateway> {
    const dir = await temporaryDir('ims-cluster-nginx-');
    const listen = `127.0.0.1:${await freePort()}`;
    const snippet = renderTemplate(await readFile(GATEWAY_TEMPLATE, 'utf8'), {
      GATEWAY_LISTEN: listen,
      UPSTREAM_1: upstreams[0],
      UPSTREAM_2: upstreams[1],
    });
    await writeFile(join(dir, 'gateway.conf'), snippet);
    await writeFile(join(dir, 'nginx.conf'), nginxConf(dir));
    const nginx = new Gateway(`http://${listen}`, dir);
    started.push(nginx);
    await nginx.ready();
    return nginx;
  }

  it('serves one token on both instances, round-robin', async () => {
    const client = clientAddress();
    const { token } = await loginAt(gateway.url, 'alice@example.com', { localAddress: client });
    const ids = Array.from({ length: 20 }, (_, i) => requestId(`profile-${i}`));
    for (const id of ids) {
      const response = await send(gateway.url, 'GET', '/api/v1/auth/profile', {
        headers: { ...bearer(token), 'x-request-id': id },
        localAddress: client,
      });
      expect(response.status).toBe(200);
      expect(response.json<ProfileResponseDto>().user.username).toBe('alice');
    }
    const servedBy = await whoServed([first, second], ids);
    const counts = countBy(servedBy);
    expect(counts.get('first')).toBeGreaterThan(0);
    expect(counts.get('second')).toBeGreaterThan(0);
    expect((counts.get('first') ?? 0) + (counts.get('second') ?? 0)).toBe(ids.length);
  });

  it('ends a session on every instance when it is logged out on one', async () => {
    const client = { forwardedFor: forwardedAddress() };
    const session = await loginAt(first.url, 'alice@example.com', client);
    const profileAtSecond = () =>
      send(second.url, 'GET', '/api/v1/auth/profile', {
        headers: bearer(session.token),
        ...client,
      });
    expect((await profileAtSecond()).status).toBe(200);

    const logout = await send(first.url, 'POST', '/api/v1/auth/logout', {
      headers: bearer(session.token),
      body: {},
      ...client,
    });
    expect(logout.status).toBe(200);

    const afterLogout = await profileAtSecond();
    expect(afterLogout.status).toBe(401);
    expect(afterLogout.errorCode()).toBe('UNAUTHORIZED');
    const refresh = await send(second.url, 'POST', '/api/v1/auth/refresh', {
      body: { refresh_token: session.refresh_token },
      ...client,
    });
    expect(refresh.status).toBe(401);
    expect(refresh.errorCode()).toBe('INVALID_REFRESH_TOKEN');
  });

  it('keeps the site context selected on one instance when the next request reaches the other', async () => {
    const client = { forwardedFor: forwardedAddress() };
    const { token } = await loginAt(first.url, 'alice@example.com', client);
    const options = { headers: bearer(token), ...client };

    const before = await send(second.url, 'GET', '/api/v1/interactions', options);
    expect(before.status).toBe(403);
    expect(before.errorCode()).toBe('SITE_CONTEXT_REQUIRED');

    const select = await send(first.url, 'POST', '/api/v1/auth/site', {
      ...options,
      body: { site_id: 2 },
    });
    expect(select.status).toBe(200);
    const list = await send(second.url, 'GET', '/api/v1/interactions?page_size=100', options);
    expect(list.status).toBe(200);
    const siteIds = list.json<InteractionListResponseDto>().interactions.map((row) => row.site_id);
    expect(siteIds.length).toBeGreaterThan(0);
    expect(new Set(siteIds)).toEqual(new Set([2]));

    const reselect = await send(second.url, 'POST', '/api/v1/auth/site', {
      ...options,
      body: { site_id: 1 },
    });
    expect(reselect.status).toBe(200);
    const profile = await send(first.url, 'GET', '/api/v1/auth/profile', options);
    expect(profile.json<ProfileResponseDto>().user.current_site_id).toBe(1);
  });

  it('shares one rate-limit budget between the instances through Redis', async () => {
    await awayFromWindowEdge(WINDOW_SECONDS * 1000);
    const client = clientAddress();
    // Bob has one site, selected at login; the search tier counts per user.
    const { token } = await loginAt(gateway.url, 'bob@example.com', { localAddress: client });
    const ids = Array.from({ length: SEARCH_LIMIT * 2 + 2 }, (_, i) => requestId(`search-${i}`));
    const responses = await Promise.all(
      ids.map((id) =>
        send(gateway.url, 'GET', '/api/v1/search/recent', {
          headers: { ...bearer(token), 'x-request-id': id },
          localAddress: client,
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(SEARCH_LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(ids.length - SEARCH_LIMIT);
    for (const response of responses.filter(({ status }) => status === 429)) {
      expect(response.errorCode()).toBe('RATE_LIMITED');
      expect(response.headers['x-ratelimit-limit']).toBe(String(SEARCH_LIMIT));
    }
    // With a budget per instance, any split between two instances would let more than N through.
    const counts = countBy(await whoServed([first, second], ids));
    expect(counts.get('first')).toBeGreaterThan(0);
    expect(counts.get('second')).toBeGreaterThan(0);
  });

  it('keeps the login limit, per instance, while Redis is down, and shares it again once it is back', async () => {
    await awayFromWindowEdge(WINDOW_SECONDS * 1000);
    const redisUp = async (instance: AppInstance): Promise<boolean> => {
      const ready = (await (await fetch(`${instance.url}/health/ready`)).json()) as {
        info?: { redis?: { status?: string } };
      };
      return ready.info?.redis?.status === 'up';
    };
    await redis!.stop();
    try {
      const client = clientAddress();
      const ids = Array.from({ length: AUTH_LIMIT * 2 + 4 }, (_, i) => requestId(`outage-${i}`));
      const statuses: number[] = [];
      for (const id of ids) {
        const response = await send(gateway.url, 'POST', '/api/v1/auth/login', {
          body: { username: 'nobody@example.com', password: 'not-a-password' },
          headers: { 'x-request-id': id },
          localAddress: client,
        });
        statuses.push(response.status);
      }
      // Each instance holds the budget on its own: at most twice the limit gets through.
      expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(
        AUTH_LIMIT * 2,
      );
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(4);
      expect(new Set(await whoServed([first, second], ids))).toEqual(new Set(['first', 'second']));
    } finally {
      await redis!.restart();
    }
    await until(
      async () => (await redisUp(first)) && (await redisUp(second)),
      'both instances to see Redis again',
      15_000,
    );
    // An instance tries Redis again a second after its last failure; from then on it counts there.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });

  it('limits each client address on its own, the one nginx saw, not one the client claims', async () => {
    await awayFromWindowEdge(WINDOW_SECONDS * 1000);
    const flooding = clientAddress();
    const other = clientAddress();
    const loginFrom = (localAddress: string, forwardedFor?: string) =>
      send(gateway.url, 'POST', '/api/v1/auth/login', {
        body: { username: 'alice@example.com', password: DEMO_PASSWORD },
        localAddress,
        forwardedFor,
      });

    for (let used = 1; used <= AUTH_LIMIT; used += 1) {
      const response = await loginFrom(flooding);
      expect(response.status).toBe(200);
      expect(response.headers['x-ratelimit-remaining']).toBe(String(AUTH_LIMIT - used));
    }
    const refused = await loginFrom(flooding);
    expect(refused.status).toBe(429);
    expect(refused.errorCode()).toBe('RATE_LIMITED');
    // nginx appends the real peer after whatever the client wrote; the API trusts one hop only.
    const spoofed = await loginFrom(flooding, forwardedAddress());
    expect(spoofed.status).toBe(429);

    const neighbour = await loginFrom(other);
    expect(neighbour.status).toBe(200);
    expect(neighbour.headers['x-ratelimit-remaining']).toBe(String(AUTH_LIMIT - 1));
  });

  it("carries the client's request id to the serving instance's log and back in the response", async () => {
    const id = requestId('trace');
    const response = await send(gateway.url, 'GET', '/.well-known/jwks.json', {
      headers: { 'x-request-id': id },
      localAddress: clientAddress(),
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe(id);

    const [served] = await whoServed([first, second], [id]);
    const instance = served === first.name ? first : second;
    const completed = instance.logLinesOf(id).find((line) => line.msg === 'request completed');
    expect(completed).toMatchObject({ req: { id, method: 'GET' }, res: { statusCode: 200 } });
    expect((served === first.name ? second : first).logLinesOf(id)).toEqual([]);
    // The gateway's access log names the same id and the instance it chose.
    await until(() => gateway.accessLogOf(id) !== undefined, 'the gateway to log the request');
    expect(gateway.accessLogOf(id)).toMatchObject({ upstream: instance.address, status: 200 });
  });

  it('gives a request without a usable id one from the gateway, logged by the instance', async () => {
    const asSent: Array<Record<string, string>> = [{}, { 'x-request-id': 'not usable: spaces' }];
    for (const headers of asSent) {
      const response = await send(gateway.url, 'GET', '/.well-known/jwks.json', {
        headers,
        localAddress: clientAddress(),
      });
      expect(response.status).toBe(200);
      const id = response.headers['x-request-id'];
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const [served] = await whoServed([first, second], [id as string]);
      expect(['first', 'second']).toContain(served);
    }
  });

  it('keeps the per-instance /metrics off the gateway', async () => {
    const id = requestId('metrics');
    const throughGateway = await send(gateway.url, 'GET', '/metrics', {
      headers: { 'x-request-id': id },
    });
    expect(throughGateway.status).toBe(404);
    expect(throughGateway.headers['x-request-id']).toBe(id);
    expect(throughGateway.errorCode()).toBe('NOT_FOUND');
    expect(first.logLinesOf(id)).toEqual([]);
    expect(second.logLinesOf(id)).toEqual([]);
    // Each instance still serves its own (METRICS_TOKEN unset outside production: open).
    expect((await send(first.url, 'GET', '/metrics')).status).toBe(200);
  });

  it('answers 503 in the error envelope, with a request id, when no instance is reachable', async () => {
    // Ports nobody listens on: nginx is refused by both upstreams.
    const unreachable = await startGateway([
      `127.0.0.1:${await freePort()}`,
      `127.0.0.1:${await freePort()}`,
    ]);
    const id = requestId('down');
    const response = await send(unreachable.url, 'GET', '/api/v1/auth/profile', {
      headers: { 'x-request-id': id },
    });
    await unreachable.stop();
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['retry-after']).toBe('5');
    expect(response.headers['x-request-id']).toBe(id);
    expect(response.errorCode()).toBe('SERVICE_UNAVAILABLE');
  });
});

// ---- processes ---------------------------------------------------------------------------------

/**
 * A child process whose output is kept (stdout in memory, or in a file when one is given), stopped
 * with SIGTERM (SIGKILL after 10 s).
 */
class ManagedProcess {
  protected stdout = '';
  protected stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

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
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
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
class AppInstance extends ManagedProcess {
  url = '';

  constructor(name: string, env: Record<string, string>) {
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

/**
 * /usr/sbin/nginx in the foreground, its pid, logs and temp files in `dir`. Its stdout, where the
 * template sends the access log, is a file there: nginx opens /dev/stdout by name, which a socket
 * (what Node gives a child for 'pipe') cannot be.
 */
class Gateway extends ManagedProcess {
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
      const errors = await readFile(this.errorLog, 'utf8').catch(() => '');
      throw new Error(`nginx did not start:\n${this.output()}\n--- error.log ---\n${errors}`);
    }
  }

  /** The access-log entry (log_format ims_gateway, on nginx's stdout) of one request id. */
  accessLogOf(requestId: string): Record<string, unknown> | undefined {
    return jsonLines(readFileSync(this.accessLog, 'utf8')).find(
      (line) => line.request_id === requestId,
    );
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

interface SendOptions {
  headers?: Record<string, string>;
  body?: unknown;
  /** Loopback source address of the connection: the client address nginx sees. */
  localAddress?: string;
  /** Sent as X-Forwarded-For: the client address an instance sees when called directly. */
  forwardedFor?: string;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  json<T>(): T;
  errorCode(): string | undefined;
}

/** One request on its own connection (so the source address is the one asked for). */
function send(base: string, method: string, path: string, options: SendOptions = {}) {
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

async function loginAt(
  base: string,
  username: string,
  options: Pick<SendOptions, 'localAddress' | 'forwardedFor'>,
): Promise<LoginResponseDto> {
  const response = await send(base, 'POST', '/api/v1/auth/login', {
    body: { username, password: DEMO_PASSWORD },
    ...options,
  });
  expect(response.status).toBe(200);
  return response.json<LoginResponseDto>();
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

// ---- helpers -----------------------------------------------------------------------------------

let addressCount = 0;

/** A loopback address of its own (Linux routes all of 127.0.0.0/8 to lo): a fresh rate budget. */
function clientAddress(): string {
  addressCount += 1;
  return `127.0.${Math.floor(addressCount / 250) + 1}.${(addressCount % 250) + 1}`;
}

/** A documentation address (TEST-NET-3) for X-Forwarded-For, unused by any other test. */
function forwardedAddress(): string {
  addressCount += 1;
  return `203.0.113.${(addressCount % 250) + 1}`;
}

function requestId(label: string): string {
  return `cluster-${label}-${randomBytes(6).toString('hex')}`;
}

/**
 * The name of the instance that logged each request id. An instance logs a request just after
 * answering it, so this waits (briefly) for every id to show up; an id logged twice is an error.
 */
async function whoServed(instances: AppInstance[], ids: string[]): Promise<string[]> {
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

function countBy(names: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) {
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .slice(0, -1) // the last piece is an unfinished line (or empty)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
