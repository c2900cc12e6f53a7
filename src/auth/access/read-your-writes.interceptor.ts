import {
  Injectable,
  Logger,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { ReplicaSet } from '../../database/replicas/replica-set';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * With replicas, a session's reads right after its own write go to the primary until a replica
 * has replayed it. The write's position is noted before the response leaves, so the client
 * cannot send its next request, to this instance or another, ahead of it.
 */
@Injectable()
export class ReadYourWritesInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Database');

  constructor(private readonly replicas: ReplicaSet) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.replicas.enabled || READ_METHODS.has(request.method)) {
      return next.handle();
    }
    return next.handle().pipe(mergeMap((body) => from(this.noted(request, body))));
  }

  private async noted(request: FastifyRequest, body: unknown): Promise<unknown> {
    const principal = await request.principalLookup?.catch(() => undefined);
    if (principal !== undefined) {
      await this.replicas.noteWrite(principal.sessionId).catch((error: Error) => {
        this.logger.warn(`the position of a write was not noted: ${error.message}`);
      });
    }
    return body;
  }
}
