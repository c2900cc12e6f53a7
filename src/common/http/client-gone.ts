import type { ServerResponse } from 'node:http';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { StatementCancellation } from '../../database/statement';

/** The reason a read gives when its client went away. */
export class ClientGoneError extends Error {
  constructor() {
    super('The client closed the connection before the response');
    this.name = 'ClientGoneError';
  }
}

/**
 * Calls a read's statement off when the client (or the gateway, on its own timeout) closes the
 * connection before the response is complete (DESIGN.md §9: a request whose client went away
 * stops costing). A listener on the response's 'close' while the statement runs, nothing more:
 * an AbortController per request cost a GET by id about a tenth of its throughput.
 */
export class ClientGoneWatch implements StatementCancellation {
  reason: Error | undefined;

  constructor(private readonly response: ServerResponse) {}

  watch(cancel: () => void): () => void {
    const onClose = () => {
      if (!this.response.writableFinished) {
        this.reason = new ClientGoneError();
        cancel();
      }
    };
    if (this.response.destroyed) {
      onClose();
      return () => undefined;
    }
    this.response.once('close', onClose);
    return () => this.response.removeListener('close', onClose);
  }
}

/** The request's ClientGoneWatch, for the reads of a handler. */
export const ClientGone = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ClientGoneWatch =>
    clientGoneWatch(context.switchToHttp().getResponse<FastifyReply>()),
);

export function clientGoneWatch(reply: FastifyReply): ClientGoneWatch {
  return new ClientGoneWatch(reply.raw);
}
