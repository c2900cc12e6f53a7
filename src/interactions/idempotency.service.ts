import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import { sortKeys } from '../common/json/sort-keys';

export interface StoredResponse {
  status: number;
  body: unknown;
  etag: string | null;
}

export interface IdempotentOutcome {
  response: StoredResponse;
  replayed: boolean;
}

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/**
 * Idempotency-Key for POSTs: the first request with a key does the work and stores its response in
 * the same transaction; a retry with the same key and body gets that response again; the same key
 * with another body is 422 IDEMPOTENCY_KEY_REUSED. Keys are per user and live 24 hours.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly dataSource: DataSource) {}

  static assertKeyFormat(key: string): void {
    if (!KEY_FORMAT.test(key)) {
      throw new ApiError(
        ErrorCode.BAD_REQUEST,
        'Idempotency-Key must be 1 to 255 visible ASCII characters',
        {
          'Idempotency-Key': 'must be 1 to 255 visible ASCII characters',
        },
      );
    }
  }

  static fingerprint(request: unknown): string {
    return createHash('sha256')
      .update(JSON.stringify(sortKeys(request)))
      .digest('hex');
  }

  async execute(
    userId: number,
    key: string,
    fingerprint: string,
    work: (manager: EntityManager) => Promise<StoredResponse>,
  ): Promise<IdempotentOutcome> {
    return this.dataSource.transaction(async (manager) => {
      // A concurrent request holding the same key makes this INSERT wait for its commit; the
      // primary key then turns it into a replay rather than a second record.
      const claimed = await manager.query<unknown[]>(
        `INSERT INTO idempotency_keys (user_id, key, request_hash, expires_at)
         VALUES ($1, $2, $3, now() + interval '24 hours')
         ON CONFLICT (user_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, expires_at = EXCLUDED.expires_at, created_at = now(),
               response_status = NULL, response_body = NULL, response_etag = NULL
           WHERE idempotency_keys.expires_at <= now()
         RETURNING key`,
        [userId, key, fingerprint],
      );
      if (claimed.length === 1) {
        const response = await work(manager);
        await manager.query(
          `UPDATE idempotency_keys SET response_status = $3, response_body = $4, response_etag = $5
            WHERE user_id = $1 AND key = $2`,
          [userId, key, response.status, JSON.stringify(response.body), response.etag],
        );
        return { response, replayed: false };
      }
      return {
        response: await this.storedResponse(manager, userId, key, fingerprint),
        replayed: true,
      };
    });
  }

  private async storedResponse(
    manager: EntityManager,
    userId: number,
    key: string,
    fingerprint: string,
  ): Promise<StoredResponse> {
    const [stored] = await manager.query<
      Array<{
        request_hash: string;
        response_status: number;
        response_body: unknown;
        response_etag: string | null;
      }>
    >(
      `SELECT request_hash, response_status, response_body, response_etag
         FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
    if (stored.request_hash !== fingerprint) {
      throw new ApiError(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        'This Idempotency-Key was already used with a different request body',
      );
    }
    return {
      status: stored.response_status,
      body: stored.response_body,
      etag: stored.response_etag,
    };
  }
}
