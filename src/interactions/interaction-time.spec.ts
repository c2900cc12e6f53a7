import { afterEach, describe, expect, it, vi } from 'vitest';
import { canonicalTimeZone, parseInstant } from './interaction-time';

function instant(value: string, zone: string): string {
  const parsed = parseInstant(value, zone);
  if (!parsed.ok) {
    throw new Error(parsed.reason);
  }
  return parsed.instant.toISOString();
}

describe('parseInstant', () => {
  it('takes a datetime with Z or an offset as it is, whatever the record timezone', () => {
    expect(instant('2023-06-12T10:00:00Z', 'Asia/Tokyo')).toBe('2023-06-12T10:00:00.000Z');
    expect(instant('2023-06-12T10:00:00+02:00', 'America/New_York')).toBe(
      '2023-06-12T08:00:00.000Z',
    );
    expect(instant('2023-06-12T10:00:00-0500', 'UTC')).toBe('2023-06-12T15:00:00.000Z');
  });

  it("reads a datetime without an offset in the record's timezone, daylight saving included", () => {
    expect(instant('2023-06-12T10:00:00', 'America/New_York')).toBe('2023-06-12T14:00:00.000Z');
    expect(instant('2023-01-12T10:00', 'America/New_York')).toBe('2023-01-12T15:00:00.000Z');
    expect(instant('2023-06-12T10:00:00.250', 'Europe/Berlin')).toBe('2023-06-12T08:00:00.250Z');
  });

  it('refuses a wall-clock time skipped by a daylight-saving change', () => {
    expect(parseInstant('2023-03-12T02:30:00', 'America/New_York')).toEqual({
      ok: false,
      reason: 'does not exist in America/New_York (skipped by a daylight-saving change)',
    });
  });

  it('refuses dates that are not ISO 8601 date-times or do not exist', () => {
    for (const value of [
      '2023-06-12',
      '12/06/2023 10:00',
      '2023-06-12 10:00:00',
      'tomorrow',
      '2023-W24-1T10:00',
    ]) {
      expect(parseInstant(value, 'UTC').ok).toBe(false);
    }
    expect(parseInstant('2023-02-30T10:00:00Z', 'UTC').ok).toBe(false);
    expect(parseInstant('2023-06-12T25:00:00', 'UTC').ok).toBe(false);
  });
});

describe('canonicalTimeZone', () => {
  it('returns the canonical spelling of an IANA name and undefined for an unknown one', () => {
    expect(canonicalTimeZone('america/new_york')).toBe('America/New_York');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeUndefined();
    expect(canonicalTimeZone('+02:00')).toBeUndefined();
  });

  describe('once a zone is known', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('answers any spelling of it without building an ICU formatter, and still refuses unknown ones', () => {
      expect(canonicalTimeZone('Europe/Lisbon')).toBe('Europe/Lisbon');
      const formatters = vi.spyOn(Intl, 'DateTimeFormat');

      expect(canonicalTimeZone('europe/lisbon')).toBe('Europe/Lisbon');
      expect(canonicalTimeZone('EUROPE/LISBON')).toBe('Europe/Lisbon');
      expect(formatters).not.toHaveBeenCalled();

      expect(canonicalTimeZone('Europe/Lisbonn')).toBeUndefined();
      expect(canonicalTimeZone('Europe/Lisbonn')).toBeUndefined();
    });
  });
});
