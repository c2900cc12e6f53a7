import Fastify, { type FastifyInstance } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED_PATHS } from './logging';
import { useRequestLog } from './request-log';

type Line = Record<string, unknown> & {
  level: number;
  msg: string;
  req: { id: string; method: string; url: string; headers: Record<string, string> };
  res: { statusCode: number };
  responseTime: number;
};

describe('request log', () => {
  const lines: Line[] = [];
  let app: FastifyInstance;
  let previousRoot: unknown;

  beforeEach(async () => {
    lines.length = 0;
    previousRoot = PinoLogger.root;
    const logger = pino(
      { level: 'info', redact: { paths: REDACTED_PATHS, censor: '[Redacted]' } },
      { write: (line: string) => lines.push(JSON.parse(line) as Line) },
    );
    (PinoLogger as unknown as { root: unknown }).root = logger;
    app = Fastify({
      rewriteUrl: (request) => (request.url ?? '/').replace(/^\/api\/(?!v1)/, '/api/v1/'),
    });
    useRequestLog(app);
    app.get('/api/v1/ok', () => ({ ok: true }));
    app.get('/api/v1/missing', (_request, reply) => reply.code(404).send({}));
    app.get('/api/v1/broken', (_request, reply) => reply.code(503).send({}));
    app.get('/health/live', () => ({ status: 'ok' }));
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    (PinoLogger as unknown as { root: unknown }).root = previousRoot;
  });

  it('writes one line per request with the URL as sent, at a level by status', async () => {
    await app.inject({ url: '/api/ok', headers: { 'x-request-id': 'abc' } });
    await app.inject({ url: '/api/v1/missing' });
    await app.inject({ url: '/api/v1/broken' });
    await app.inject({ url: '/no/route/here' });
    expect(
      lines.map((line) => [
        line.level,
        line.req.method,
        line.req.url,
        line.res.statusCode,
        line.msg,
      ]),
    ).toEqual([
      [30, 'GET', '/api/ok', 200, 'request completed'],
      [40, 'GET', '/api/v1/missing', 404, 'request completed'],
      [50, 'GET', '/api/v1/broken', 503, 'request completed'],
      [40, 'GET', '/no/route/here', 404, 'request completed'],
    ]);
    expect(typeof lines[0].req.id).toBe('string');
    expect(typeof lines[0].responseTime).toBe('number');
  });

  it('redacts credentials in the logged headers', async () => {
    await app.inject({
      url: '/api/v1/ok',
      headers: { authorization: 'Bearer secret.token.value', cookie: 'sid=secret' },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0].req.headers).toMatchObject({
      authorization: '[Redacted]',
      cookie: '[Redacted]',
    });
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it('leaves out the health probes, and writes nothing below the level', async () => {
    await app.inject({ url: '/health/live' });
    PinoLogger.root.level = 'warn';
    await app.inject({ url: '/api/v1/ok' });
    await app.inject({ url: '/api/v1/missing' });
    expect(lines.map((line) => [line.req.url, line.res.statusCode])).toEqual([
      ['/api/v1/missing', 404],
    ]);
  });
});
