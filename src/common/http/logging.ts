import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../../config/app-config';
import { REQUEST_ID_HEADER } from './request-id';

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
    // Every path, once. nestjs-pino's default adds the paths excluded from the /api prefix again,
    // which NestJS 12 already covers on Fastify: /metrics and /.well-known were logged twice.
    forRoutes: [{ path: '{/*splat}', method: RequestMethod.ALL }],
    pinoHttp: {
      level: config.logLevel,
      genReqId: (request: IncomingMessage) => request.headers[REQUEST_ID_HEADER] as string,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      customLogLevel: (_request, response, error) => {
        if (error || response.statusCode >= 500) {
          return 'error';
        }
        return response.statusCode >= 400 ? 'warn' : 'info';
      },
      autoLogging: {
        ignore: (request) =>
          (
            (request as IncomingMessage & { originalUrl?: string }).originalUrl ??
            request.url ??
            ''
          ).startsWith('/health'),
      },
      serializers: {
        req: (request: {
          id: string;
          method: string;
          url: string;
          headers: Record<string, string>;
        }) => ({
          id: request.id,
          method: request.method,
          url: request.url,
          headers: request.headers,
        }),
      },
    },
  };
}
