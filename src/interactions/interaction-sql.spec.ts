import { describe, expect, it } from 'vitest';
import { listStatement, upcomingStatement } from './interaction-sql';

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
    const statement = listStatement(3, { limit: 20, offset: 0, search: 'acme' });
    expect(statement.name).toBeUndefined();
    expect(statement.text).toMatch(/ LIMIT \$3 OFFSET \$4\)/);
    expect(statement.values).toEqual([3, '%acme%', 20, 0]);
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
