import { Logger } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';

const logger = new Logger('Database');

/**
 * The pg client every pool of the product creates (data-source.ts passes it as pg-pool's
 * `Client`). A pg client emits 'error' when its connection dies outside a query, e.g. SQLSTATE
 * 57P01 after a database crash; with no listener that event ends the process. pg-pool listens
 * only while a client is idle and TypeORM only once its query runner has the client, so a client
 * handed over in between (checked out, its listener not yet attached; see
 * docs/reliability.md) had none. This listener is there from construction to the end: the
 * owner of the client still learns of the loss from its next query, which fails, and the request
 * gets 503.
 */
export class GuardedClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', logConnectionLoss);
  }
}

function logConnectionLoss(error: Error & { code?: string }): void {
  logger.warn(
    `database connection lost: ${error.message}${error.code ? ` (${error.code})` : ''}`,
  );
}
