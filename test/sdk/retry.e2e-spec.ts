import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  interactionsCreate,
  interactionsGet,
  InteractionType,
  type ClientOptions,
  type InteractionInputDto,
} from '../../sdk/typescript';
import { createClient, createConfig, type Client } from '../../sdk/typescript/client';
import {
  isRetryable,
  retryAfterMs,
  retryingFetch,
  type RetryEvent,
  type RetryOptions,
} from '../../sdk/typescript/retry';

/**
 * The SDK's retry policy (`sdk/retry.ts`, copied into the generated SDK) plugged into the
 * generated client, against a real HTTP server on loopback that answers from a script: each
 * request takes the next answer, `reset` destroys the connection instead of answering.
 */
type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'reset';

interface Seen {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request arrived. */
  at: number;
}

const INTERACTION = {
  id: 7,
  site_id: 1,
  title: 'Retry policy check',
  type: 'Call',
  lead: 'Ada Lovelace',
  start_datetime: '2024-03-05T08:00:00Z',
  end_datetime: '2024-03-05T08:30:00Z',
  timezone: 'Europe/Berlin',
  location: '',
  description: '',
  notes: '',
  created_by: 1,
  created_at: '2024-03-01T08:00:00Z',
  updated_at: '2024-03-01T08:00:00Z',
};
const BODY: InteractionInputDto = {
  title: INTERACTION.title,
  type: InteractionType.CALL,
  lead: INTERACTION.lead,
  start_datetime: '2024-03-05T09:00:00',
  end_datetime: '2024-03-05T09:30:00',
  timezone: 'Europe/Berlin',
};

describe('the SDK retry policy', () => {
  let server: Server;
  let baseUrl: string;
  let script: Answer[] = [];
  let fallback: Answer = { status: 200, body: { interaction: INTERACTION } };
  let seen: Seen[] = [];
  let retries: RetryEvent[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        seen.push({
          method: request.method ?? '',
          headers: request.headers,
          body,
          at: performance.now(),
        });
        const answer = script.shift() ?? fallback;
        if (answer === 'reset') {
          request.socket.destroy();
          return;
        }
        const payload = JSON.stringify(
          answer.body ?? { error: { code: 'SERVICE_UNAVAILABLE', message: 'scripted' } },
        );
        response.writeHead(answer.status, {
          'content-type': 'application/json',
          ...answer.headers,
        });
        response.end(payload);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    script = [];
    fallback = { status: 200, body: { interaction: INTERACTION } };
    seen = [];
    retries = [];
  });

  /** The generated client with the policy as its fetch; short waits unless a test sets them. */
  function retryingClient(options: RetryOptions = {}): Client {
    const policy = retryingFetch({
      baseDelayMs: 10,
      onRetry: (event) => retries.push(event),
      ...options,
    });
    return createClient(createConfig<ClientOptions>({ baseUrl, fetch: policy }));
  }

  it('decides by method, and for POST and PATCH by the Idempotency-Key header, what it may repeat', () => {
    const request = (method: string, headers: Record<string, string> = {}) =>
      new Request('http://127.0.0.1/x', { method, headers });
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']) {
      expect(isRetryable(request(method))).toBe(true);
    }
    for (const method of ['POST', 'PATCH']) {
      expect(isRetryable(request(method))).toBe(false);
      expect(isRetryable(request(method, { 'Idempotency-Key': 'k-1' }))).toBe(true);
    }
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(
      10_000,
    );
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('sends a POST with an Idempotency-Key again after a 503 and a reset connection, same key and body', async () => {
    script = [{ status: 503 }, 'reset', { status: 201, body: { interaction: INTERACTION } }];
    const { data, response } = await interactionsCreate({
      client: retryingClient(),
      body: BODY,
      headers: { 'Idempotency-Key': 'retry-post-1' },
      throwOnError: true,
    });
    expect(response.status).toBe(201);
    expect(data.interaction.id).toBe(INTERACTION.id);
    expect(seen).toHaveLength(3);
    expect(seen.map((request) => request.method)).toEqual(['POST', 'POST', 'POST']);
    expect(seen.map((request) => request.headers['idempotency-key'])).toEqual([
      'retry-post-1',
      'retry-post-1',
      'retry-post-1',
    ]);
    expect(new Set(seen.map((request) => request.body))).toEqual(new Set([JSON.stringify(BODY)]));
    expect(retries.map(({ attempt, status }) => ({ attempt, status }))).toEqual([
      { attempt: 1, status: 503 },
      { attempt: 2, status: undefined },
    ]);
    expect(retries[1].error).toBeInstanceOf(Error);
  });

  it('sends a POST without an Idempotency-Key once, whether it got a 503 or no answer', async () => {
    const client = retryingClient();
    script = [{ status: 503 }];
    const refused = await interactionsCreate({ client, body: BODY });
    expect(refused.response.status).toBe(503);
    expect(seen).toHaveLength(1);

    script = ['reset'];
    const lost = await interactionsCreate({ client, body: BODY });
    expect(lost.response).toBeUndefined();
    expect(lost.error).toBeInstanceOf(Error);
    expect(seen).toHaveLength(2);
    expect(retries).toEqual([]);
  });

  it('repeats a GET after a reset connection, a 502 and a 504', async () => {
    script = ['reset', { status: 502 }, { status: 504 }];
    const { data, response } = await interactionsGet({
      client: retryingClient(),
      path: { id: INTERACTION.id },
      throwOnError: true,
    });
    expect(response.status).toBe(200);
    expect(data.interaction.title).toBe(INTERACTION.title);
    expect(seen.map((request) => request.method)).toEqual(['GET', 'GET', 'GET', 'GET']);
    expect(retries.map(({ status }) => status)).toEqual([undefined, 502, 504]);
  });

  it('waits as long as Retry-After asks before the next attempt', async () => {
    script = [{ status: 503, headers: { 'retry-after': '1' } }];
    const { response } = await interactionsGet({
      client: retryingClient({ baseDelayMs: 50 }),
      path: { id: INTERACTION.id },
    });
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(retries).toHaveLength(1);
    expect(retries[0].delayMs).toBeGreaterThanOrEqual(1000);
    expect(retries[0].delayMs).toBeLessThan(1050);
    // A lower bound only: a busy machine can make the wait longer, never shorter.
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(1000);
  });

  it('returns a 503 at once when its Retry-After is longer than the longest wait', async () => {
    script = [{ status: 503, headers: { 'retry-after': '3600' } }];
    const { response } = await interactionsCreate({
      client: retryingClient({ maxDelayMs: 2_000 }),
      body: BODY,
      headers: { 'Idempotency-Key': 'retry-post-2' },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('3600');
    expect(seen).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('gives up after maxAttempts and returns the last answer', async () => {
    fallback = { status: 502 };
    const { response, error } = await interactionsCreate({
      client: retryingClient({ maxAttempts: 3 }),
      body: BODY,
      headers: { 'Idempotency-Key': 'retry-post-3' },
    });
    expect(response.status).toBe(502);
    expect(error).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: 'scripted' } });
    expect(seen).toHaveLength(3);
    expect(retries.map(({ attempt }) => attempt)).toEqual([1, 2]);
  });

  it('gives up after maxAttempts without an answer and throws the network error', async () => {
    fallback = 'reset';
    await expect(
      interactionsGet({
        client: retryingClient({ maxAttempts: 3 }),
        path: { id: INTERACTION.id },
        throwOnError: true,
      }),
    ).rejects.toThrow(/fetch failed/);
    expect(seen).toHaveLength(3);
    expect(retries).toHaveLength(2);
  });
});
