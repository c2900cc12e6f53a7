import { describe, expect, it } from 'vitest';
import { ApiError } from '../common/errors/api-error';
import { FilterCompiler } from './filter-compiler';

function compile(filters: unknown, sort?: unknown) {
  return FilterCompiler.compile(filters, sort, 'i');
}

function errorsOf(filters: unknown, sort?: unknown): Record<string, string> {
  try {
    compile(filters, sort);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('VALIDATION_ERROR');
    return (error as ApiError).details ?? {};
  }
  throw new Error('expected a validation error');
}

describe('FilterCompiler', () => {
  it('writes whitelisted columns and binds every value as a parameter', () => {
    const { filters } = compile([
      { field: 'type', operator: 'eq', value: "Meeting'; DROP TABLE interactions; --" },
      { field: 'id', operator: 'in', value: [1, 2] },
    ]);
    expect(filters.where).toBe('"i"."type" = :filter0 AND "i"."id" IN (:...filter1)');
    expect(filters.params).toEqual({
      filter0: "Meeting'; DROP TABLE interactions; --",
      filter1: [1, 2],
    });
  });

  it('turns any, all and not groups into parenthesised OR, AND and NOT', () => {
    const { filters } = compile([
      {
        any: [
          { field: 'lead', operator: 'starts_with', value: 'Jo' },
          { not: { all: [{ field: 'title', operator: 'ends_with', value: '50%' }] } },
        ],
      },
    ]);
    expect(filters.where).toBe('("i"."lead" ILIKE :filter0 OR NOT (("i"."title" ILIKE :filter1)))');
    expect(filters.params).toEqual({ filter0: 'Jo%', filter1: '%50\\%' });
  });

  it('reads dates as UTC midnight and date-times with their offset', () => {
    const { filters } = compile([
      {
        field: 'start_datetime',
        operator: 'between',
        value: ['2023-06-01', '2023-06-30T23:00:00+02:00'],
      },
    ]);
    expect(filters.params).toEqual({
      filter0: '2023-06-01T00:00:00.000Z',
      filter1: '2023-06-30T21:00:00.000Z',
    });
  });

  it('names the path of every problem, however deep', () => {
    expect(
      errorsOf([
        { field: 'title', operator: 'eq', value: 'ok' },
        {
          any: [
            { field: 'id', operator: 'eq', value: '7' },
            { field: 'nope', operator: 'eq', value: 1 },
          ],
        },
        { field: 'id', operator: 'contains', value: 'x' },
        { field: 'title', operator: 'like', value: 'x', extra: true },
      ]),
    ).toEqual({
      'filters[1].any[0].value': 'must be an integer for id',
      'filters[1].any[1].field': expect.stringMatching(/^must be one of id, site_id/) as string,
      'filters[2].operator': 'contains applies only to text fields; id is integer',
      'filters[3].extra': 'is not allowed',
      'filters[3].operator': expect.stringMatching(/^must be one of eq, neq/) as string,
    });
  });

  it('checks value shapes per operator', () => {
    expect(errorsOf([{ field: 'id', operator: 'between', value: [5] }])).toEqual({
      'filters[0].value': 'must be an array [low, high]',
    });
    expect(errorsOf([{ field: 'id', operator: 'between', value: [5, 1] }])).toEqual({
      'filters[0].value': 'low must not be greater than high',
    });
    expect(errorsOf([{ field: 'id', operator: 'in', value: [] }])).toEqual({
      'filters[0].value': 'must be an array of 1 to 100 values',
    });
    expect(
      errorsOf([{ field: 'id', operator: 'in', value: Array.from({ length: 101 }, (_, n) => n) }]),
    ).toHaveProperty('filters[0].value');
    expect(errorsOf([{ field: 'created_at', operator: 'gt', value: 'yesterday' }])).toHaveProperty(
      'filters[0].value',
    );
    expect(errorsOf([{ field: 'site_id', operator: 'eq', value: 2 ** 31 }])).toHaveProperty(
      'filters[0].value',
    );
    expect(errorsOf([{ field: 'notes', operator: 'contains', value: '' }])).toEqual({
      'filters[0].value': 'must not be empty',
    });
    expect(errorsOf([{ field: 'notes', operator: 'eq' }])).toEqual({
      'filters[0].value': 'is required',
    });
  });

  it('limits nesting to 4 levels of groups and 50 conditions', () => {
    const condition = { field: 'id', operator: 'gt', value: 0 };
    const nested = (levels: number): unknown =>
      levels === 0 ? condition : { all: [nested(levels - 1)] };
    expect(() => compile([nested(4)])).not.toThrow();
    expect(errorsOf([nested(5)])).toEqual({
      'filters[0].all[0].all[0].all[0].all[0]': 'groups may nest at most 4 levels deep',
    });
    expect(errorsOf(Array.from({ length: 51 }, () => condition))).toEqual({
      filters: 'must hold at most 50 conditions in all',
    });
  });

  it('refuses groups with more than one key or without items', () => {
    expect(errorsOf([{ any: [], all: [] }])).toEqual({
      'filters[0]': 'a group has exactly one key: any',
    });
    expect(errorsOf([{ any: [] }])).toEqual({
      'filters[0].any': 'must be a non-empty array of conditions or groups',
    });
    expect(errorsOf({ field: 'id' })).toEqual({
      filters: 'must be an array of conditions or groups',
    });
    expect(errorsOf(['id = 1'])).toHaveProperty('filters[0]');
  });

  it('sorts by start_datetime desc, id desc by default and appends id as the final tiebreaker', () => {
    expect(compile(undefined).sort).toEqual([
      { property: 'startDatetime', direction: 'DESC' },
      { property: 'id', direction: 'DESC' },
    ]);
    expect(
      compile(undefined, [{ field: 'type' }, { field: 'end_datetime', direction: 'desc' }]).sort,
    ).toEqual([
      { property: 'type', direction: 'ASC' },
      { property: 'endDatetime', direction: 'DESC' },
      { property: 'id', direction: 'DESC' },
    ]);
  });

  it('refuses unknown sort fields, directions and duplicates', () => {
    expect(errorsOf(undefined, { field: 'password', direction: 'asc' })).toHaveProperty(
      'sort.field',
    );
    expect(errorsOf(undefined, { field: 'title', direction: 'up' })).toEqual({
      'sort.direction': 'must be one of asc, desc',
    });
    expect(errorsOf(undefined, [{ field: 'title' }, { field: 'title' }])).toEqual({
      'sort[1].field': 'title is already a sort key',
    });
    expect(errorsOf(undefined, [])).toHaveProperty('sort');
  });
});
