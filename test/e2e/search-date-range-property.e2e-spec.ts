import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import { Interaction } from '../../src/interactions/entities/interaction.entity';
import { bearer, expectError, login } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

const HOUR = 3_600_000;
const BASE = Date.UTC(2024, 0, 1);

/** A stored interaction as the reference needs it: its id and closed period in ms. */
interface Row {
  id: number;
  start: number;
  end: number;
}

interface Query {
  fromHour: number;
  untilHour: number;
  pageSize: number;
  /** A page number, the reference's last page (1 when nothing matches), or the page after it. */
  page: number | 'last' | 'past';
}

interface Results {
  results: Array<{ id: number }>;
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

const at = (hours: number) => BASE + hours * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

// A coarse grid makes equal starts and boundary touches (end == from, start == until) common.
const recordArb = fc.record({
  startHour: fc.integer({ min: 0, max: 72 }),
  durationHours: fc.constantFrom(0, 0, 1, 2, 30, 60),
});
type RecordSpec = { startHour: number; durationHours: number };

/** Range ends on the grid, often exactly on a record's start or end, sometimes outside them all. */
function queryArb(records: RecordSpec[]): fc.Arbitrary<Query> {
  const edges = records.flatMap((record) => [
    record.startHour,
    record.startHour + record.durationHours,
  ]);
  const hour = fc.oneof(fc.constantFrom(...edges), fc.integer({ min: -3, max: 135 }));
  // About one range in ten is reversed, to check that it is refused rather than read as empty.
  const range = fc
    .tuple(hour, hour, fc.integer({ min: 0, max: 9 }))
    .map(([a, b, reversed]) =>
      reversed === 0
        ? { fromHour: Math.max(a, b), untilHour: Math.min(a, b) }
        : { fromHour: Math.min(a, b), untilHour: Math.max(a, b) },
    );
  return fc
    .record({
      bounds: range,
      // 10 is one of the limits the named statement inlines; 1–4 go through the parameter path.
      pageSize: fc.constantFrom(1, 2, 3, 4, 10),
      page: fc.oneof(
        fc.constant(1),
        fc.integer({ min: 2, max: 4 }),
        fc.constant('last' as const),
        fc.constant('past' as const),
      ),
    })
    .map(({ bounds, ...paging }) => ({ ...bounds, ...paging }));
}

/** The reference: [start, end] overlaps [from, until), and merely ending at `from` is not enough. */
function overlaps(row: Row, from: number, until: number): boolean {
  return (
    from < until && row.start < until && row.end >= from && (row.end > from || row.start >= from)
  );
}

function oldestFirst(a: Row, b: Row): number {
  return a.start - b.start || a.id - b.id;
}

describe('GET /search/date-range against an in-memory reference', () => {
  let testApp: TestApp;
  let searcher: User;
  let token: string;

  beforeAll(async () => {
    testApp = await createTestApp();
    searcher = await makeUser(testApp.dataSource);
    token = (await login(testApp, searcher)).token;
  });
  afterAll(async () => {
    await testApp.close();
  });

  /** A fresh current site holding these periods, so earlier runs' rows must stay out of results. */
  async function siteWith(periods: Array<{ start: number; end: number }>): Promise<Row[]> {
    const site = await makeSite(testApp.dataSource);
    await testApp.dataSource.query(
      `INSERT INTO site_memberships (user_id, site_id, role) VALUES ($1, $2, 'viewer')`,
      [searcher.id, site.id],
    );
    const repository = testApp.dataSource.getRepository(Interaction);
    const rows: Row[] = [];
    for (const [index, period] of periods.entries()) {
      const saved = await repository.save(
        repository.create({
          siteId: site.id,
          createdBy: searcher.id,
          title: `Period ${index}`,
          type: 'Meeting',
          lead: 'Jane Doe',
          startDatetime: new Date(period.start),
          endDatetime: new Date(period.end),
          timezone: 'UTC',
        }),
      );
      rows.push({ id: Number(saved.id), ...period });
    }
    const selected = await testApp.request({
      method: 'POST',
      url: '/api/v1/auth/site',
      headers: bearer(token),
      payload: { site_id: site.id },
    });
    expect(selected.statusCode, selected.body).toBe(200);
    return rows;
  }

  function search(from: number, until: number, page = 1, pageSize = 20) {
    return testApp.request({
      method: 'GET',
      url:
        `/api/v1/search/date-range?start_date=${iso(from)}&end_date=${iso(until)}` +
        `&page=${page}&page_size=${pageSize}`,
      headers: bearer(token),
    });
  }

  async function resultIds(from: number, until: number): Promise<number[]> {
    const response = await search(from, until);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Results>().results.map((item) => item.id);
  }

  it('pages through the same matches as the reference, oldest first, for random ranges', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(recordArb, { minLength: 3, maxLength: 15 })
          .chain((records) =>
            fc.tuple(
              fc.constant(records),
              fc.array(queryArb(records), { minLength: 1, maxLength: 4 }),
            ),
          ),
        async ([records, queries]) => {
          const rows = await siteWith(
            records.map((record) => ({
              start: at(record.startHour),
              end: at(record.startHour + record.durationHours),
            })),
          );
          for (const query of queries) {
            const from = at(query.fromHour);
            const until = at(query.untilHour);
            const label = JSON.stringify({ rows, query });
            if (from > until) {
              expectError(await search(from, until, 1, query.pageSize), 400, 'BAD_REQUEST');
              continue;
            }
            const matches = rows.filter((row) => overlaps(row, from, until)).sort(oldestFirst);
            const pages = Math.ceil(matches.length / query.pageSize);
            const page =
              query.page === 'last'
                ? Math.max(pages, 1)
                : query.page === 'past'
                  ? pages + 1
                  : query.page;
            const response = await search(from, until, page, query.pageSize);
            expect(response.statusCode, `${label} ${response.body}`).toBe(200);
            const body = response.json<Results>();
            const offset = (page - 1) * query.pageSize;
            expect(
              {
                ids: body.results.map((item) => item.id),
                total: body.total,
                page: body.page,
                page_size: body.page_size,
                total_pages: body.total_pages,
              },
              label,
            ).toEqual({
              ids: matches.slice(offset, offset + query.pageSize).map((row) => row.id),
              total: matches.length,
              page,
              page_size: query.pageSize,
              total_pages: pages,
            });
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('leaves out an interaction that ends exactly at the start of the range', async () => {
    const [, endsJustAfter] = await siteWith([
      { start: at(0), end: at(10) },
      { start: at(0), end: at(10) + 1000 },
    ]);
    expect(await resultIds(at(10), at(20))).toEqual([endsJustAfter.id]);
  });

  it('includes a zero-length interaction at the start of the range but not one at its end', async () => {
    const [atUntil, atFrom] = await siteWith([
      { start: at(20), end: at(20) },
      { start: at(10), end: at(10) },
    ]);
    expect(await resultIds(at(10), at(20))).toEqual([atFrom.id]);
    // It is out only because the range ends there: one second more takes it in.
    expect(await resultIds(at(10), at(20) + 1000)).toEqual([atFrom.id, atUntil.id]);
  });

  it('includes an interaction spanning the whole range and sorts it first', async () => {
    // Inserted last, so its id is the highest: only its start can put it first.
    const [atFrom, inside, spanning] = await siteWith([
      { start: at(10), end: at(11) },
      { start: at(12), end: at(13) },
      { start: at(5), end: at(30) },
    ]);
    expect(await resultIds(at(10), at(20))).toEqual([spanning.id, atFrom.id, inside.id]);
  });
});
