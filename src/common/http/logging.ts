import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../../config/app-config';
import type { RequestLogEntry } from './request-log';

/** Paths pino replaces with "[Redacted]": credentials never reach the log. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.refresh_token',
  '*.access_token',
  '*.passwordHash',
  // A failed query's bound values may be password hashes or token hashes.
  'err.parameters',
  'err.driverError.parameters',
];

export function loggerParams(config: Pick<AppConfig, 'logLevel'>): Params {
  return {
    // No route gets nestjs-pino's request middleware: the request log is a Fastify hook
    // (request-log.ts). The pino-http options below still configure the root logger.
    forRoutes: [],
    pinoHttp: {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      // The request log (request-log.ts) passes plain `req` and `res` objects, not Node's: they
      // must reach the line as they are, not through pino-http's serializers for Node's objects.
      wrapSerializers: false,
      serializers: {
        req: (request: RequestLogEntry['req']) => request,
        res: (response: RequestLogEntry['res']) => response,
      },
    },
  };
}
