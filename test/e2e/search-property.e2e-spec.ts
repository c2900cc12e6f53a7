import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import { Interaction } from '../../src/interactions/entities/interaction.entity';
import { bearer, login } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';

/** What the reference filter needs of a record. */
interface Row {
  id: number;
  created_by: number;
  title: string;
  lead: string;
  start: number;
}

type Condition = { field: string; operator: string; value: unknown };
type Item = Condition | { any: Item[] } | { all: Item[] } | { not: Item };

const BASE = Date.UTC(2024, 0, 1);
const letters = fc.string({
  unit: fc.constantFrom('a', 'b', 'A', 'B', ' ', '%', '_'),
  minLength: 1,
  maxLength: 4,
});
const recordArb = fc.record({
  title: fc.string({
    unit: fc.constantFrom('a', 'b', 'A', 'B', ' ', '%', '_'),
    minLength: 5,
    maxLength: 10,
  }),
  lead: fc.string({
    unit: fc.constantFrom('a', 'b', 'A', 'B', ' ', '%', '_'),
    minLength: 1,
    maxLength: 6,
  }),
  hours: fc.integer({ min: 0, max: 48 }),
  byOther: fc.boolean(),
});

function conditionArb(rows: Row[]): fc.Arbitrary<Condition> {
  const ids = rows.map((row) => row.id);
  const someId = fc.oneof(
    fc.constantFrom(...ids),
    fc.integer({ min: 0, max: Math.max(...ids) + 2 }),
  );
  const someTime = fc.oneof(
    fc.constantFrom(...rows.map((row) => row.start)),
    fc.integer({ min: 0, max: 48 }).map((hours) => BASE + hours * 3_600_000),
  );
  const someText = (field: 'title' | 'lead') =>
    fc.oneof(fc.constantFrom(...rows.map((row) => row[field])), letters);
  const iso = (ms: number) => new Date(ms).toISOString();
  return fc.oneof(
    fc.record({
      field: fc.constant('id'),
      operator: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'),
      value: someId,
    }),
    fc.record({
      field: fc.constant('id'),
      operator: fc.constantFrom('in', 'not_in'),
      value: fc.array(someId, { minLength: 1, maxLength: 4 }),
    }),
    fc.tuple(someId, someId).map(([a, b]) => ({
      field: 'id',
      operator: 'between',
      value: [Math.min(a, b), Math.max(a, b)],
    })),
    fc.record({
      field: fc.constantFrom('title', 'lead'),
      operator: fc.constantFrom(
        'eq',
        'neq',
        'contains',
        'not_contains',
        'starts_with',
        'ends_with',
      ),
      value: letters,
    }),
    fc.constantFrom('title' as const, 'lead' as const).chain((field) =>
      fc
        .record({
          field: fc.constant(field),
          operator: fc.constantFrom('eq', 'in', 'not_in'),
          value: someText(field),
        })
        .map((condition) =>
          condition.operator === 'eq' ? condition : { ...condition, value: [condition.value] },
        ),
    ),
    fc.record({
      field: fc.constant('start_datetime'),
      operator: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'),
      value: someTime.map(iso),
    }),
    fc.tuple(someTime, someTime).map(([a, b]) => ({
      field: 'start_datetime',
      operator: 'between',
      value: [iso(Math.min(a, b)), iso(Math.max(a, b))],
    })),
  );
}

/** Groups nest up to `depth` levels (the API allows 4); at most 2^depth conditions per item. */
function itemArb(rows: Row[], depth = 3): fc.Arbitrary<Item> {
  const condition = conditionArb(rows);
  if (depth === 0) {
    return condition;
  }
  const child = itemArb(rows, depth - 1);
  return fc.oneof(
    { arbitrary: condition, weight: 3 },
    { arbitrary: fc.record({ any: fc.array(child, { minLength: 1, maxLength: 2 }) }), weight: 1 },
    { arbitrary: fc.record({ all: fc.array(child, { minLength: 1, maxLength: 2 }) }), weight: 1 },
    { arbitrary: fc.record({ not: child }), weight: 1 },
  );
}

/** The reference: the filter language evaluated in memory, as DESIGN.md §7 defines it. */
function matches(row: Row, item: Item): boolean {
  if ('any' in item) {
    return item.any.some((child) => matches(row, child));
  }
  if ('all' in item) {
    return item.all.every((child) => matches(row, child));
  }
  if ('not' in item) {
    return !matches(row, item.not);
  }
  const actual: number | string =
    item.field === 'id'
      ? row.id
      : item.field === 'start_datetime'
        ? row.start
        : row[item.field as 'title' | 'lead'];
  const coerce = (value: unknown): number | string =>
    item.field === 'start_datetime' ? Date.parse(value as string) : (value as number | string);
  const text = String(actual).toLowerCase();
  const needle = String(item.value).toLowerCase();
  switch (item.operator) {
    case 'eq':
      return actual === coerce(item.value);
    case 'neq':
      return actual !== coerce(item.value);
    case 'gt':
      return actual > coerce(item.value);
    case 'gte':
      return actual >= coerce(item.value);
    case 'lt':
      return actual < coerce(item.value);
    case 'lte':
      return actual <= coerce(item.value);
    case 'between': {
      const [low, high] = (item.value as unknown[]).map(coerce);
      return actual >= low && actual <= high;
    }
    case 'in':
      return (item.value as unknown[]).map(coerce).includes(actual);
    case 'not_in':
      return !(item.value as unknown[]).map(coerce).includes(actual);
    case 'contains':
      return text.includes(needle);
    case 'not_contains':
      return !text.includes(needle);
    case 'starts_with':
      return text.startsWith(needle);
    case 'ends_with':
      return text.endsWith(needle);
    default:
      throw new Error(`reference does not know ${item.operator}`);
  }
}

describe('advanced search against an in-memory reference', () => {
  let testApp: TestApp;
  let searcher: User;
  let other: User;
  let token: string;

  beforeAll(async () => {
    testApp = await createTestApp();
    searcher = await makeUser(testApp.dataSource);
    other = await makeUser(testApp.dataSource);
    token = (await login(testApp, searcher)).token;
  });
  afterAll(async () => {
    await testApp.close();
  });

  async function fixture(
    records: Array<{ title: string; lead: string; hours: number; byOther: boolean }>,
  ) {
    const site = await makeSite(testApp.dataSource);
    await testApp.dataSource.query(
      `INSERT INTO site_memberships (user_id, site_id, role) VALUES ($1, $3, 'viewer'), ($2, $3, 'member')`,
      [searcher.id, other.id, site.id],
    );
    const repository = testApp.dataSource.getRepository(Interaction);
    const rows: Row[] = [];
    for (const record of records) {
      const start = BASE + record.hours * 3_600_000;
      const createdBy = record.byOther ? other.id : searcher.id;
      const saved = await repository.save(
        repository.create({
          siteId: site.id,
          createdBy,
          title: record.title,
          type: 'Meeting',
          lead: record.lead,
          startDatetime: new Date(start),
          endDatetime: new Date(start + 3_600_000),
          timezone: 'UTC',
        }),
      );
      rows.push({
        id: Number(saved.id),
        created_by: createdBy,
        title: record.title,
        lead: record.lead,
        start,
      });
    }
    await testApp.request({
      method: 'POST',
      url: '/api/v1/auth/site',
      headers: bearer(token),
      payload: { site_id: site.id },
    });
    return rows;
  }

  it('returns the same ids as the reference for random filter sets over random records', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(recordArb, { minLength: 3, maxLength: 12 })
          .chain((records) => fc.constant(records)),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (records, seed) => {
          const rows = await fixture(records);
          const filterSets = fc.sample(fc.array(itemArb(rows), { minLength: 1, maxLength: 3 }), {
            numRuns: 4,
            seed,
          });
          for (const filters of filterSets) {
            const response = await testApp.request({
              method: 'POST',
              url: '/api/v1/search/advanced',
              headers: bearer(token),
              payload: { filters, sort: { field: 'id', direction: 'asc' }, size: 100 },
            });
            expect(response.statusCode, response.body).toBe(200);
            const actual = response
              .json<{ results: Array<{ id: number }> }>()
              .results.map((item) => item.id);
            const expected = rows
              .filter((row) => filters.every((item) => matches(row, item)))
              .map((row) => row.id);
            expect(actual, JSON.stringify(filters)).toEqual(expected);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
