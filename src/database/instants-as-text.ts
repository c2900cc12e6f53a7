import { types } from 'pg';

const TIMESTAMPTZ_OID = 1184;

/**
 * pg's own type parsers, but a timestamptz stays PostgreSQL's text: reads hand instants straight
 * to toIsoSeconds (common/http/iso-time.ts) instead of parsing each into a Date (issue 8).
 */
export const INSTANTS_AS_TEXT = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): unknown =>
    oid === TIMESTAMPTZ_OID ? (text: string) => text : types.getTypeParser(oid, format),
};

/** `T` as a statement run with INSTANTS_AS_TEXT returns it: its instants are text. */
export type InstantsAsText<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};
