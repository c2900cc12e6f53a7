import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, Logger, QueryRunner } from 'typeorm';

/** A statement as sent: SQL text, and the name of a prepared statement (src/database/statement.ts). */
export interface RecordedStatement {
  text: string;
  name?: string;
}

/**
 * Counts the SQL statements each request sends. It wraps the DataSource's logger, which TypeORM
 * calls once before every statement it runs (queries, `START TRANSACTION`, `COMMIT`…, including
 * `dataSource.query()`), and files each under the request that is running, found through
 * AsyncLocalStorage: concurrent or background work does not leak into a request's count.
 * Installed by the test app only (createTestApp(…, { countStatements: true })); product code
 * knows nothing of it.
 */
export class StatementCounter {
  private readonly current = new AsyncLocalStorage<RecordedStatement[]>();

  install(dataSource: DataSource): void {
    const inner = dataSource.logger;
    const current = this.current;
    const counting: Logger = {
      logQuery(query: string, parameters?: unknown[], queryRunner?: QueryRunner) {
        current.getStore()?.push(recorded(query));
        inner.logQuery(query, parameters, queryRunner);
      },
      logQueryError(error, query, parameters, queryRunner) {
        inner.logQueryError(error, query, parameters, queryRunner);
      },
      logQuerySlow(time, query, parameters, queryRunner) {
        inner.logQuerySlow(time, query, parameters, queryRunner);
      },
      logSchemaBuild(message, queryRunner) {
        inner.logSchemaBuild(message, queryRunner);
      },
      logMigration(message, queryRunner) {
        inner.logMigration(message, queryRunner);
      },
      log(level, message, queryRunner) {
        inner.log(level, message, queryRunner);
      },
    };
    // TypeORM reads dataSource.logger on every statement; the property is readonly only in types.
    (dataSource as { logger: Logger }).logger = counting;
  }

  /** Runs `work` and returns what it returned with the statements it sent, in order. */
  async record<T>(work: () => Promise<T>): Promise<{ result: T; statements: RecordedStatement[] }> {
    const statements: RecordedStatement[] = [];
    const result = await this.current.run(statements, work);
    return { result, statements };
  }
}

/** runStatement() passes a named statement as a pg QueryConfig where TypeORM expects text. */
function recorded(query: string | { name?: string; text: string }): RecordedStatement {
  return typeof query === 'string' ? { text: query } : { text: query.text, name: query.name };
}
