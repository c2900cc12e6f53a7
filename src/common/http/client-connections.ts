import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { codeForStatus } from '../errors/error-code';
import type { AppConfig } from '../../config/app-config';
import { REQUEST_ID_HEADER } from './request-id';
import { helmetHeaders } from './security-headers';

/**
 * What a client may hold of an instance: REQUEST_TIMEOUT bounds the time to send a whole request
 * (headers and body: a body sent a byte at a time no longer holds its connection for ever),
 * and MAX_CONNECTIONS caps the open connections (beyond it Node closes new ones at once). Node
 * checks the timeout every `connectionsCheckingInterval` (30 s by default, so a 30 s timeout
 * could take a minute): here a quarter of the timeout, between 250 ms and 5 s.
 *
 * While the server closes (after SHUTDOWN_READY_DELAY), a request that still arrives, on a
 * connection accepted just before the listener closed, is served (with `Connection: close`), not
 * refused with Fastify's bare 503: the database pool closes only after the server, and a gateway
 * would hand that 503 to the client (nginx retries no 503 here, and never a POST).
 */
export function clientConnectionOptions(config: Pick<AppConfig, 'requestTimeoutMs'>): Pick<
  FastifyServerOptions,
  'requestTimeout' | 'clientErrorHandler' | 'return503OnClosing'
> & {
  http: { connectionsCheckingInterval: number; headersTimeout: number };
} {
  return {
    requestTimeout: config.requestTimeoutMs,
    http: {
      connectionsCheckingInterval: Math.min(5_000, Math.max(250, config.requestTimeoutMs / 4)),
      headersTimeout: Math.min(60_000, config.requestTimeoutMs),
    },
    clientErrorHandler: answerClientError,
    return503OnClosing: false,
  };
}

/**
 * From SIGTERM on, every response closes its connection (`Connection: close`). A gateway keeps
 * idle connections to each instance (nginx `keepalive`); without this, the connections of the
 * responses sent while the instance is stopping stay open in its pool, the server's close waits
 * for them until SHUTDOWN_GRACE_PERIOD gives up (exit code 1), and a request the gateway sends on
 * one of them meets a server that no longer serves. Closing them during SHUTDOWN_READY_DELAY
 * also empties the gateway's pool before the listener closes.
 */
export function closeConnectionsWhenStopping(
  fastify: FastifyInstance,
  isStopping: () => boolean,
): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (isStopping()) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (a malformed request line or
 * header, headers too large, the request timeout): answered in the error envelope with an
 * X-Request-Id, as every other response, wherever a response can still be written; Fastify's
 * default wrote its own `{"error":"Bad Request",…}` shape.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    // The client went away: nothing to answer.
    socket.destroy();
    return;
  }
  const status: 400 | 408 | 431 =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 408
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : 400;
  const requestId = randomUUID();
  PinoLogger.root?.info(
    { requestId, status, reason: error.code },
    status === 408 ? 'request timed out before it was received' : 'malformed request refused',
  );
  // As Node does itself: write only if no response of this connection has begun.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    socket.write(rawResponse(status, requestId));
  }
  socket.destroy();
}

const SECURITY_HEADERS = helmetHeaders();

/** What the parser-level refusals say; the OpenAPI examples of their codes use the same. */
export const CLIENT_ERROR_MESSAGES: Record<400 | 408 | 431, string> = {
  400: 'The request is malformed',
  408: 'The request was not received in time',
  431: 'The request headers are too large',
};

function rawResponse(status: 400 | 408 | 431, requestId: string): string {
  const body = JSON.stringify({
    error: { code: codeForStatus(status), message: CLIENT_ERROR_MESSAGES[status] },
  });
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    [REQUEST_ID_HEADER]: requestId,
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}
