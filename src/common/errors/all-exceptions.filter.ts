import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-response';

/** Every error of every route leaves through here as the envelope of DESIGN.md §4. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(
      exception,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.logger,
    );
  }
}

export function sendError(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'error' | 'log'>,
): void {
  if (clientWentAway(request)) {
    // Its body stream failed with ECONNRESET: not a database fault, and nobody to answer.
    logger.log(
      { requestId: request.id, method: request.method, url: request.url },
      'client closed the connection before the response',
    );
    return;
  }
  const response = toErrorResponse(exception);
  if (response.unexpected || response.status === 503) {
    logger.error(
      { err: exception, requestId: request.id, method: request.method, url: request.url },
      `request failed with ${response.status}`,
    );
  }
  if (reply.sent) {
    return;
  }
  void reply.status(response.status).headers(response.headers).send(response.body);
}

function clientWentAway(request: FastifyRequest): boolean {
  return request.raw.readableAborted || request.raw.socket?.destroyed === true;
}
