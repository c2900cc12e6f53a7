import type { DataSource } from 'typeorm';

/** An audit event as the tests compare it: every column but the id and the time. */
export interface AuditRow {
  action: string;
  actor_type: string;
  actor_id: string | null;
  site_id: number | null;
  target_type: string | null;
  target_id: string | null;
  changes: unknown;
  request_id: string | null;
  ip: string | null;
}

/**
 * The id of the newest event: the table refuses TRUNCATE and DELETE, so a test reads the events
 * written after its mark instead of emptying the table.
 */
export async function auditMark(dataSource: DataSource): Promise<string> {
  const [{ id }] = await dataSource.query<Array<{ id: string }>>(
    'SELECT coalesce(max(id), 0)::text AS id FROM audit_events',
  );
  return id;
}

export function auditEventsSince(dataSource: DataSource, mark: string): Promise<AuditRow[]> {
  return dataSource.query<AuditRow[]>(
    `SELECT action, actor_type, actor_id, site_id, target_type, target_id, changes, request_id, ip
       FROM audit_events WHERE id > $1 ORDER BY id`,
    [mark],
  );
}

/**
 * Makes every transaction that wrote `table` fail at COMMIT (a deferred constraint trigger), after
 * all its statements ran: what it appended to the trail must be rolled back with it. Returns the
 * function that removes the trigger.
 */
export async function failCommitsWriting(
  dataSource: DataSource,
  table: string,
): Promise<() => Promise<void>> {
  await dataSource.query(`
    CREATE OR REPLACE FUNCTION test_fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'test: commit refused'; END $$`);
  await dataSource.query(
    `CREATE CONSTRAINT TRIGGER test_fail_at_commit AFTER INSERT OR UPDATE OR DELETE ON "${table}"
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fail_at_commit()`,
  );
  return async () => {
    await dataSource.query(`DROP TRIGGER test_fail_at_commit ON "${table}"`);
  };
}

/** Makes appending an event of `action` fail. Returns the function that removes the trigger. */
export async function refuseAuditEventsOf(
  dataSource: DataSource,
  action: string,
): Promise<() => Promise<void>> {
  await dataSource.query(`
    CREATE OR REPLACE FUNCTION test_refuse_audit_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'test: audit event refused'; END $$`);
  await dataSource.query(
    `CREATE TRIGGER test_refuse_audit_event BEFORE INSERT ON audit_events FOR EACH ROW
     WHEN (NEW.action = '${action}') EXECUTE FUNCTION test_refuse_audit_event()`,
  );
  return async () => {
    await dataSource.query('DROP TRIGGER test_refuse_audit_event ON audit_events');
  };
}
