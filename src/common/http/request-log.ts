import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';

/**
 * One log line per request, written when the response is done, for every URL whether a route
 * matched it or not, in pino-http's shape (`req`, `res`, `responseTime`, "request completed").
 *
 * pino-http, as nestjs-pino's middleware, did this for matched routes; it was dropped because it
 * built each request's child logger (serialising and redacting all headers) even when the line
 * was below the log level, and nestjs-pino bound that logger to an AsyncLocalStorage, which turns
 * on promise hooks for the whole process: together about 15 % of a GET by id's throughput (issue 8).
 * Here nothing is built unless the level is enabled; redaction is the root logger's (REDACTED_PATHS).
 * Logs written during a request name it themselves (the error filter logs its `requestId`).
 */
export interface RequestLogEntry {
  req: { id: string; method: string; url: string; headers: FastifyRequest['headers'] };
  res: { statusCode: number };
  responseTime: number;
}

export function useRequestLog(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    logResponse(request, reply);
    done();
  });
}

function logResponse(request: FastifyRequest, reply: FastifyReply): void {
  const logger = PinoLogger.root;
  const level = levelOf(reply.statusCode);
  if (!logger?.isLevelEnabled(level) || request.originalUrl.startsWith('/health')) {
    return;
  }
  const entry: RequestLogEntry = {
    // As sent: request.url is rewritten (`/api/x` → `/api/v1/x`, app.setup.ts).
    req: {
      id: request.id,
      method: request.method,
      url: request.originalUrl,
      headers: request.headers,
    },
    res: { statusCode: reply.statusCode },
    responseTime: Math.round(reply.elapsedTime),
  };
  logger[level](entry, 'request completed');
}

function levelOf(status: number): 'info' | 'warn' | 'error' {
  if (status >= 500) {
    return 'error';
  }
  return status >= 400 ? 'warn' : 'info';
}
