import { DateTime, IANAZone } from 'luxon';

/** `2023-06-12T10:00`, `…:00`, `…:00.123`, optionally followed by `Z` or `±hh:mm`. */
export const ISO_DATETIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Canonical names of the zones seen so far, by lower-case name. Zone names are case-insensitive,
 * so this holds at most one entry per IANA zone (about 600). Each lookup built two ICU date
 * formatters: tens of microseconds and native memory that the V8 heap does not see, which under
 * a write load fragmented the malloc heap by about 5 KB per request (issue 8).
 */
const canonicalZones = new Map<string, string>();
const OFFSET_PREFIX = /^[+-]/;

/** The canonical IANA name (`america/new_york` → `America/New_York`), or undefined if unknown. */
export function canonicalTimeZone(name: string): string | undefined {
  const key = name.toLowerCase();
  const known = canonicalZones.get(key);
  if (known !== undefined) {
    return known;
  }
  // Intl on Node 24 (ECMA-402 2024) also takes UTC offsets such as `+02:00` as time zones; the
  // API's time zones are IANA names, and no IANA name starts with a sign.
  if (OFFSET_PREFIX.test(name) || !IANAZone.isValidZone(name)) {
    return undefined;
  }
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  canonicalZones.set(key, canonical);
  return canonical;
}

export type ParsedInstant = { ok: true; instant: Date } | { ok: false; reason: string };

/**
 * The instants the API's own `date-time` format can carry: four-digit years in UTC. Outside them
 * an instant would be written `+010000-01-01T05:59:59Z`, which no client parses as a date-time.
 */
const EARLIEST_INSTANT = Date.parse('0001-01-01T00:00:00Z');
const LATEST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
export const OUT_OF_RANGE_REASON =
  'must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z once converted to UTC';

export function isRepresentable(instant: Date): boolean {
  const time = instant.getTime();
  return time >= EARLIEST_INSTANT && time <= LATEST_INSTANT;
}

/**
 * A datetime with an offset is taken as is; one without is wall-clock time in `timeZone`
 * (DESIGN.md §6). A wall-clock time that does not exist there (skipped by a DST change) is refused
 * rather than silently moved.
 */
export function parseInstant(value: string, timeZone: string): ParsedInstant {
  if (!ISO_DATETIME.test(value)) {
    return { ok: false, reason: 'must be an ISO 8601 date-time such as 2023-06-12T10:00:00Z' };
  }
  if (HAS_OFFSET.test(value)) {
    const parsed = DateTime.fromISO(value, { setZone: true });
    return parsed.isValid
      ? representable(parsed.toJSDate())
      : { ok: false, reason: 'is not a valid date-time' };
  }
  const local = DateTime.fromISO(value, { zone: timeZone });
  if (!local.isValid) {
    return { ok: false, reason: 'is not a valid date-time' };
  }
  const wallClock = DateTime.fromISO(value, { zone: 'UTC' });
  if (
    local.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS") !== wallClock.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS")
  ) {
    return {
      ok: false,
      reason: `does not exist in ${timeZone} (skipped by a daylight-saving change)`,
    };
  }
  return representable(local.toJSDate());
}

function representable(instant: Date): ParsedInstant {
  return isRepresentable(instant)
    ? { ok: true, instant }
    : { ok: false, reason: OUT_OF_RANGE_REASON };
}
