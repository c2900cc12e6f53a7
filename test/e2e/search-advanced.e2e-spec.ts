import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import type { SearchResultsDto } from '../../src/search/dto/search-results.dto';
import type { Site } from '../../src/sites/entities/site.entity';
import { expectError } from '../support/auth-helpers';
import { makeSite, makeUser } from '../support/factories';
import { sessionIn } from '../support/interaction-helpers';
import { makeSearchFixture } from '../support/search-fixture';
import { createTestApp, type TestApp } from '../support/test-app';

type Results = SearchResultsDto;

describe('POST /search/advanced', () => {
  let testApp: TestApp;
  let auth: Record<string, string>;
  let site: Site;
  let alice: User;
  let bob: User;
  let records: Record<string, Interaction>;

  beforeAll(async () => {
    testApp = await createTestApp();
    site = await makeSite(testApp.dataSource);
    alice = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    bob = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    records = await makeSearchFixture(testApp.dataSource, site, [alice, bob]);
    auth = await sessionIn(testApp, alice, site);
  });
  afterAll(async () => {
    await testApp.close();
  });

  const search = (payload: unknown) =>
    testApp.request({
      method: 'POST',
      url: '/api/v1/search/advanced',
      headers: auth,
      payload: payload as object,
    });
  const idsOf = (...names: string[]) =>
    names.map((name) => Number(records[name].id)).sort((a, b) => a - b);
  const found = async (filters: unknown[]) => {
    const response = await search({ filters, size: 100 });
    expect(response.statusCode, response.body).toBe(200);
    return response
      .json<Results>()
      .results.map((item) => item.id)
      .sort((a, b) => a - b);
  };

  describe('every operator on every field type returns exactly the expected records', () => {
    const id = (name: string) => Number(records[name].id);
    const cases: Array<[string, () => unknown, string[]]> = [
      ['integer eq', () => ({ field: 'id', operator: 'eq', value: id('discount') }), ['discount']],
      [
        'integer neq',
        () => ({ field: 'created_by', operator: 'neq', value: alice.id }),
        ['discount', 'overnight', 'retro'],
      ],
      [
        'integer gt',
        () => ({ field: 'id', operator: 'gt', value: id('fair') }),
        ['retro', 'ongoing'],
      ],
      [
        'integer gte',
        () => ({ field: 'id', operator: 'gte', value: id('fair') }),
        ['fair', 'retro', 'ongoing'],
      ],
      ['integer lt', () => ({ field: 'id', operator: 'lt', value: id('discount') }), ['kickoff']],
      [
        'integer lte',
        () => ({ field: 'id', operator: 'lte', value: id('discount') }),
        ['kickoff', 'discount'],
      ],
      [
        'integer between',
        () => ({ field: 'id', operator: 'between', value: [id('discount'), id('overnight')] }),
        ['discount', 'quarterly', 'overnight'],
      ],
      [
        'integer in',
        () => ({ field: 'id', operator: 'in', value: [id('kickoff'), id('fair'), 999999] }),
        ['kickoff', 'fair'],
      ],
      [
        'integer not_in',
        () => ({ field: 'created_by', operator: 'not_in', value: [bob.id] }),
        ['kickoff', 'quarterly', 'fair', 'ongoing'],
      ],
      ['text eq', () => ({ field: 'type', operator: 'eq', value: 'Call' }), ['discount', 'retro']],
      [
        'text neq',
        () => ({ field: 'location', operator: 'neq', value: '' }),
        ['kickoff', 'quarterly', 'overnight'],
      ],
      [
        'text gt',
        () => ({ field: 'type', operator: 'gt', value: 'Meeting' }),
        ['ongoing', 'overnight'],
      ],
      [
        'text gte',
        () => ({ field: 'type', operator: 'gte', value: 'Meeting' }),
        ['kickoff', 'ongoing', 'overnight'],
      ],
      ['text lt', () => ({ field: 'type', operator: 'lt', value: 'Email' }), ['discount', 'retro']],
      [
        'text lte',
        () => ({ field: 'type', operator: 'lte', value: 'Email' }),
        ['discount', 'retro', 'quarterly'],
      ],
      [
        'text between',
        () => ({ field: 'type', operator: 'between', value: ['Email', 'Meeting'] }),
        ['quarterly', 'fair', 'kickoff'],
      ],
      [
        'text contains (case-insensitive)',
        () => ({ field: 'title', operator: 'contains', value: 'REVIEW' }),
        ['discount', 'quarterly'],
      ],
      [
        'text not_contains',
        () => ({ field: 'lead', operator: 'not_contains', value: 'john' }),
        ['discount', 'overnight', 'fair', 'ongoing'],
      ],
      [
        'text starts_with',
        () => ({ field: 'lead', operator: 'starts_with', value: 'jo' }),
        ['kickoff', 'quarterly', 'retro'],
      ],
      [
        'text ends_with',
        () => ({ field: 'lead', operator: 'ends_with', value: 'SMITH' }),
        ['kickoff', 'retro'],
      ],
      [
        'text in',
        () => ({ field: 'type', operator: 'in', value: ['Visit', 'Event'] }),
        ['overnight', 'fair'],
      ],
      [
        'text not_in',
        () => ({ field: 'type', operator: 'not_in', value: ['Call', 'Meeting', 'Other'] }),
        ['quarterly', 'overnight', 'fair'],
      ],
      [
        'datetime eq',
        () => ({ field: 'start_datetime', operator: 'eq', value: '2023-06-15T16:00:00+02:00' }),
        ['discount'],
      ],
      [
        'datetime neq',
        () => ({ field: 'start_datetime', operator: 'neq', value: '2023-06-01T09:00:00Z' }),
        ['discount', 'quarterly', 'overnight', 'fair', 'retro', 'ongoing'],
      ],
      [
        'datetime gt',
        () => ({ field: 'end_datetime', operator: 'gt', value: '2023-07-01T02:00:00Z' }),
        ['quarterly', 'fair', 'retro', 'ongoing'],
      ],
      [
        'datetime gte',
        () => ({ field: 'end_datetime', operator: 'gte', value: '2023-07-01T02:00:00Z' }),
        ['overnight', 'quarterly', 'fair', 'retro', 'ongoing'],
      ],
      [
        'datetime lt',
        () => ({ field: 'start_datetime', operator: 'lt', value: '2023-06-15' }),
        ['kickoff'],
      ],
      [
        'datetime lte',
        () => ({ field: 'start_datetime', operator: 'lte', value: '2023-06-15T14:00:00Z' }),
        ['kickoff', 'discount'],
      ],
      [
        'datetime between',
        () => ({
          field: 'start_datetime',
          operator: 'between',
          value: ['2023-06-15', '2023-06-30T22:00:00Z'],
        }),
        ['discount', 'overnight'],
      ],
      [
        'datetime in',
        () => ({
          field: 'start_datetime',
          operator: 'in',
          value: ['2023-06-01T09:00:00Z', '2023-07-01T08:00:00Z'],
        }),
        ['kickoff', 'quarterly'],
      ],
      [
        'datetime not_in',
        () => ({ field: 'end_datetime', operator: 'not_in', value: ['2023-06-01T10:00:00Z'] }),
        ['discount', 'quarterly', 'overnight', 'fair', 'retro', 'ongoing'],
      ],
    ];
    for (const [name, filter, expected] of cases) {
      it(name, async () => {
        expect(await found([filter()])).toEqual(idsOf(...expected));
      });
    }
  });

  describe('groups', () => {
    it('ANDs the top-level filters', async () => {
      expect(
        await found([
          { field: 'type', operator: 'eq', value: 'Call' },
          { field: 'lead', operator: 'contains', value: 'smith' },
        ]),
      ).toEqual(idsOf('retro'));
    });

    it('ORs the items of any', async () => {
      expect(
        await found([
          {
            any: [
              { field: 'type', operator: 'eq', value: 'Visit' },
              { field: 'location', operator: 'eq', value: 'Online' },
            ],
          },
        ]),
      ).toEqual(idsOf('quarterly', 'overnight'));
    });

    it('negates with not', async () => {
      expect(
        await found([
          { not: { field: 'type', operator: 'in', value: ['Call', 'Meeting', 'Email', 'Visit'] } },
        ]),
      ).toEqual(idsOf('fair', 'ongoing'));
    });

    it('nests all inside any inside not', async () => {
      const filters = [
        {
          not: {
            any: [
              {
                all: [
                  { field: 'type', operator: 'eq', value: 'Call' },
                  { field: 'notes', operator: 'eq', value: 'follow up' },
                ],
              },
              { field: 'start_datetime', operator: 'gt', value: '2023-12-31T00:00:00Z' },
            ],
          },
        },
      ];
      expect(await found(filters)).toEqual(idsOf('kickoff', 'quarterly', 'overnight'));
    });
  });

  describe('sorting and paging', () => {
    const order = async (sort: unknown, extra: object = {}) =>
      (
        await search({
          filters: [{ field: 'start_datetime', operator: 'lt', value: '2024-01-01' }],
          sort,
          ...extra,
        })
      )
        .json<Results>()
        .results.map((item) => item.id);

    it('sorts ascending and descending', async () => {
      const ascending = [
        records.kickoff,
        records.discount,
        records.overnight,
        records.quarterly,
      ].map((r) => Number(r.id));
      expect(await order({ field: 'start_datetime', direction: 'asc' })).toEqual(ascending);
      expect(await order({ field: 'start_datetime', direction: 'desc' })).toEqual(
        [...ascending].reverse(),
      );
    });

    it('sorts by several keys, id last', async () => {
      const sorted = await order([
        { field: 'created_by', direction: 'desc' },
        { field: 'end_datetime', direction: 'asc' },
      ]);
      expect(sorted).toEqual(
        [records.discount, records.overnight, records.kickoff, records.quarterly].map((r) =>
          Number(r.id),
        ),
      );
    });

    it('pages with size and reports totals', async () => {
      const response = await search({ page: 2, size: 3 });
      expect(response.json<Results>()).toMatchObject({
        total: 7,
        page: 2,
        page_size: 3,
        total_pages: 3,
      });
      expect(response.json<Results>().results).toHaveLength(3);
      const alias = await search({ page: 3, page_size: 3 });
      expect(alias.json<Results>()).toMatchObject({ page: 3, page_size: 3 });
      expect(alias.json<Results>().results).toHaveLength(1);
    });

    it('accepts the API document example', async () => {
      const response = await search({
        filters: [
          { field: 'type', operator: 'eq', value: 'Meeting' },
          { field: 'start_datetime', operator: 'gte', value: '2023-06-01T00:00:00Z' },
          { field: 'lead', operator: 'contains', value: 'Smith' },
        ],
        sort: { field: 'start_datetime', direction: 'asc' },
        page: 1,
        size: 20,
      });
      expect(response.json<Results>().results.map((item) => item.id)).toEqual(idsOf('kickoff'));
    });
  });

  describe('validation', () => {
    const invalid = async (payload: unknown) =>
      expectError(await search(payload), 422, 'VALIDATION_ERROR').details ?? {};

    it('names the path of a bad value deep in a group', async () => {
      expect(
        await invalid({
          filters: [
            { field: 'title', operator: 'eq', value: 'x' },
            {
              any: [
                { field: 'lead', operator: 'eq', value: 'y' },
                { field: 'created_at', operator: 'gt', value: 'last week' },
              ],
            },
          ],
        }),
      ).toEqual({
        'filters[1].any[1].value':
          'must be an ISO 8601 date or date-time for created_at, such as 2023-06-01T00:00:00Z',
      });
    });

    it('refuses a datetime value outside years 0001–9999 in UTC, naming its path', async () => {
      expect(
        await invalid({
          filters: [
            { field: 'start_datetime', operator: 'gte', value: '2023-01-01' },
            { field: 'end_datetime', operator: 'lt', value: '10000-01-01T00:00:00Z' },
            { field: 'created_at', operator: 'between', value: ['0000-12-31', '2023-01-01'] },
          ],
        }),
      ).toEqual({
        'filters[1].value':
          'must be an ISO 8601 date or date-time for end_datetime, such as 2023-06-01T00:00:00Z',
        'filters[2].value[0]':
          'must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z once converted to UTC for created_at',
      });
    });

    it('refuses a string for an integer field, an unknown field, an unknown operator and a text operator on a number', async () => {
      expect(
        await invalid({
          filters: [
            { field: 'id', operator: 'eq', value: '1' },
            { field: 'password_hash', operator: 'eq', value: 'x' },
            { field: 'title', operator: 'regex', value: '.*' },
            { field: 'id', operator: 'starts_with', value: 1 },
          ],
        }),
      ).toMatchObject({
        'filters[0].value': 'must be an integer for id',
        'filters[1].field': expect.stringContaining('must be one of') as string,
        'filters[2].operator': expect.stringContaining('must be one of') as string,
        'filters[3].operator': 'starts_with applies only to text fields; id is integer',
      });
    });

    it('refuses bad sort, page and size values and unknown body fields', async () => {
      expect(await invalid({ sort: { field: 'start_datetime', direction: 'sideways' } })).toEqual({
        'sort.direction': 'must be one of asc, desc',
      });
      expect(await invalid({ size: 101 })).toHaveProperty('size');
      expect(await invalid({ page: 0 })).toHaveProperty('page');
      expect(await invalid({ size: 10, page_size: 20 })).toHaveProperty('page_size');
      expect(await invalid({ filter: [] })).toEqual({ filter: 'is not allowed' });
    });

    it('refuses more than 100 items in a list and more than 50 conditions', async () => {
      expect(
        await invalid({
          filters: [
            { field: 'id', operator: 'in', value: Array.from({ length: 101 }, (_, n) => n + 1) },
          ],
        }),
      ).toHaveProperty('filters[0].value');
      expect(
        await invalid({
          filters: Array.from({ length: 51 }, () => ({ field: 'id', operator: 'gt', value: 0 })),
        }),
      ).toEqual({
        filters: 'must hold at most 50 conditions in all',
      });
    });
  });

  describe('hostile input', () => {
    const corpus = [
      "' OR '1'='1",
      "'; DROP TABLE interactions; --",
      '" OR 1=1 --',
      '/* comment */ 1',
      "\\'; SELECT pg_sleep(5); --",
      'Ünïcødé ☃ 𝄞 \u0000',
      '%',
      '_',
      '\\',
      "1; DELETE FROM interactions WHERE '1'='1",
    ];

    it('treats injection attempts in values as plain data and keeps the table intact', async () => {
      for (const text of corpus) {
        for (const operator of ['eq', 'contains', 'starts_with', 'in']) {
          const response = await search({
            filters: [{ field: 'title', operator, value: operator === 'in' ? [text] : text }],
          });
          expect([200, 422], `${operator} ${JSON.stringify(text)}`).toContain(response.statusCode);
          if (response.statusCode === 200) {
            // Only literal matches may come back: the text is data, never pattern or SQL.
            const titles = response
              .json<{ results: Array<{ title: string }> }>()
              .results.map((item) => item.title);
            const literal = (title: string) =>
              operator === 'contains'
                ? title.toLowerCase().includes(text.toLowerCase())
                : operator === 'starts_with'
                  ? title.toLowerCase().startsWith(text.toLowerCase())
                  : title === text;
            expect(
              titles.every(literal),
              `${operator} ${JSON.stringify(text)}: ${titles.join()}`,
            ).toBe(true);
          }
        }
      }
      const [{ count }] = await testApp.dataSource.query<Array<{ count: string }>>(
        'SELECT count(*) FROM interactions',
      );
      expect(Number(count)).toBe(7);
    });

    it('refuses injection attempts in field, operator and sort names with 422', async () => {
      for (const text of corpus) {
        expectError(
          await search({ filters: [{ field: text, operator: 'eq', value: 'x' }] }),
          422,
          'VALIDATION_ERROR',
        );
        expectError(
          await search({ filters: [{ field: 'title', operator: text, value: 'x' }] }),
          422,
          'VALIDATION_ERROR',
        );
        expectError(
          await search({ sort: { field: text, direction: 'asc' } }),
          422,
          'VALIDATION_ERROR',
        );
        expectError(
          await search({ sort: { field: 'title', direction: text } }),
          422,
          'VALIDATION_ERROR',
        );
      }
    });
  });
});
