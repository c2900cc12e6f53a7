import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/entities/user.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { expectError } from '../support/auth-helpers';
import { makeInteraction, makeSite, makeUser } from '../support/factories';
import { EXAMPLE_INTERACTION, interactionOf, sessionIn } from '../support/interaction-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('interactions: CRUD and validation', () => {
  let testApp: TestApp;
  let site: Site;
  let member: User;
  let auth: Record<string, string>;

  beforeAll(async () => {
    testApp = await createTestApp();
    site = await makeSite(testApp.dataSource);
    member = await makeUser(testApp.dataSource, { sites: [[site, 'member']] });
    auth = await sessionIn(testApp, member, site);
  });
  afterAll(async () => {
    await testApp.close();
  });
  beforeEach(async () => {
    await testApp.dataSource.query('DELETE FROM interactions');
  });

  const create = (payload: unknown, headers: Record<string, string> = {}) =>
    testApp.request({
      method: 'POST',
      url: '/api/v1/interactions',
      headers: { ...auth, ...headers },
      payload: payload as object,
    });

  describe('success paths', () => {
    it('creates an interaction and returns it with 201, server fields and an ETag', async () => {
      const response = await create(EXAMPLE_INTERACTION);
      expect(response.statusCode).toBe(201);
      const created = interactionOf(response);
      expect(created).toEqual({
        ...EXAMPLE_INTERACTION,
        id: expect.any(Number) as number,
        site_id: site.id,
        created_by: member.id,
        created_at: expect.stringMatching(ISO_SECONDS) as string,
        updated_at: expect.stringMatching(ISO_SECONDS) as string,
      });
      expect(response.headers.etag).toBe(`"${created.id}.1"`);
      const [row] = await testApp.dataSource.query<Array<{ site_id: number; created_by: number }>>(
        'SELECT site_id, created_by FROM interactions WHERE id = $1',
        [created.id],
      );
      expect(row).toEqual({ site_id: site.id, created_by: member.id });
    });

    it('gets one interaction with its ETag, and answers 304 to a current If-None-Match', async () => {
      const created = interactionOf(await create(EXAMPLE_INTERACTION));
      const response = await testApp.request({
        method: 'GET',
        url: `/api/v1/interactions/${created.id}`,
        headers: auth,
      });
      expect(response.statusCode).toBe(200);
      expect(interactionOf(response)).toEqual(created);
      const etag = response.headers.etag as string;
      const again = await testApp.request({
        method: 'GET',
        url: `/api/v1/interactions/${created.id}`,
        headers: { ...auth, 'if-none-match': etag },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    });

    it('replaces an interaction with PUT, resetting omitted optional fields', async () => {
      const created = interactionOf(await create(EXAMPLE_INTERACTION));
      const response = await testApp.request({
        method: 'PUT',
        url: `/api/v1/interactions/${created.id}`,
        headers: auth,
        payload: {
          ...EXAMPLE_INTERACTION,
          title: 'Team Kickoff Meeting - Updated',
          location: undefined,
          notes: undefined,
        },
      });
      expect(response.statusCode).toBe(200);
      const replaced = interactionOf(response);
      expect(replaced).toMatchObject({
        id: created.id,
        title: 'Team Kickoff Meeting - Updated',
        location: '',
        notes: '',
      });
      expect(replaced.created_at).toBe(created.created_at);
      expect(response.headers.etag).toBe(`"${created.id}.2"`);
    });

    it('changes only the given fields with PATCH', async () => {
      const created = interactionOf(await create(EXAMPLE_INTERACTION));
      const response = await testApp.request({
        method: 'PATCH',
        url: `/api/v1/interactions/${created.id}`,
        headers: auth,
        payload: { location: 'Conference Room B', notes: null },
      });
      expect(response.statusCode).toBe(200);
      expect(interactionOf(response)).toEqual({
        ...created,
        location: 'Conference Room B',
        notes: '',
        updated_at: expect.stringMatching(ISO_SECONDS) as string,
      });
    });

    it('keeps the version when a PATCH changes nothing', async () => {
      const created = interactionOf(await create(EXAMPLE_INTERACTION));
      const response = await testApp.request({
        method: 'PATCH',
        url: `/api/v1/interactions/${created.id}`,
        headers: auth,
        payload: { title: EXAMPLE_INTERACTION.title },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers.etag).toBe(`"${created.id}.1"`);
    });

    it('deletes an interaction, after which it is 404', async () => {
      const created = interactionOf(await create(EXAMPLE_INTERACTION));
      const response = await testApp.request({
        method: 'DELETE',
        url: `/api/v1/interactions/${created.id}`,
        headers: auth,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ success: true });
      const after = await testApp.request({
        method: 'GET',
        url: `/api/v1/interactions/${created.id}`,
        headers: auth,
      });
      expectError(after, 404, 'NOT_FOUND');
    });

    it('lists newest first with the pagination fields', async () => {
      const owner = { site, user: member };
      const older = await makeInteraction(testApp.dataSource, owner, {
        startDatetime: new Date('2024-01-01T10:00:00Z'),
      });
      const newer = await makeInteraction(testApp.dataSource, owner, {
        startDatetime: new Date('2024-02-01T10:00:00Z'),
      });
      const sameStart = await makeInteraction(testApp.dataSource, owner, {
        startDatetime: new Date('2024-02-01T10:00:00Z'),
      });
      const response = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions?page_size=2',
        headers: auth,
      });
      expect(response.statusCode).toBe(200);
      const body = response.json<{
        interactions: Array<{ id: number }>;
        total: number;
        page: number;
        page_size: number;
        total_pages: number;
      }>();
      expect(body.interactions.map((item) => item.id)).toEqual([
        Number(sameStart.id),
        Number(newer.id),
      ]);
      expect(body).toMatchObject({ total: 3, page: 1, page_size: 2, total_pages: 2 });
      const second = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions?page=2&page_size=2',
        headers: auth,
      });
      expect(
        second.json<{ interactions: Array<{ id: number }> }>().interactions.map((item) => item.id),
      ).toEqual([Number(older.id)]);
    });

    it('keeps the unfiltered total exact through creates, deletes, bulk inserts and truncation', async () => {
      const total = async () =>
        (
          await testApp.request({ method: 'GET', url: '/api/v1/interactions', headers: auth })
        ).json<{
          total: number;
        }>().total;
      const created = interactionOf(await create(EXAMPLE_INTERACTION));
      await create(EXAMPLE_INTERACTION);
      expect(await total()).toBe(2);
      await testApp.request({
        method: 'DELETE',
        url: `/api/v1/interactions/${created.id}`,
        headers: auth,
      });
      expect(await total()).toBe(1);
      await testApp.dataSource.query(
        `INSERT INTO interactions (site_id, title, type, lead, start_datetime, end_datetime, timezone, created_by)
         SELECT $1, 'Bulk row ' || n, 'Call', 'Lead', now(), now(), 'UTC', $2 FROM generate_series(1, 250) n`,
        [site.id, member.id],
      );
      expect(await total()).toBe(251);
      await testApp.dataSource.query('TRUNCATE interactions CASCADE');
      expect(await total()).toBe(0);
    });

    it('filters the list by a case-insensitive substring of any text field', async () => {
      const owner = { site, user: member };
      const byTitle = await makeInteraction(testApp.dataSource, owner, {
        title: 'Quarterly KICKOFF review',
      });
      const byNotes = await makeInteraction(testApp.dataSource, owner, {
        notes: 'follow up on kickoff actions',
      });
      await makeInteraction(testApp.dataSource, owner, { title: 'Unrelated meeting' });
      const response = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions?search=kickoff',
        headers: auth,
      });
      const ids = response
        .json<{ interactions: Array<{ id: number }>; total: number }>()
        .interactions.map((item) => item.id);
      expect(ids.sort()).toEqual([Number(byTitle.id), Number(byNotes.id)].sort());
    });

    it('treats % and _ in the search term as literal characters', async () => {
      const owner = { site, user: member };
      const literal = await makeInteraction(testApp.dataSource, owner, {
        title: 'Discount 50% for batch_a',
      });
      await makeInteraction(testApp.dataSource, owner, { title: 'Discount 500 for batchXa' });
      for (const term of ['50%', 'batch_a']) {
        const response = await testApp.request({
          method: 'GET',
          url: `/api/v1/interactions?search=${encodeURIComponent(term)}`,
          headers: auth,
        });
        expect(
          response
            .json<{ interactions: Array<{ id: number }> }>()
            .interactions.map((item) => item.id),
        ).toEqual([Number(literal.id)]);
      }
    });
  });

  describe('validation (one rule each)', () => {
    const invalid = async (changes: Record<string, unknown>, field: string) => {
      const error = expectError(
        await create({ ...EXAMPLE_INTERACTION, ...changes }),
        422,
        'VALIDATION_ERROR',
      );
      expect(Object.keys(error.details ?? {})).toContain(field);
      expect(await testApp.dataSource.query('SELECT 1 FROM interactions')).toHaveLength(0);
      return error.details![field];
    };

    it('requires a title of 5 to 100 characters after trimming', async () => {
      expect(await invalid({ title: '  abcd  ' }, 'title')).toBe(
        'title must be 5 to 100 characters long',
      );
      await invalid({ title: 'x'.repeat(101) }, 'title');
      await invalid({ title: undefined }, 'title');
    });

    it('stores the trimmed title', async () => {
      const created = interactionOf(
        await create({ ...EXAMPLE_INTERACTION, title: '   Padded title   ' }),
      );
      expect(created.title).toBe('Padded title');
    });

    it('requires a type from the configured list', async () => {
      expect(await invalid({ type: 'Lunch' }, 'type')).toBe(
        'type must be one of Meeting, Call, Email, Video Call, Visit, Event, Other',
      );
    });

    it('matches the type case-insensitively and returns its canonical spelling', async () => {
      expect(interactionOf(await create({ ...EXAMPLE_INTERACTION, type: 'video CALL' })).type).toBe(
        'Video Call',
      );
    });

    it('requires a lead of 1 to 100 characters', async () => {
      await invalid({ lead: '' }, 'lead');
      await invalid({ lead: 'x'.repeat(101) }, 'lead');
    });

    it('requires ISO 8601 start and end datetimes', async () => {
      await invalid({ start_datetime: '20/06/2023 14:00' }, 'start_datetime');
      await invalid({ end_datetime: 'tomorrow' }, 'end_datetime');
      await invalid({ start_datetime: '2023-02-30T10:00:00Z' }, 'start_datetime');
    });

    it('refuses an instant outside years 0001–9999 in UTC, after the time-zone conversion', async () => {
      const reason =
        'must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z once converted to UTC';
      const error = expectError(
        await create({
          ...EXAMPLE_INTERACTION,
          start_datetime: '0000-01-01T00:00:00',
          end_datetime: '9999-12-31T23:59:59',
          timezone: 'America/Chicago',
        }),
        422,
        'VALIDATION_ERROR',
      );
      expect(error.details).toEqual({
        start_datetime: `start_datetime ${reason}`,
        end_datetime: `end_datetime ${reason}`,
      });
      await invalid({ end_datetime: '9999-12-31T23:59:59-00:01' }, 'end_datetime');
      const edges = interactionOf(
        await create({
          ...EXAMPLE_INTERACTION,
          start_datetime: '0001-01-01T00:00:00Z',
          end_datetime: '9999-12-31T23:59:59Z',
        }),
      );
      expect([edges.start_datetime, edges.end_datetime]).toEqual([
        '0001-01-01T00:00:00Z',
        '9999-12-31T23:59:59Z',
      ]);
    });

    it('refuses an end before the start', async () => {
      expect(await invalid({ end_datetime: '2023-06-20T13:59:59Z' }, 'end_datetime')).toBe(
        'end_datetime must not be before start_datetime',
      );
    });

    it('accepts an end equal to the start', async () => {
      const created = await create({
        ...EXAMPLE_INTERACTION,
        end_datetime: EXAMPLE_INTERACTION.start_datetime,
      });
      expect(created.statusCode).toBe(201);
    });

    it('requires a valid IANA timezone and stores its canonical name', async () => {
      await invalid({ timezone: 'Mars/Olympus' }, 'timezone');
      expect(
        interactionOf(await create({ ...EXAMPLE_INTERACTION, timezone: 'europe/paris' })).timezone,
      ).toBe('Europe/Paris');
    });

    it("reads datetimes without an offset in the record's timezone and returns UTC", async () => {
      const created = interactionOf(
        await create({
          ...EXAMPLE_INTERACTION,
          timezone: 'America/New_York',
          start_datetime: '2023-06-12T10:00:00',
          end_datetime: '2023-06-12T11:30',
        }),
      );
      expect(created.start_datetime).toBe('2023-06-12T14:00:00Z');
      expect(created.end_datetime).toBe('2023-06-12T15:30:00Z');
    });

    it('returns times in UTC without milliseconds whatever offset was sent', async () => {
      const created = interactionOf(
        await create({
          ...EXAMPLE_INTERACTION,
          start_datetime: '2023-06-20T16:00:00.789+02:00',
          end_datetime: '2023-06-20T15:00:00Z',
        }),
      );
      expect(created.start_datetime).toBe('2023-06-20T14:00:00Z');
    });

    it('limits location to 200 and description and notes to 5000 characters', async () => {
      await invalid({ location: 'x'.repeat(201) }, 'location');
      await invalid({ description: 'x'.repeat(5001) }, 'description');
      await invalid({ notes: 'x'.repeat(5001) }, 'notes');
    });

    it('defaults omitted optional fields to empty strings', async () => {
      const required = {
        ...EXAMPLE_INTERACTION,
        location: undefined,
        description: undefined,
        notes: undefined,
      };
      const created = interactionOf(await create(required));
      expect(created).toMatchObject({ location: '', description: '', notes: '' });
    });

    it('ignores server-owned fields sent in the body', async () => {
      const created = interactionOf(
        await create({
          ...EXAMPLE_INTERACTION,
          id: 999,
          site_id: 999,
          created_by: 999,
          created_at: '2000-01-01T00:00:00Z',
          updated_at: 'x',
        }),
      );
      expect(created.id).not.toBe(999);
      expect(created.site_id).toBe(site.id);
      expect(created.created_by).toBe(member.id);
      expect(created.created_at).not.toBe('2000-01-01T00:00:00Z');
    });

    it('refuses NUL characters in any text with 422 naming the field', async () => {
      const error = expectError(
        await create({ ...EXAMPLE_INTERACTION, notes: 'a\u0000b' }),
        422,
        'VALIDATION_ERROR',
      );
      expect(error.details).toEqual({ notes: 'must not contain NUL (U+0000) characters' });
    });

    it('answers 422 naming each unknown field', async () => {
      const error = expectError(
        await create({ ...EXAMPLE_INTERACTION, colour: 'red', priority: 1 }),
        422,
        'VALIDATION_ERROR',
      );
      expect(error.details).toEqual({ colour: 'is not allowed', priority: 'is not allowed' });
    });

    it('reports every invalid field of one body together', async () => {
      const error = expectError(
        await create({ ...EXAMPLE_INTERACTION, title: 'abc', lead: '' }),
        422,
        'VALIDATION_ERROR',
      );
      expect(Object.keys(error.details ?? {}).sort()).toEqual(['lead', 'title']);
    });

    it('refuses null for a required field in a PATCH', async () => {
      const created = interactionOf(await create(EXAMPLE_INTERACTION));
      const response = await testApp.request({
        method: 'PATCH',
        url: `/api/v1/interactions/${created.id}`,
        headers: auth,
        payload: { title: null },
      });
      expect(expectError(response, 422, 'VALIDATION_ERROR').details).toEqual({
        title: 'title must not be null',
      });
    });

    it('checks end against the stored start when a PATCH changes only the end', async () => {
      const created = interactionOf(await create(EXAMPLE_INTERACTION));
      const response = await testApp.request({
        method: 'PATCH',
        url: `/api/v1/interactions/${created.id}`,
        headers: auth,
        payload: { end_datetime: '2023-06-20T13:00:00Z' },
      });
      expectError(response, 422, 'VALIDATION_ERROR');
    });
  });

  describe('pagination and parameters', () => {
    it('answers 400 BAD_REQUEST for page_size 0, 101 or abc and page 0', async () => {
      for (const query of ['page_size=0', 'page_size=101', 'page_size=abc', 'page=0', 'page=1.5']) {
        const response = await testApp.request({
          method: 'GET',
          url: `/api/v1/interactions?${query}`,
          headers: auth,
        });
        const error = expectError(response, 400, 'BAD_REQUEST');
        expect(Object.keys(error.details ?? {})).toHaveLength(1);
      }
    });

    it('answers 400 naming a misspelt parameter instead of ignoring it', async () => {
      const response = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions?pagesize=5',
        headers: auth,
      });
      expect(expectError(response, 400, 'BAD_REQUEST').details).toEqual({
        pagesize: 'is not allowed',
      });
    });

    it('returns an empty page past the last one', async () => {
      const response = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions?page=50',
        headers: auth,
      });
      expect(response.json()).toEqual({
        interactions: [],
        total: 0,
        total_exact: true,
        page: 50,
        page_size: 20,
        total_pages: 0,
        next_cursor: null,
      });
    });

    it('answers 400 for an id that is not a positive integer', async () => {
      const response = await testApp.request({
        method: 'GET',
        url: '/api/v1/interactions/abc',
        headers: auth,
      });
      expectError(response, 400, 'BAD_REQUEST');
    });

    it('answers at the /api alias like at /api/v1', async () => {
      const created = interactionOf(await create(EXAMPLE_INTERACTION));
      const response = await testApp.request({
        method: 'GET',
        url: `/api/interactions/${created.id}`,
        headers: auth,
      });
      expect(interactionOf(response)).toEqual(created);
    });
  });
});
