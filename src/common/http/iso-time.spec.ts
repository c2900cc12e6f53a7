import { describe, expect, it } from 'vitest';
import { toIsoSeconds } from './iso-time';

describe('toIsoSeconds', () => {
  it('formats a Date in UTC to the second', () => {
    expect(toIsoSeconds(new Date('2024-06-20T14:00:59.999Z'))).toBe('2024-06-20T14:00:59Z');
  });

  it('rearranges PostgreSQL text of a UTC session, dropping fractions of a second', () => {
    expect(toIsoSeconds('2024-06-20 14:00:00+00')).toBe('2024-06-20T14:00:00Z');
    expect(toIsoSeconds('2024-06-20 14:00:59.999999+00')).toBe('2024-06-20T14:00:59Z');
    expect(toIsoSeconds('0001-01-01 00:00:00+00')).toBe('0001-01-01T00:00:00Z');
  });

  it('converts text of another session time zone to UTC', () => {
    expect(toIsoSeconds('2024-06-20 16:00:00.5+02')).toBe('2024-06-20T14:00:00Z');
    expect(toIsoSeconds('2024-01-01 00:30:00-05:30')).toBe('2024-01-01T06:00:00Z');
  });

  it('gives years past 9999 as ISO 8601 does, with a sign and six digits', () => {
    expect(toIsoSeconds('12345-01-01 00:00:00+00')).toBe('+012345-01-01T00:00:00Z');
  });
});
