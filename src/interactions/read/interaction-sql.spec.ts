import { describe, expect, it } from 'vitest';
import {
  dateRangePage,
  listStatement,
  pageStatement,
  textSearchPage,
  upcomingStatement,
} from './interaction-sql';

describe('LIMIT and OFFSET of the read statements', () => {
  it('writes a common page size into a named first page, as a literal and into its name', () => {
    const statement = listStatement(3, { limit: 20, offset: 0 });
    expect(statement.name).toBe('interactions_page_20');
    expect(statement.text).toMatch(/ LIMIT 20\)/);
    expect(statement.text).not.toMatch(/OFFSET/);
    expect(statement.values).toEqual([3]);
  });

  it('keeps a deeper page’s offset a parameter, under a name of its own', () => {
    const statement = listStatement(3, { limit: 20, offset: 40 });
    expect(statement.name).toBe('interactions_page_20_offset');
    expect(statement.text).toMatch(/ LIMIT 20 OFFSET \$2\)/);
    expect(statement.values).toEqual([3, 40]);
  });

  it('keeps an uncommon page size a parameter, so page sizes cannot multiply prepared statements', () => {
    const first = listStatement(3, { limit: 7, offset: 0 });
    const deeper = listStatement(3, { limit: 99, offset: 99 });
    expect([first.name, deeper.name]).toEqual([
      'interactions_page_any_limit',
      'interactions_page_any_limit',
    ]);
    // One name, one text: PostgreSQL refuses a prepared statement name reused for another text.
    expect(first.text).toBe(deeper.text);
    expect(first.text).toMatch(/ LIMIT \$2 OFFSET \$3\)/);
    expect([first.values, deeper.values]).toEqual([
      [3, 7, 0],
      [3, 99, 99],
    ]);
  });

  it('leaves LIMIT and OFFSET parameters in an unnamed statement (a search)', () => {
    const statement = pageStatement(textSearchPage(3, { limit: 20, offset: 0, search: 'acme' }));
    expect(statement.name).toBeUndefined();
    expect(statement.text).toMatch(/ LIMIT \$3 OFFSET \$4\)/);
    expect(statement.values).toEqual([3, '%acme%', 20, 0]);
  });

  it('counts a reusable total only when the site changed since it was counted', () => {
    const statement = pageStatement({
      ...textSearchPage(3, { limit: 20, offset: 0, search: 'acme' }),
      reuse: { siteId: 3, lastChange: '41' },
    });
    expect(statement.text).toMatch(
      /^SELECT CASE WHEN "site"\."last_change" = \$4 THEN NULL ELSE \(SELECT count\(\*\) .*\) END AS "total", "site"\."last_change" AS "site_last_change", "page"\.\* FROM \(SELECT 1\) AS "one" LEFT JOIN "site_interaction_counts" "site" ON "site"\."site_id" = \$3 LEFT JOIN/,
    );
    expect(statement.text).toMatch(/ LIMIT \$5 OFFSET \$6\)/);
    expect(statement.values).toEqual([3, '%acme%', 3, '41', 20, 0]);
  });

  it('names a page reusing its total apart from one that always counts', () => {
    const range = { from: '2024-01-01', until: '2024-02-01', limit: 20, offset: 0 };
    const always = pageStatement(dateRangePage(3, range));
    const reusing = pageStatement({
      ...dateRangePage(3, range),
      reuse: { siteId: 3, lastChange: null },
    });
    expect([always.name, reusing.name]).toEqual([
      'interactions_date_range_20',
      'interactions_date_range_reuse_20',
    ]);
  });

  it('names a window by its limit and gives it no offset', () => {
    expect(upcomingStatement(3, 10)).toMatchObject({
      name: 'interactions_upcoming_10',
      values: [3],
    });
    expect(upcomingStatement(3, 10).text).toMatch(/ LIMIT 10$/);
    expect(upcomingStatement(3, 7)).toMatchObject({
      name: 'interactions_upcoming_any_limit',
      values: [3, 7],
    });
  });
});
