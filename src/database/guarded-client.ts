import { Logger } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';

const logger = new Logger('Database');

/**
 * The pg client every pool of the product creates (data-source.ts passes it as pg-pool's
 * `Client`). A pg client emits 'error' when its connection dies outside a query (SQLSTATE 57P01
 * after a crash or pg_terminate_backend); with no listener that event ends the process. pg-pool
 * listens only while a client is idle, and TypeORM only from a promise callback after the pool
 * handed the client over: a client released inside its own socket read (pool.query) and handed
 * at once to a waiting query runner had no listener while the rest of that read, e.g. the
 * server's FATAL message, was parsed (docs/reliability.md). This listener is there from
 * construction on; the owner of the client still learns of the loss from its next query, which
 * fails, and the request gets 503.
 */
export class GuardedClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', logConnectionLoss);
  }
}

function logConnectionLoss(error: Error & { code?: string }): void {
  logger.warn(`database connection lost: ${error.message}${error.code ? ` (${error.code})` : ''}`);
}
