import type { QueryConfig } from 'pg';

/**
 * One SQL statement with positional parameters. With a `name`, PostgreSQL parses it once per
 * connection and may keep its plan (a named prepared statement): give one only to statements
 * whose best plan does not depend on the values (a lookup by key, a site's newest rows), never to
 * a search whose plan depends on how rare its term is.
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

/** What can run SQL: a DataSource, an EntityManager or a QueryRunner. */
interface Queryable {
  query<T>(query: string, parameters?: unknown[]): Promise<T>;
}

/**
 * Runs `statement` through TypeORM's `query()`, so it is logged, counted and its errors wrapped
 * like any other. A named one, or one with `types`, goes as a pg QueryConfig (`{ name, text,
 * types }`), which TypeORM hands to the pg driver unchanged and pg accepts wherever it accepts
 * SQL text. `types` replaces pg's type parsers for this statement (e.g. INSTANTS_AS_TEXT).
 */
export function runStatement<T>(
  database: Queryable,
  statement: Statement,
  options: { types?: QueryConfig['types'] } = {},
): Promise<T> {
  const query =
    statement.name === undefined && options.types === undefined
      ? statement.text
      : ({ name: statement.name, text: statement.text, types: options.types } as unknown as string);
  return database.query<T>(query, statement.values);
}
