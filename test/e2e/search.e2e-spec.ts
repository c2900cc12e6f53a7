import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import type { SearchResultsDto } from '../../src/search/dto/search-results.dto';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { sessionIn } from '../support/interaction-helpers';
import { makeSearchFixture } from '../support/search-fixture';
import { createTestApp, type TestApp } from '../support/test-app';

type Results = SearchResultsDto;

describe('search endpoints', () => {
  let testApp: TestApp;
  let auth: Record<string, string>;
  let records: Record<string, Interaction>;
  let foreign: Interaction;

  beforeAll(async () => {
    testApp = await createTestApp();
    const site = await makeSite(testApp.dataSource);
    const otherSite = await makeSite(testApp.dataSource);
    const alice = await makeUser(testApp.dataSource, {
      sites: [
        [site, 'viewer'],
        [otherSite, 'manager'],
      ],
    });
    const bob = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    records = await makeSearchFixture(testApp.dataSource, site, [alice, bob]);
    // Matches every search below; it must never appear, being in another site.
    foreign = await makeInteraction(
      testApp.dataSource,
      { site: otherSite, user: alice },
      {
        title: 'Kickoff meeting 50% batch_a',
        type: 'Meeting',
        lead: 'John Smith',
        startDatetime: new Date('2023-06-10T09:00:00Z'),
        endDatetime: new Date(Date.now() + 3_600_000 * 24 * 400),
      },
    );
    auth = await sessionIn(testApp, alice, site);
  });
  afterAll(async () => {
    await testApp.close();
  });

  const get = (url: string) => testApp.request({ method: 'GET', url, headers: auth });
  const idsOf = (...names: string[]) => names.map((name) => Number(records[name].id));
  const resultIds = (body: {
    results?: Array<{ id: number }>;
    interactions?: Array<{ id: number }>;
  }) => (body.results ?? body.interactions ?? []).map((item) => item.id);

  describe('GET /search/interactions', () => {
    it('finds a case-insensitive substring in any text field, newest first', async () => {
      const response = await get('/api/v1/search/interactions?query=KICKOFF');
      expect(response.statusCode).toBe(200);
      const body = response.json<Results>();
      expect(resultIds(body)).toEqual(idsOf('quarterly', 'kickoff'));
      expect(body).toMatchObject({ total: 2, page: 1, page_size: 20, total_pages: 1 });
    });

    it('treats % and _ literally', async () => {
      expect(resultIds((await get('/api/v1/search/interactions?query=50%25')).json())).toEqual(
        idsOf('discount'),
      );
      expect(resultIds((await get('/api/v1/search/interactions?query=batch_a')).json())).toEqual(
        idsOf('discount'),
      );
      // As wildcards, %_% would match every row.
      expect((await get('/api/v1/search/interactions?query=%25_%25')).json<Results>().total).toBe(
        0,
      );
    });

    it('pages with totals', async () => {
      const body = (
        await get('/api/v1/search/interactions?query=ohn&page=2&page_size=2')
      ).json<Results>();
      expect(body).toMatchObject({ page: 2, page_size: 2, total: 3, total_pages: 2 });
      expect(body.results).toHaveLength(1);
    });

    it('answers 400 for a term under 3 characters, which no trigram index can serve', async () => {
      for (const term of ['k', 'ki', '%25']) {
        const error = expectError(
          await get(`/api/v1/search/interactions?query=${term}`),
          400,
          'BAD_REQUEST',
        );
        expect(error.details).toEqual({ query: 'query must be 3 to 200 characters long' });
      }
      const list = expectError(await get('/api/v1/interactions?search=ki'), 400, 'BAD_REQUEST');
      expect(list.details).toEqual({ search: 'search must be 3 to 200 characters long' });
      expect((await get('/api/v1/search/interactions?query=kic')).statusCode).toBe(200);
    });

    it('requires query', async () => {
      const error = expectError(await get('/api/v1/search/interactions'), 400, 'BAD_REQUEST');
      expect(error.details).toHaveProperty('query');
    });
  });

  describe('GET /search/date-range', () => {
    it('returns interactions overlapping whole UTC days, oldest first', async () => {
      const body = (
        await get('/api/v1/search/date-range?start_date=2023-06-15&end_date=2023-06-30')
      ).json<Results>();
      expect(resultIds(body)).toEqual(idsOf('discount', 'overnight'));
    });

    it('includes an interaction that started before the range and ends inside it', async () => {
      const body = (
        await get('/api/v1/search/date-range?start_date=2023-07-01&end_date=2023-07-01')
      ).json<Results>();
      expect(resultIds(body)).toEqual(idsOf('overnight', 'quarterly'));
    });

    it('reads the days in the given timezone', async () => {
      // 2023-07-01 in Los Angeles runs from 07:00Z to 07:00Z the next day: the overnight visit
      // (ending 02:00Z) is before it, although it overlaps the UTC day.
      const url =
        '/api/v1/search/date-range?start_date=2023-07-01&end_date=2023-07-01&timezone=America/Los_Angeles';
      expect(resultIds((await get(url)).json())).toEqual(idsOf('quarterly'));
    });

    it('accepts full date-times as bounds', async () => {
      const body = (
        await get(
          '/api/v1/search/date-range?start_date=2023-06-01T09:30:00Z&end_date=2023-06-01T12:00:00Z',
        )
      ).json<Results>();
      expect(resultIds(body)).toEqual(idsOf('kickoff'));
    });

    it('leaves out an interaction that ends exactly where the range starts', async () => {
      const url = '/api/v1/search/date-range?start_date=2023-06-01T10:00:00Z&end_date=2023-06-02';
      expect(resultIds((await get(url)).json())).toEqual([]);
      const touching =
        '/api/v1/search/date-range?start_date=2023-06-01T09:59:59Z&end_date=2023-06-02';
      expect(resultIds((await get(touching)).json())).toEqual(idsOf('kickoff'));
    });

    it('answers 400 for a bound outside years 0001–9999 in UTC, after the time-zone conversion', async () => {
      const reason =
        'must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z once converted to UTC';
      for (const query of [
        'start_date=0000-12-31&end_date=2023-01-01',
        'start_date=0001-01-01&end_date=2023-01-01&timezone=Asia/Tokyo',
        'start_date=0001-01-01T01:00:00%2B02:00&end_date=2023-01-01',
      ]) {
        const error = expectError(
          await get(`/api/v1/search/date-range?${query}`),
          400,
          'BAD_REQUEST',
        );
        expect(error.details).toEqual({ start_date: reason });
      }
      const widest = await get(
        '/api/v1/search/date-range?start_date=0001-01-01&end_date=9999-12-31',
      );
      expect(widest.statusCode).toBe(200);
    });

    it('answers 400 for a start date one day after the end date, in UTC and in a time zone', async () => {
      for (const zone of ['', '&timezone=America/Los_Angeles']) {
        const error = expectError(
          await get(`/api/v1/search/date-range?start_date=2023-07-02&end_date=2023-07-01${zone}`),
          400,
          'BAD_REQUEST',
        );
        expect(error.details).toEqual({ start_date: 'must not be after end_date' });
      }
      const oneDay = await get(
        '/api/v1/search/date-range?start_date=2023-07-01&end_date=2023-07-01',
      );
      expect(resultIds(oneDay.json())).toEqual(idsOf('overnight', 'quarterly'));
    });

    it('answers 400 for a bad date, a reversed range, a missing bound or an unknown timezone', async () => {
      expectError(
        await get('/api/v1/search/date-range?start_date=2023-13-01&end_date=2023-12-31'),
        400,
        'BAD_REQUEST',
      );
      const leapDay = '/api/v1/search/date-range?start_date=2024-02-29&end_date=2024-02-29';
      expect((await get(leapDay)).statusCode).toBe(200);
      for (const day of ['2023-02-29', '2024-02-30', '2023-04-31']) {
        for (const zone of ['', '&timezone=Europe/Paris']) {
          expectError(
            await get(`/api/v1/search/date-range?start_date=2023-01-01&end_date=${day}${zone}`),
            400,
            'BAD_REQUEST',
          );
        }
      }
      expectError(
        await get('/api/v1/search/date-range?start_date=June&end_date=2023-12-31'),
        400,
        'BAD_REQUEST',
      );
      expectError(
        await get('/api/v1/search/date-range?start_date=2023-07-01&end_date=2023-06-01'),
        400,
        'BAD_REQUEST',
      );
      expectError(await get('/api/v1/search/date-range?start_date=2023-07-01'), 400, 'BAD_REQUEST');
      expectError(
        await get(
          '/api/v1/search/date-range?start_date=2023-07-01&end_date=2023-07-02&timezone=Moon/Base',
        ),
        400,
        'BAD_REQUEST',
      );
    });
  });

  describe('GET /search/type/{type}', () => {
    it('matches the type case-insensitively, newest first', async () => {
      expect(resultIds((await get('/api/v1/search/type/call')).json())).toEqual(
        idsOf('retro', 'discount'),
      );
    });

    it('answers 400 for a type outside the configured list', async () => {
      const error = expectError(await get('/api/v1/search/type/Lunch'), 400, 'BAD_REQUEST');
      expect(error.details).toHaveProperty('interaction_type');
    });
  });

  describe('GET /search/lead/{lead}', () => {
    it('matches a case-insensitive substring of the lead', async () => {
      expect(resultIds((await get('/api/v1/search/lead/john')).json())).toEqual(
        idsOf('retro', 'quarterly', 'kickoff'),
      );
      expect(resultIds((await get('/api/v1/search/lead/Smith')).json())).toEqual(
        idsOf('retro', 'kickoff'),
      );
    });

    it('answers 400 for a lead over 100 characters', async () => {
      expectError(await get(`/api/v1/search/lead/${'x'.repeat(101)}`), 400, 'BAD_REQUEST');
    });
  });

  describe('GET /search/upcoming and /search/recent', () => {
    it('lists interactions starting after now, soonest first', async () => {
      const body = (await get('/api/v1/search/upcoming')).json<{
        interactions: Array<{ id: number }>;
      }>();
      expect(resultIds(body)).toEqual(idsOf('fair'));
    });

    it('lists interactions that ended by now, latest end first, up to limit', async () => {
      const body = (await get('/api/v1/search/recent?limit=3')).json<{
        interactions: Array<{ id: number }>;
      }>();
      expect(resultIds(body)).toEqual(idsOf('retro', 'quarterly', 'overnight'));
    });

    it('answers 400 for a limit outside 1 to 50', async () => {
      for (const limit of ['0', '51', 'ten']) {
        expectError(await get(`/api/v1/search/upcoming?limit=${limit}`), 400, 'BAD_REQUEST');
        expectError(await get(`/api/v1/search/recent?limit=${limit}`), 400, 'BAD_REQUEST');
      }
    });
  });

  describe('on every search endpoint', () => {
    const endpoints = [
      '/api/v1/search/interactions?query=kickoff',
      '/api/v1/search/date-range?start_date=2023-01-01&end_date=2030-01-01',
      '/api/v1/search/type/Meeting',
      '/api/v1/search/lead/Smith',
      '/api/v1/search/upcoming?limit=50',
      '/api/v1/search/recent?limit=50',
      '/api/v1/interactions?search=kickoff',
    ];

    it('never returns a record of another site', async () => {
      for (const url of endpoints) {
        const response = await get(url);
        expect(response.statusCode, url).toBe(200);
        expect(resultIds(response.json()), url).not.toContain(Number(foreign.id));
      }
      const advanced = await testApp.request({
        method: 'POST',
        url: '/api/v1/search/advanced',
        headers: auth,
        payload: { filters: [{ field: 'id', operator: 'eq', value: Number(foreign.id) }] },
      });
      expect(advanced.json<Results>().total).toBe(0);
    });

    it('answers 400 naming an unknown query parameter', async () => {
      for (const url of endpoints) {
        const separator = url.includes('?') ? '&' : '?';
        const error = expectError(await get(`${url}${separator}pagesize=5`), 400, 'BAD_REQUEST');
        expect(error.details, url).toEqual({ pagesize: 'is not allowed' });
      }
    });

    it('answers 400 for page_size outside 1 to 100', async () => {
      for (const url of endpoints.filter((candidate) => !/upcoming|recent/.test(candidate))) {
        const separator = url.includes('?') ? '&' : '?';
        expectError(await get(`${url}${separator}page_size=101`), 400, 'BAD_REQUEST');
      }
    });
  });
});
