import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, startServer, waitForUrl, type ServerProcess } from '../support/server-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** A raw connection, so that requests can be slow, malformed or abandoned as an attacker's are. */
interface RawConnection {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
}

async function open(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => received, closed };
}

function bodyOf(response: string): unknown {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
}

function headerOf(response: string, name: string): string | undefined {
  return new RegExp(`^${name}: (.*)$`, 'im').exec(response)?.[1]?.trim();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('client connections (REQUEST_TIMEOUT, MAX_CONNECTIONS, parser errors, disconnects)', () => {
  let database: TestDatabase;
  let dataDir: string;
  let server: ServerProcess;
  let port: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'ims-connections-'));
    server = startServer({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      REQUEST_TIMEOUT: '1s',
      MAX_CONNECTIONS: '4',
    });
    port = Number(new URL(await waitForUrl(server.output)).port);
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exit;
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 408 REQUEST_TIMEOUT in the envelope to a body sent a byte at a time, and closes', async () => {
    const connection = await open(port);
    connection.socket.write(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 400\r\n\r\n',
    );
    let sent = 0;
    const trickle = setInterval(() => {
      if (!connection.socket.destroyed) {
        connection.socket.write('{');
        sent += 1;
      }
    }, 100);
    await connection.closed;
    clearInterval(trickle);

    expect(sent).toBeLessThan(400);
    const response = connection.received();
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(headerOf(response, 'x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(bodyOf(response)).toEqual({
      error: { code: 'REQUEST_TIMEOUT', message: 'The request was not received in time' },
    });
  });

  it('answers a request the HTTP parser refuses with 400 BAD_REQUEST in the envelope', async () => {
    const connection = await open(port);
    connection.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n');
    await connection.closed;
    const response = connection.received();
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(headerOf(response, 'x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(headerOf(response, 'x-content-type-options')).toBe('nosniff');
    expect(bodyOf(response)).toEqual({
      error: { code: 'BAD_REQUEST', message: 'The request is malformed' },
    });
  });

  it('answers headers larger than Node accepts with 431 HEADERS_TOO_LARGE in the envelope', async () => {
    const connection = await open(port);
    connection.socket.write(
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    await connection.closed;
    const response = connection.received();
    expect(response).toMatch(/^HTTP\/1\.1 431 /);
    expect((bodyOf(response) as { error: { code: string } }).error.code).toBe('HEADERS_TOO_LARGE');
  });

  it('logs a client that closes mid-body as an info line, not as a 503 error', async () => {
    const connection = await open(port);
    connection.socket.write(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'X-Request-Id: gone-mid-body\r\nContent-Length: 100\r\n\r\n{"username":',
    );
    await sleep(200);
    connection.socket.destroy();

    const ofRequest = () =>
      logLines(server.output()).filter(
        (line) =>
          line.requestId === 'gone-mid-body' ||
          (line.req as { id?: string } | undefined)?.id === 'gone-mid-body',
      );
    for (let waited = 0; ofRequest().length === 0 && waited < 5_000; waited += 50) {
      await sleep(50);
    }
    expect(ofRequest()).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'client closed the connection before the response',
      }),
    ]);
    expect(logLines(server.output()).filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it('closes connections beyond MAX_CONNECTIONS at once, and serves again when one closes', async () => {
    const held: RawConnection[] = [];
    for (let i = 0; i < 4; i += 1) {
      const connection = await open(port);
      connection.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
      while (!connection.received().includes('\r\n\r\n')) {
        await sleep(10);
      }
      held.push(connection);
    }

    const refused = await open(port);
    refused.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    await refused.closed;
    expect(refused.received()).toBe('');

    held[0].socket.destroy();
    await held[0].closed;
    let answer = '';
    for (let attempt = 0; !answer.startsWith('HTTP/1.1 200') && attempt < 50; attempt += 1) {
      const next = await open(port);
      next.socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      await next.closed;
      answer = next.received();
    }
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    for (const connection of held) {
      connection.socket.destroy();
    }
  });
});
