import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/** Swagger UI is served from this origin and styles itself inline; nothing else is allowed. */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      upgradeInsecureRequests: null,
    },
  },
};

/**
 * The headers helmet sets with `options`, by lower-case name. None of our options depends on the
 * request (no CSP nonce), so helmet runs once at start-up against a recording response and every
 * reply gets the result through Fastify: running its fourteen middlewares per request, each
 * calling Node's setHeader, was 5 % of a GET by id (issue 8). Throws if an option would need the
 * request, rather than send a header computed for a fake one.
 */
export function helmetHeaders(
  options: Readonly<HelmetOptions> = HELMET_OPTIONS,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  const request = new Proxy({} as IncomingMessage, {
    get(_target, property) {
      throw new Error(`helmet options read the request (${String(property)}): headers vary`);
    },
  });
  let finished = false;
  helmet(options)(request, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) {
      throw error instanceof Error ? error : new Error('helmet failed');
    }
    finished = true;
  });
  if (!finished) {
    throw new Error('helmet did not finish synchronously');
  }
  return headers;
}
