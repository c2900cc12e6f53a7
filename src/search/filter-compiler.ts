import type { ErrorDetails } from '../common/errors/api-error';
import { ApiError } from '../common/errors/api-error';
import { ErrorCode } from '../common/errors/error-code';
import {
  OUT_OF_RANGE_REASON,
  parseInstant,
  type ParsedInstant,
} from '../interactions/interaction-time';
import { escapeLike } from '../interactions/read/text-search';
import {
  FILTER_LIMITS,
  FILTER_OPERATORS,
  isTextOperator,
  operatorsFor,
  SEARCH_FIELD_NAMES,
  SEARCH_FIELDS,
  SORT_DIRECTIONS,
  type FilterOperator,
  type SearchField,
  type SortDirection,
} from './search-fields';

export interface CompiledFilters {
  /** SQL over `"<alias>"."<column>"` with named parameters; '' when there is no filter. */
  where: string;
  params: Record<string, unknown>;
}

export interface CompiledSortKey {
  /** The entity property, as TypeORM's orderBy wants it. */
  property: string;
  direction: 'ASC' | 'DESC';
}

const GROUP_KEYS = ['any', 'all', 'not'] as const;
const CONDITION_KEYS = ['field', 'operator', 'value'];
const SQL_COMPARISON: Record<string, string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The one place where advanced-search input becomes SQL. Field names and operators are looked up
 * in whitelists and only whitelisted column names are written into the SQL; every value becomes a
 * bound parameter. All problems are reported together, each under its path (`filters[1].any[0].value`).
 */
export class FilterCompiler {
  private readonly errors: ErrorDetails = {};
  private readonly params: Record<string, unknown> = {};
  private conditionCount = 0;

  private constructor(private readonly alias: string) {}

  static compile(
    filters: unknown,
    sort: unknown,
    alias: string,
  ): { filters: CompiledFilters; sort: CompiledSortKey[] } {
    const compiler = new FilterCompiler(alias);
    const where = compiler.compileFilterList(filters);
    const sortKeys = compiler.compileSort(sort);
    if (Object.keys(compiler.errors).length > 0) {
      throw new ApiError(
        ErrorCode.VALIDATION_ERROR,
        'Advanced search failed validation',
        compiler.errors,
      );
    }
    return { filters: { where, params: compiler.params }, sort: sortKeys };
  }

  private compileFilterList(filters: unknown): string {
    if (filters === undefined) {
      return '';
    }
    if (!Array.isArray(filters)) {
      return this.fail('filters', 'must be an array of conditions or groups');
    }
    const parts = filters.map((item, index) => this.compileItem(item, `filters[${index}]`, 1));
    if (this.conditionCount > FILTER_LIMITS.maxConditions) {
      this.fail('filters', `must hold at most ${FILTER_LIMITS.maxConditions} conditions in all`);
    }
    return parts.length > 0 ? parts.join(' AND ') : '';
  }

  private compileItem(item: unknown, path: string, depth: number): string {
    if (!isPlainObject(item)) {
      return this.fail(
        path,
        'must be a condition {field, operator, value} or a group {any}, {all} or {not}',
      );
    }
    const groupKey = GROUP_KEYS.find((key) => key in item);
    if (groupKey === undefined) {
      return this.compileCondition(item, path);
    }
    if (Object.keys(item).length !== 1) {
      return this.fail(path, `a group has exactly one key: ${groupKey}`);
    }
    if (depth > FILTER_LIMITS.maxDepth) {
      return this.fail(path, `groups may nest at most ${FILTER_LIMITS.maxDepth} levels deep`);
    }
    if (groupKey === 'not') {
      return `NOT (${this.compileItem(item.not, `${path}.not`, depth + 1)})`;
    }
    const children = item[groupKey];
    if (!Array.isArray(children) || children.length === 0) {
      return this.fail(`${path}.${groupKey}`, 'must be a non-empty array of conditions or groups');
    }
    const joined = children
      .map((child, index) => this.compileItem(child, `${path}.${groupKey}[${index}]`, depth + 1))
      .join(groupKey === 'any' ? ' OR ' : ' AND ');
    return `(${joined})`;
  }

  private compileCondition(condition: Record<string, unknown>, path: string): string {
    this.conditionCount += 1;
    for (const key of Object.keys(condition).filter((name) => !CONDITION_KEYS.includes(name))) {
      this.fail(`${path}.${key}`, 'is not allowed');
    }
    const { field, operator, value } = condition;
    if (typeof field !== 'string' || !(SEARCH_FIELD_NAMES as string[]).includes(field)) {
      return this.fail(`${path}.field`, `must be one of ${SEARCH_FIELD_NAMES.join(', ')}`);
    }
    const definition = SEARCH_FIELDS[field as SearchField];
    if (
      typeof operator !== 'string' ||
      !(FILTER_OPERATORS as readonly string[]).includes(operator)
    ) {
      return this.fail(`${path}.operator`, `must be one of ${FILTER_OPERATORS.join(', ')}`);
    }
    if (!operatorsFor(definition.kind).includes(operator as FilterOperator)) {
      return this.fail(
        `${path}.operator`,
        `${operator} applies only to text fields; ${field} is ${definition.kind}`,
      );
    }
    if (!('value' in condition)) {
      return this.fail(`${path}.value`, 'is required');
    }
    return this.conditionSql(
      field as SearchField,
      operator as FilterOperator,
      value,
      `${path}.value`,
    );
  }

  private conditionSql(
    field: SearchField,
    operator: FilterOperator,
    value: unknown,
    path: string,
  ): string {
    const column = `"${this.alias}"."${SEARCH_FIELDS[field].column}"`;
    if (isTextOperator(operator)) {
      const text = this.scalar(field, value, path);
      if (text === '') {
        return this.fail(path, 'must not be empty');
      }
      if (text === undefined) {
        return 'FALSE';
      }
      const escaped = escapeLike(text as string);
      const pattern = {
        contains: `%${escaped}%`,
        not_contains: `%${escaped}%`,
        starts_with: `${escaped}%`,
        ends_with: `%${escaped}`,
      };
      return `${column} ${operator === 'not_contains' ? 'NOT ILIKE' : 'ILIKE'} ${this.param(pattern[operator])}`;
    }
    if (operator === 'between') {
      if (!Array.isArray(value) || value.length !== 2) {
        return this.fail(path, 'must be an array [low, high]');
      }
      const [low, high] = value.map((bound, index) =>
        this.scalar(field, bound, `${path}[${index}]`),
      );
      if (low === undefined || high === undefined) {
        return 'FALSE';
      }
      if (SEARCH_FIELDS[field].kind !== 'text' && low > high) {
        return this.fail(path, 'low must not be greater than high');
      }
      return `${column} BETWEEN ${this.param(low)} AND ${this.param(high)}`;
    }
    if (operator === 'in' || operator === 'not_in') {
      if (
        !Array.isArray(value) ||
        value.length === 0 ||
        value.length > FILTER_LIMITS.maxListItems
      ) {
        return this.fail(path, `must be an array of 1 to ${FILTER_LIMITS.maxListItems} values`);
      }
      const items = value.map((item, index) => this.scalar(field, item, `${path}[${index}]`));
      if (items.some((item) => item === undefined)) {
        return 'FALSE';
      }
      return `${column} ${operator === 'in' ? 'IN' : 'NOT IN'} (:...${this.paramName(items)})`;
    }
    const scalar = this.scalar(field, value, path);
    return scalar === undefined
      ? 'FALSE'
      : `${column} ${SQL_COMPARISON[operator]} ${this.param(scalar)}`;
  }

  /** The value in the field's type, or undefined after recording why it is not. */
  private scalar(field: SearchField, value: unknown, path: string): string | number | undefined {
    const definition = SEARCH_FIELDS[field];
    switch (definition.kind) {
      case 'integer':
        if (
          typeof value !== 'number' ||
          !Number.isInteger(value) ||
          Math.abs(value) > definition.max
        ) {
          this.fail(path, `must be an integer for ${field}`);
          return undefined;
        }
        return value;
      case 'datetime': {
        const parsed = typeof value === 'string' ? toInstant(value) : undefined;
        if (!parsed?.ok) {
          this.fail(
            path,
            parsed?.reason === OUT_OF_RANGE_REASON
              ? `${OUT_OF_RANGE_REASON} for ${field}`
              : `must be an ISO 8601 date or date-time for ${field}, such as 2023-06-01T00:00:00Z`,
          );
          return undefined;
        }
        return parsed.instant.toISOString();
      }
      case 'text':
        if (typeof value !== 'string' || value.length > FILTER_LIMITS.maxTextLength) {
          this.fail(
            path,
            `must be a string of at most ${FILTER_LIMITS.maxTextLength} characters for ${field}`,
          );
          return undefined;
        }
        return value;
    }
  }

  private compileSort(sort: unknown): CompiledSortKey[] {
    if (sort === undefined) {
      return [
        { property: 'startDatetime', direction: 'DESC' },
        { property: 'id', direction: 'DESC' },
      ];
    }
    const keys = Array.isArray(sort) ? sort : [sort];
    const base = Array.isArray(sort) ? 'sort' : '';
    if (keys.length === 0 || keys.length > FILTER_LIMITS.maxSortKeys) {
      this.fail(
        'sort',
        `must be a sort object or an array of 1 to ${FILTER_LIMITS.maxSortKeys} of them`,
      );
      return [];
    }
    const compiled: CompiledSortKey[] = [];
    keys.forEach((key: unknown, index) => {
      const path = base ? `${base}[${index}]` : 'sort';
      if (!isPlainObject(key)) {
        this.fail(path, 'must be an object {field, direction}');
        return;
      }
      for (const extra of Object.keys(key).filter(
        (name) => name !== 'field' && name !== 'direction',
      )) {
        this.fail(`${path}.${extra}`, 'is not allowed');
      }
      const field = key.field;
      const direction = key.direction ?? 'asc';
      if (typeof field !== 'string' || !(SEARCH_FIELD_NAMES as string[]).includes(field)) {
        this.fail(`${path}.field`, `must be one of ${SEARCH_FIELD_NAMES.join(', ')}`);
        return;
      }
      if (
        typeof direction !== 'string' ||
        !(SORT_DIRECTIONS as readonly string[]).includes(direction)
      ) {
        this.fail(`${path}.direction`, `must be one of ${SORT_DIRECTIONS.join(', ')}`);
        return;
      }
      const property = SEARCH_FIELDS[field as SearchField].property;
      if (compiled.some((existing) => existing.property === property)) {
        this.fail(`${path}.field`, `${field} is already a sort key`);
        return;
      }
      compiled.push({
        property,
        direction: (direction as SortDirection) === 'asc' ? 'ASC' : 'DESC',
      });
    });
    const last = compiled[compiled.length - 1];
    if (last && !compiled.some((key) => key.property === 'id')) {
      compiled.push({ property: 'id', direction: last.direction });
    }
    return compiled;
  }

  private param(value: unknown): string {
    return `:${this.paramName(value)}`;
  }

  private paramName(value: unknown): string {
    const name = `filter${Object.keys(this.params).length}`;
    this.params[name] = value;
    return name;
  }

  /** Records the first problem at a path; returns SQL that keeps the rest compilable. */
  private fail(path: string, message: string): string {
    this.errors[path] ??= message;
    return 'FALSE';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Date-only is midnight UTC; a date-time without offset is read as UTC. */
function toInstant(value: string): ParsedInstant {
  return parseInstant(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value, 'UTC');
}
