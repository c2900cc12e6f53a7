import { GuardedClient } from './guarded-client';

/**
 * The pool's client with DB_PREPARED_STATEMENTS=false: every statement goes unnamed, whatever
 * name its caller gave (Statement.name). pg then sends Parse, Bind and Execute for the unnamed
 * statement together, so nothing outlives the round trip. A pooler in transaction mode without
 * prepared-statement support (PgBouncer before 1.21) hands each transaction whichever server
 * connection is free: a statement pg prepared by name on one is missing on the next ("prepared
 * statement … does not exist"), or already there from another client ("… already exists").
 *
 * A subclass, chosen once per pool (data-source.ts), so the default pool's statements pay nothing
 * for the switch and no caller can get a named statement past it. Dropping the name costs one
 * copy of the query config, as pg itself makes one for SQL given as text.
 */
export class UnnamedStatementsClient extends GuardedClient {}

/** What pg's query() overloads all end in. */
type QueryImplementation = (
  this: GuardedClient,
  config: unknown,
  values?: unknown,
  callback?: unknown,
) => unknown;

// On the prototype, not as a method: no single method signature matches all of pg's overloads.
(UnnamedStatementsClient.prototype as unknown as { query: QueryImplementation }).query = function (
  config,
  values,
  callback,
) {
  return (GuardedClient.prototype.query as unknown as QueryImplementation).call(
    this,
    unnamed(config),
    values,
    callback,
  );
};

function unnamed<Config>(config: Config): Config {
  if (
    typeof config === 'object' &&
    config !== null &&
    (config as { name?: unknown }).name !== undefined &&
    typeof (config as { submit?: unknown }).submit !== 'function'
  ) {
    return { ...config, name: undefined };
  }
  return config;
}
