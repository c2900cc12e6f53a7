import { types } from 'pg';

const TIMESTAMPTZ_OID = 1184;
const parseTimestamptz = types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date;

/**
 * PostgreSQL's text of a timestamptz in a session whose TimeZone is UTC, as reads receive it
 * (INSTANTS_AS_TEXT, database/instants-as-text.ts): `2024-06-20 14:00:00+00`, with microseconds when there are any.
 */
const UTC_TIMESTAMPTZ_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.\d{1,6})?\+00$/;

/**
 * The wire format for every instant: UTC, ISO 8601, `Z`, no milliseconds. An instant may come as
 * a Date or as PostgreSQL's text of a timestamptz: reads leave timestamps as text because parsing
 * each into a Date and formatting it again cost 10 % of a page request (issue 8). Text in UTC is
 * rearranged as it is; any other (another session TimeZone, a year past 9999) goes through the
 * Date that pg itself would have made of it.
 */
export function toIsoSeconds(instant: Date | string): string {
  if (typeof instant === 'string') {
    const utc = UTC_TIMESTAMPTZ_TEXT.exec(instant);
    return utc ? `${utc[1]}T${utc[2]}Z` : toIsoSeconds(parseTimestamptz(instant));
  }
  const iso = instant.toISOString();
  // `YYYY-MM-DDTHH:mm:ss.sssZ` for years 0–9999; other years have a sign and six digits.
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}
