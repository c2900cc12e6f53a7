import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { InteractionDto } from '../../src/interactions/dto/interaction.dto';
import type { Site } from '../../src/sites/entities/site.entity';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

type Headers = Record<string, string>;
interface Report {
  imported: number;
  failed: number;
  rows: Array<{ row: number; status: string; id?: number; errors?: Record<string, string> }>;
}

/** More than two export batches (1,000 rows each), with start times shared by three rows each. */
const BULK_ROWS = 2_100;
const TRICKY_TEXT = 'Room 4, "north" wing\nsecond line';
const SERVER_OWNED = ['id', 'site_id', 'created_by', 'created_at', 'updated_at'];

const ndjson = (rows: unknown[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');
const linesOf = (body: string) =>
  body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as InteractionDto);
const withoutServerFields = (row: object) =>
  Object.fromEntries(Object.entries(row).filter(([key]) => !SERVER_OWNED.includes(key)));

describe('interaction export and import', () => {
  let testApp: TestApp;
  let site: Site;
  let elsewhere: Site;
  let target: Site;
  let manager: User;
  let inSite: Headers;
  let inTarget: Headers;
  let viewer: Headers;

  beforeAll(async () => {
    // A search limit of its own, to tell that the export is counted in the search tier.
    testApp = await createTestApp({ RATE_LIMIT_SEARCH: '77777' });
    site = await makeSite(testApp.dataSource);
    elsewhere = await makeSite(testApp.dataSource);
    target = await makeSite(testApp.dataSource);
    manager = await makeUser(testApp.dataSource, {
      sites: [
        [site, 'manager'],
        [target, 'manager'],
      ],
    });
    const viewerUser = await makeUser(testApp.dataSource, { sites: [[target, 'viewer']] });
    const stranger = await makeUser(testApp.dataSource, { sites: [[elsewhere, 'manager']] });
    await testApp.dataSource.query(
      `INSERT INTO interactions (site_id, created_by, title, type, lead, start_datetime, end_datetime, timezone, notes)
       SELECT $1, $2, 'Bulk interaction ' || g, 'Call', 'Lead ' || g,
              timestamptz '2022-01-01T00:00:00Z' + (g / 3) * interval '1 hour',
              timestamptz '2022-01-01T00:30:00Z' + (g / 3) * interval '1 hour', 'UTC', 'note ' || g
         FROM generate_series(1, $3::int) AS g`,
      [site.id, manager.id, BULK_ROWS],
    );
    for (const title of ['Zephyr kickoff one', 'Zephyr kickoff two', 'Zephyr kickoff three']) {
      await makeInteraction(
        testApp.dataSource,
        { site, user: manager },
        {
          title,
          location: TRICKY_TEXT,
          description: 'a "quoted", comma',
          timezone: 'Europe/Paris',
        },
      );
    }
    await makeInteraction(
      testApp.dataSource,
      { site: elsewhere, user: stranger },
      { title: 'Zephyr elsewhere' },
    );
    inSite = await sessionIn(testApp, manager, site);
    inTarget = await sessionIn(testApp, manager, target);
    viewer = await sessionIn(testApp, viewerUser, target);
  });
  afterAll(async () => {
    await testApp.close();
  });

  /** Every page of GET /interactions, followed by cursor. */
  const listAll = async (headers: Headers, search?: string): Promise<InteractionDto[]> => {
    const all: InteractionDto[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ page_size: '100' });
      if (search !== undefined) {
        query.set('search', search);
      }
      if (cursor !== null) {
        query.set('cursor', cursor);
      }
      const response = await testApp.request({
        url: `/api/v1/interactions?${query.toString()}`,
        headers,
      });
      expect(response.statusCode).toBe(200);
      const page = response.json<{ interactions: InteractionDto[]; next_cursor: string | null }>();
      all.push(...page.interactions);
      cursor = page.next_cursor;
    } while (cursor !== null);
    return all;
  };

  const exportOf = (headers: Headers, query: string) =>
    testApp.request({ url: `/api/v1/interactions/export${query}`, headers });

  const importOf = (headers: Headers, body: string, contentType: string, mode?: string) =>
    testApp.request({
      method: 'POST',
      url: `/api/v1/interactions/import${mode ? `?mode=${mode}` : ''}`,
      headers: { ...headers, 'content-type': contentType },
      payload: body,
    });

  const countIn = async (of: Site): Promise<number> => {
    const [row] = await testApp.dataSource.query<Array<{ n: number }>>(
      'SELECT count(*)::int AS n FROM interactions WHERE site_id = $1',
      [of.id],
    );
    return row.n;
  };

  const importEvents = async (of: Site): Promise<number> => {
    const [row] = await testApp.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM audit_events WHERE site_id = $1 AND action = 'interaction.imported'`,
      [of.id],
    );
    return row.n;
  };

  describe('export', () => {
    it('streams NDJSON equal to every page of GET /interactions, in the search tier', async () => {
      const response = await exportOf(inSite, '');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/x-ndjson');
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="interactions-${site.id}.ndjson"`,
      );
      expect(response.headers['x-ratelimit-limit']).toBe('77777');
      const exported = linesOf(response.body);
      expect(exported).toHaveLength(BULK_ROWS + 3);
      expect(exported).toEqual(await listAll(inSite));
    });

    it('holds only the rows of the caller’s site', async () => {
      const exported = linesOf((await exportOf(inSite, '?search=zephyr')).body);
      expect(exported.map((row) => row.title).sort()).toEqual([
        'Zephyr kickoff one',
        'Zephyr kickoff three',
        'Zephyr kickoff two',
      ]);
      expect(new Set(exported.map((row) => row.site_id))).toEqual(new Set([site.id]));
    });

    it('applies search as GET /interactions does', async () => {
      const exported = linesOf((await exportOf(inSite, '?search=interaction%2019')).body);
      expect(exported.length).toBeGreaterThan(10);
      expect(exported).toEqual(await listAll(inSite, 'interaction 19'));
    });

    it('writes CSV that parses back to the records of GET /interactions', async () => {
      const response = await exportOf(inSite, '?format=csv');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="interactions-${site.id}.csv"`,
      );
      const listed = await listAll(inSite);
      const [header, ...records]: string[][] = parse(response.body);
      expect(header).toEqual(Object.keys(listed[0]));
      expect(records).toEqual(listed.map((row) => Object.values(row).map(String)));
    });

    it('quotes commas, quotes and line breaks in CSV fields', async () => {
      const body = (await exportOf(inSite, '?format=csv&search=zephyr')).body;
      expect(body).toContain('"Room 4, ""north"" wing\nsecond line"');
      expect(body).toContain('"a ""quoted"", comma"');
      const records = parse<Record<string, string>>(body, { columns: true });
      expect(records).toHaveLength(3);
      expect(records.map((record) => [record.location, record.description])).toEqual(
        Array(3).fill([TRICKY_TEXT, 'a "quoted", comma']),
      );
    });

    it('refuses an unknown format and a paging parameter (400)', async () => {
      expectError(await exportOf(inSite, '?format=xml'), 400, 'BAD_REQUEST');
      expectError(await exportOf(inSite, '?page=2'), 400, 'BAD_REQUEST');
    });
  });

  describe('import', () => {
    const second = {
      ...EXAMPLE_INTERACTION,
      title: 'Imported, second',
      type: 'call',
      start_datetime: '2023-07-01T09:00:00',
      end_datetime: '2023-07-01T10:00:00',
      timezone: 'Europe/Paris',
      notes: TRICKY_TEXT,
    };

    it('writes NDJSON rows as creates would', async () => {
      const before = await countIn(target);
      const response = await importOf(
        inTarget,
        ndjson([EXAMPLE_INTERACTION, second]),
        'application/x-ndjson',
      );
      expect(response.statusCode).toBe(200);
      const report = response.json<Report>();
      expect(report).toMatchObject({ imported: 2, failed: 0 });
      expect(report.rows.map(({ row, status }) => [row, status])).toEqual([
        [0, 'imported'],
        [1, 'imported'],
      ]);
      expect(await countIn(target)).toBe(before + 2);
      const stored = await testApp.request({
        url: `/api/v1/interactions/${report.rows[1].id}`,
        headers: inTarget,
      });
      expect(stored.json<{ interaction: InteractionDto }>().interaction).toMatchObject({
        title: 'Imported, second',
        type: 'Call',
        start_datetime: '2023-07-01T07:00:00Z',
        site_id: target.id,
        created_by: manager.id,
        notes: TRICKY_TEXT,
        location: 'Virtual Conference Room',
        description: 'Weekly project status update meeting',
      });
    });

    it('writes CSV rows, quoted fields included', async () => {
      const csv =
        'title,type,lead,start_datetime,end_datetime,timezone,notes\n' +
        `CSV imported one,Meeting,Jane Doe,2023-08-01T10:00:00Z,2023-08-01T11:00:00Z,UTC,"${TRICKY_TEXT.replace(/"/g, '""')}"\n` +
        'CSV imported two,Visit,John Roe,2023-08-02T10:00:00Z,2023-08-02T11:00:00Z,UTC,\n';
      const response = await importOf(inTarget, csv, 'text/csv');
      expect(response.statusCode).toBe(200);
      const report = response.json<Report>();
      expect(report.imported).toBe(2);
      const first = await testApp.request({
        url: `/api/v1/interactions/${report.rows[0].id}`,
        headers: inTarget,
      });
      expect(first.json<{ interaction: InteractionDto }>().interaction).toMatchObject({
        title: 'CSV imported one',
        notes: TRICKY_TEXT,
      });
    });

    it('writes nothing in all_or_nothing mode when a row fails, and names each failure by row', async () => {
      const before = await countIn(target);
      const eventsBefore = await importEvents(target);
      const rows = [
        EXAMPLE_INTERACTION,
        { ...EXAMPLE_INTERACTION, title: 'abc' },
        EXAMPLE_INTERACTION,
        { ...EXAMPLE_INTERACTION, end_datetime: '2023-06-20T13:00:00Z', color: 'red' },
      ];
      const error = expectError(
        await importOf(inTarget, ndjson(rows), 'application/x-ndjson'),
        422,
        'VALIDATION_ERROR',
      );
      expect(error.details).toEqual({
        'rows[1].title': 'title must be 5 to 100 characters long',
        'rows[3].color': 'is not allowed',
      });
      expect(await countIn(target)).toBe(before);
      expect(await importEvents(target)).toBe(eventsBefore);
    });

    it('applies the create rules beyond the DTO (type list, time zone, end before start)', async () => {
      const error = expectError(
        await importOf(
          inTarget,
          ndjson([
            { ...EXAMPLE_INTERACTION, type: 'Picnic' },
            { ...EXAMPLE_INTERACTION, timezone: 'Mars/Olympus' },
            { ...EXAMPLE_INTERACTION, end_datetime: '2023-06-20T13:00:00Z' },
          ]),
          'application/x-ndjson',
        ),
        422,
        'VALIDATION_ERROR',
      );
      expect(Object.keys(error.details ?? {})).toEqual([
        'rows[0].type',
        'rows[1].timezone',
        'rows[2].end_datetime',
      ]);
    });

    it('writes the valid rows in valid_only mode and reports every row', async () => {
      const before = await countIn(target);
      const response = await importOf(
        inTarget,
        ndjson([{ ...EXAMPLE_INTERACTION, lead: '' }, second, EXAMPLE_INTERACTION]),
        'application/x-ndjson',
        'valid_only',
      );
      expect(response.statusCode).toBe(200);
      const report = response.json<Report>();
      expect(report).toMatchObject({ imported: 2, failed: 1 });
      expect(report.rows[0]).toEqual({
        row: 0,
        status: 'failed',
        errors: { lead: 'lead must be 1 to 100 characters long' },
      });
      expect(report.rows.slice(1).map(({ row, status }) => [row, status])).toEqual([
        [1, 'imported'],
        [2, 'imported'],
      ]);
      expect(report.rows[1].id).toBeLessThan(report.rows[2].id!);
      expect(await countIn(target)).toBe(before + 2);
    });

    it('makes an unparseable NDJSON line an error of its row', async () => {
      const body = `${JSON.stringify(EXAMPLE_INTERACTION)}\n{"title": "broken\n\n[1, 2]\n`;
      const response = await importOf(inTarget, body, 'application/x-ndjson', 'valid_only');
      const report = response.json<Report>();
      expect(report.rows.map(({ row, status }) => [row, status])).toEqual([
        [0, 'imported'],
        [1, 'failed'],
        [2, 'failed'],
      ]);
      expect(report.rows[1].errors?.row).toMatch(/^is not valid JSON/);
      expect(report.rows[2].errors).toEqual({ row: 'must be a JSON object' });
      const error = expectError(
        await importOf(inTarget, body, 'application/x-ndjson'),
        422,
        'VALIDATION_ERROR',
      );
      expect(Object.keys(error.details ?? {})).toEqual(['rows[1]', 'rows[2]']);
    });

    it('makes an unparseable CSV record or one of the wrong width an error of its row', async () => {
      const csv =
        'title,type,lead,start_datetime,end_datetime,timezone\n' +
        'Good CSV row one,Meeting,Jane,2023-08-01T10:00:00Z,2023-08-01T11:00:00Z,UTC\n' +
        'Bad "quote" row,Meeting,Jane,2023-08-01T10:00:00Z,2023-08-01T11:00:00Z,UTC\n' +
        'Too few fields,Meeting\n' +
        'Good CSV row two,Meeting,Jane,2023-08-01T10:00:00Z,2023-08-01T11:00:00Z,UTC\n';
      const report = (await importOf(inTarget, csv, 'text/csv', 'valid_only')).json<Report>();
      expect(report.rows.map(({ row, status }) => [row, status])).toEqual([
        [0, 'imported'],
        [1, 'failed'],
        [2, 'failed'],
        [3, 'imported'],
      ]);
      expect(report.rows[1].errors?.row).toMatch(/could not be parsed as CSV/);
      expect(report.rows[2].errors).toEqual({ row: 'has 2 fields; the header has 6' });
    });

    it('refuses more than 10,000 rows with 413 and writes nothing', async () => {
      const before = await countIn(target);
      const line = `${JSON.stringify(EXAMPLE_INTERACTION)}\n`;
      const response = await importOf(inTarget, line.repeat(10_001), 'application/x-ndjson');
      expect(expectError(response, 413, 'PAYLOAD_TOO_LARGE').message).toMatch(
        /at most 10,000 rows/,
      );
      expect(await countIn(target)).toBe(before);
    });

    it('takes 10,000 rows in one request', async () => {
      const before = await countIn(target);
      const line = `${JSON.stringify(second)}\n`;
      const response = await importOf(inTarget, line.repeat(10_000), 'application/x-ndjson');
      expect(response.statusCode).toBe(200);
      expect(response.json<Report>().imported).toBe(10_000);
      expect(await countIn(target)).toBe(before + 10_000);
    }, 60_000);

    it('answers 415 to another content type', async () => {
      expectError(
        await importOf(inTarget, JSON.stringify(EXAMPLE_INTERACTION), 'application/json'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectError(await importOf(inTarget, 'x', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses callers and media types before reading a large body', async () => {
      // Past the import's own limit: had the body been read first, each would be 413.
      const huge = 'x'.repeat(17 * 1024 * 1024);
      expectError(await importOf({}, huge, 'application/x-ndjson'), 401, 'UNAUTHORIZED');
      expectError(await importOf(viewer, huge, 'application/x-ndjson'), 403, 'FORBIDDEN');
      expectError(
        await importOf(inTarget, huge, 'application/json'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expectError(await importOf(inTarget, huge, 'application/x-ndjson'), 413, 'PAYLOAD_TOO_LARGE');
    });

    it('keeps NDJSON and CSV bodies 415 on other routes', async () => {
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/interactions',
        headers: { ...inTarget, 'content-type': 'application/x-ndjson' },
        payload: JSON.stringify(EXAMPLE_INTERACTION),
      });
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses viewers with 403', async () => {
      expectError(
        await importOf(viewer, ndjson([EXAMPLE_INTERACTION]), 'application/x-ndjson'),
        403,
        'FORBIDDEN',
      );
    });

    it('records an interaction.imported event per row in the transaction of the rows', async () => {
      const response = await importOf(
        inTarget,
        ndjson([EXAMPLE_INTERACTION, second]),
        'application/x-ndjson',
      );
      const ids = response.json<Report>().rows.map((row) => String(row.id));
      const events = await testApp.dataSource.query<
        Array<{
          target_id: string;
          actor_type: string;
          actor_id: string;
          site_id: number;
          request_id: string;
          feed_seq: string | null;
          xmin: string;
        }>
      >(
        `SELECT target_id, actor_type, actor_id, site_id, request_id, feed_seq, xmin::text AS xmin
           FROM audit_events WHERE action = 'interaction.imported' AND target_type = 'interaction'
            AND target_id = ANY($1) ORDER BY id`,
        [ids],
      );
      expect(events.map((event) => event.target_id)).toEqual(ids);
      for (const event of events) {
        expect(event).toMatchObject({
          actor_type: 'user',
          actor_id: String(manager.id),
          site_id: target.id,
          request_id: response.headers['x-request-id'],
        });
        expect(event.feed_seq).not.toBeNull();
      }
      const rows = await testApp.dataSource.query<Array<{ xmin: string }>>(
        'SELECT xmin::text AS xmin FROM interactions WHERE id = ANY($1::bigint[])',
        [ids],
      );
      expect(new Set([...rows, ...events].map((row) => row.xmin)).size).toBe(1);
    });

    it('imports nothing from an empty body', async () => {
      const response = await testApp.request({
        method: 'POST',
        url: '/api/v1/interactions/import',
        headers: inTarget,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json<Report>()).toEqual({ imported: 0, failed: 0, rows: [] });
    });
  });

  describe('round trip', () => {
    for (const format of ['ndjson', 'csv'] as const) {
      it(`reproduces the records of an ${format} export in another site`, async () => {
        const exported = await exportOf(inSite, `?format=${format}&search=zephyr`);
        const imported = await importOf(
          inTarget,
          exported.body,
          format === 'csv' ? 'text/csv' : 'application/x-ndjson',
        );
        expect(imported.statusCode).toBe(200);
        const ids = imported.json<Report>().rows.map((row) => row.id);
        const copies = await Promise.all(
          ids.map(
            async (id) =>
              (
                await testApp.request({ url: `/api/v1/interactions/${id}`, headers: inTarget })
              ).json<{ interaction: InteractionDto }>().interaction,
          ),
        );
        expect(copies.map(withoutServerFields)).toEqual(
          linesOf((await exportOf(inSite, '?search=zephyr')).body).map(withoutServerFields),
        );
        expect(new Set(copies.map((copy) => copy.site_id))).toEqual(new Set([target.id]));
      });
    }
  });
});
