import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** The reason a request's signal gives when its client went away. */
export class ClientGoneError extends Error {
  constructor() {
    super('The client closed the connection before the response');
    this.name = 'ClientGoneError';
  }
}

/**
 * An AbortSignal that fires when the client (or the gateway, on its own timeout) closes the
 * connection before the response is complete. The reads pass it to their statement, which is
 * then cancelled in PostgreSQL (DESIGN.md §9: a request whose client went away stops costing).
 */
export const ClientGone = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AbortSignal =>
    clientGoneSignal(context.switchToHttp().getResponse<FastifyReply>()),
);

export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) {
      controller.abort(new ClientGoneError());
    }
  });
  return controller.signal;
}
