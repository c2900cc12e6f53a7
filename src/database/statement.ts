import type { EventEmitter } from 'node:events';
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import { GuardedClient } from './guarded-client';

/**
 * One SQL statement with positional parameters. With a `name`, PostgreSQL parses it once per
 * connection and may keep its plan (a named prepared statement): give one only to statements
 * whose best plan does not depend on the values (a lookup by key, a site's newest rows), never to
 * a search whose plan depends on how rare its term is. With DB_PREPARED_STATEMENTS=false (a pooler
 * in transaction mode) the pool's client drops every name (unnamed-statements-client.ts).
 */
export interface Statement {
  name?: string;
  text: string;
  values: unknown[];
  /**
   * The order of the rows by output column names, for whoever wraps the statement in another
   * (SiteReads): a subquery's ORDER BY does not bind the query around it. Absent: at most one row.
   */
  rowOrder?: ReadonlyArray<{ output: string; direction: 'ASC' | 'DESC' }>;
}

/** What can run SQL in a transaction: an EntityManager or a QueryRunner. */
interface Queryable {
  query<T>(query: string, parameters?: unknown[]): Promise<T>;
}

/**
 * Runs `statement` and returns its rows. A named one, or one with `types`, goes as a pg
 * QueryConfig (`{ name, text, types }`), which pg accepts wherever it accepts SQL text (and
 * TypeORM hands it on unchanged). `types` replaces pg's type parsers for this statement (e.g.
 * INSTANTS_AS_TEXT).
 *
 * Given the DataSource, the statement runs on the driver's pg pool itself: DataSource.query()
 * builds a query runner, awaits subscriber events and wraps the result for every statement, which
 * was 5 % of a GET by id (issue 8). What relies on TypeORM's path is kept: its logger hears of the
 * statement (logging, and the tests' statement counter) and a failure is a QueryFailedError, so
 * the error filter maps it as any other (a lost database is 503).
 */
/**
 * What can call a running statement off: `watch(cancel)` arranges for `cancel` to be called (at
 * most once) when the result is no longer wanted, and returns the function that stops watching;
 * `reason` is then the error the statement's caller gets instead of SQLSTATE 57014.
 */
export interface StatementCancellation {
  readonly reason: Error | undefined;
  watch(cancel: () => void): () => void;
}

export interface StatementOptions {
  types?: QueryConfig['types'];
  cancellation?: StatementCancellation;
  /** Given a DataSource: the pool to run on instead of the primary's (a replica's, ReplicaSet). */
  pool?: Pool;
}

export function runStatement<T>(
  database: DataSource | Queryable,
  statement: Statement,
  options: StatementOptions = {},
): Promise<T> {
  const query =
    statement.name === undefined && options.types === undefined
      ? statement.text
      : ({ name: statement.name, text: statement.text, types: options.types } as unknown as string);
  return database instanceof DataSource
    ? onPool<T>(
        database,
        options.pool ?? primaryPool(database),
        query,
        statement.values,
        options.cancellation,
      )
    : database.query<T>(query, statement.values);
}

/** The pg pool TypeORM keeps for the DataSource's database. */
export function primaryPool(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

async function onPool<T>(
  dataSource: DataSource,
  pool: Pool,
  query: string,
  values: unknown[],
  cancellation: StatementCancellation | undefined,
): Promise<T> {
  dataSource.logger.logQuery(query, values);
  try {
    return (
      cancellation === undefined
        ? await pool.query(query, values)
        : await cancellableQuery(pool, query, values, cancellation)
    ).rows as T;
  } catch (error) {
    if (cancellation?.reason !== undefined) {
      throw cancellation.reason;
    }
    dataSource.logger.logQueryError(error as Error, query, values);
    throw new QueryFailedError(query, values, error as Error);
  }
}

/**
 * `pool.query`, but when `cancellation` calls it off while the statement runs, PostgreSQL is asked
 * to cancel it (the protocol's CancelRequest, on a connection of its own: the pool may have none
 * free), so the backend stops working for a request nobody waits for any more; the statement then
 * fails with SQLSTATE 57014. A read called off while it waits for a connection never runs.
 *
 * Callbacks, as pool.query uses them, not pg's promise API: awaiting `pool.connect()` and
 * `client.query()` allocated about a tenth more per request and brought major collections into a
 * run of list pages (issue 18: 0.0139 against 0.0126 scavenges per request, and 5 mark-compacts
 * in 8,000 requests against none).
 */
function cancellableQuery(
  pool: Pool,
  query: string,
  values: unknown[],
  cancellation: StatementCancellation,
): Promise<QueryResult> {
  return new Promise((resolve, reject) => {
    pool.connect((connectError, client, release) => {
      if (connectError || client === undefined) {
        reject(connectError ?? new Error('The pool gave no connection'));
        return;
      }
      let running = false;
      let cancelSent = false;
      const stopWatching = cancellation.watch(() => {
        if (running) {
          cancelSent = true;
          cancelActiveQuery(pool, client);
        }
      });
      if (cancellation.reason !== undefined) {
        stopWatching();
        release();
        reject(cancellation.reason);
        return;
      }
      running = true;
      client.query(query, values, (error, result) => {
        stopWatching();
        // A CancelRequest names the backend, not the statement: one that arrives after the
        // statement ended would cancel whatever that connection runs next, another request's. So
        // a connection a cancel was sent for is closed, never handed on.
        release(cancelSent ? new Error('statement cancelled') : undefined);
        if (error) {
          reject(error);
        } else {
          resolve(result);
        }
      });
    });
  });
}

function cancelActiveQuery(pool: Pool, client: PoolClient): void {
  const canceller = new GuardedClient(pool.options);
  // Only its connection is used, never connected as a client: it needs a listener of its own.
  const connection = (canceller as unknown as { connection: EventEmitter }).connection;
  connection.on('error', () => undefined);
  (canceller as unknown as { cancel(target: PoolClient, query: unknown): void }).cancel(
    client,
    (client as unknown as { activeQuery: unknown }).activeQuery,
  );
}
