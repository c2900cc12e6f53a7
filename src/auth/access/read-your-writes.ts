import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { ReplicaSet } from '../../database/replicas/replica-set';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * With replicas, a session's reads right after its own write go to the primary until a replica
 * has replayed it. The write's position is noted before the response leaves (onSend), so the
 * client cannot send its next request, to this instance or another, ahead of it. A hook, and
 * only with replicas: a global Nest interceptor wraps every request in observables, and cost
 * list pages a tenth more garbage even when it did nothing (bench/request-cost.mjs).
 */
export function noteWritesForReplicas(fastify: FastifyInstance, replicas: ReplicaSet): void {
  if (!replicas.enabled) {
    return;
  }
  const logger = new Logger('Database');
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (READ_METHODS.has(request.method) || reply.statusCode >= 400) {
      return payload;
    }
    const principal = await request.principalLookup?.catch(() => undefined);
    if (principal !== undefined) {
      await replicas.noteWrite(principal.sessionId).catch((error: Error) => {
        logger.warn(`the position of a write was not noted: ${error.message}`);
      });
    }
    return payload;
  });
}
