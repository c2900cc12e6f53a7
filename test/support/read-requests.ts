import type { InjectOptions } from 'fastify';
import type { Interaction } from '../../src/interactions/entities/interaction.entity';
import type { Site } from '../../src/sites/entities/site.entity';
import { listRoutes, type RouteEntry } from './routes';
import type { TestApp } from './test-app';

/** Routes that read although they are POSTs; every GET is a read. */
export const READ_POSTS = new Set(['SearchController.advanced']);

export interface ReadVariant {
  url?: string;
  payload?: Record<string, unknown>;
}

export interface ReadFixture {
  site: Site;
  interaction: Interaction;
}

/**
 * What a read needs beyond listRoutes' URL (1 in every path parameter, no query): a new read route
 * works without an entry here if its plain URL answers 2xx, and fails this test until it has one
 * otherwise. More than one entry per route checks its variants.
 */
export const READ_REQUESTS: Record<string, (fixture: ReadFixture) => ReadVariant[]> = {
  'InteractionsController.list': () => [
    { url: '/api/v1/interactions' },
    { url: '/api/v1/interactions?page=2&page_size=1' },
    { url: '/api/v1/interactions?page=1000' },
    { url: '/api/v1/interactions?search=number' },
  ],
  'InteractionsController.get': ({ interaction }) => [
    { url: `/api/v1/interactions/${interaction.id}` },
  ],
  'SitesController.get': ({ site }) => [{ url: `/api/v1/sites/${site.id}` }],
  'SearchController.text': () => [{ url: '/api/v1/search/interactions?query=number' }],
  'SearchController.advanced': () => [
    {
      payload: {
        filters: [
          { field: 'type', operator: 'eq', value: 'Meeting' },
          { field: 'id', operator: 'in', value: [1, 2, 3] },
          { any: [{ field: 'lead', operator: 'contains', value: 'doe' }] },
        ],
        sort: [{ field: 'title', direction: 'asc' }],
      },
    },
    { payload: {} },
  ],
  'SearchController.dateRange': () => [
    { url: '/api/v1/search/date-range?start_date=2024-01-01&end_date=2024-12-31' },
  ],
  'SearchController.byType': () => [{ url: '/api/v1/search/type/meeting' }],
  'SearchController.byLead': () => [{ url: '/api/v1/search/lead/doe' }],
};

export interface ReadRequest {
  label: string;
  entry: RouteEntry;
  request: InjectOptions;
}

/**
 * A valid request for every read route of the app (every GET and READ_POSTS), each variant of
 * READ_REQUESTS once, with `auth` on all but public routes.
 */
export function readRequests(
  testApp: TestApp,
  fixture: ReadFixture,
  auth: Record<string, string>,
): ReadRequest[] {
  const reads = listRoutes(testApp).filter(
    (entry) => entry.method === 'GET' || READ_POSTS.has(entry.route),
  );
  return reads.flatMap((entry) =>
    (READ_REQUESTS[entry.route]?.(fixture) ?? [{}]).map((variant) => {
      const url = variant.url ?? entry.url;
      const request: InjectOptions = {
        method: entry.method,
        url,
        payload: variant.payload,
        headers: entry.policy?.kind === 'public' ? {} : auth,
      };
      return { label: `${entry.method} ${url}`, entry, request };
    }),
  );
}
