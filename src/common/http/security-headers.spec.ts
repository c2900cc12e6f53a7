import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { afterEach, describe, expect, it } from 'vitest';
import { HELMET_OPTIONS, helmetHeaders } from './security-headers';

/** The headers helmet itself sets on a real response, as a client receives them. */
async function headersFromHelmet(): Promise<Record<string, string>> {
  const middleware = helmet(HELMET_OPTIONS);
  server = createServer((request, response) => {
    middleware(request, response, () => response.end());
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/`);
  const received: Record<string, string> = {};
  const transport = new Set(['connection', 'content-length', 'date', 'keep-alive']);
  response.headers.forEach((value, name) => {
    if (!transport.has(name)) {
      received[name] = value;
    }
  });
  return received;
}

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe('helmetHeaders', () => {
  it('gives exactly the headers helmet sets on a real response', async () => {
    const computed = helmetHeaders();
    expect(computed).toEqual(await headersFromHelmet());
    expect(computed['content-security-policy']).toContain("script-src 'self'");
    expect(computed['x-content-type-options']).toBe('nosniff');
    expect(computed['x-powered-by']).toBeUndefined();
  });

  it('refuses options whose headers would depend on the request', () => {
    expect(() =>
      helmetHeaders({
        contentSecurityPolicy: {
          directives: {
            scriptSrc: ["'self'", (request) => `'nonce-${String(request.headers['x-nonce'])}'`],
          },
        },
      }),
    ).toThrow(/read the request/);
  });
});
