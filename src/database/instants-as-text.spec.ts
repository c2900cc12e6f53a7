import { describe, expect, it } from 'vitest';
import { INSTANTS_AS_TEXT } from './instants-as-text';

describe('INSTANTS_AS_TEXT', () => {
  it('leaves only timestamptz (OID 1184) as text and parses the other types as pg does', () => {
    const parse = (oid: number, text: string) =>
      (INSTANTS_AS_TEXT.getTypeParser(oid, 'text') as (value: string) => unknown)(text);
    expect(parse(1184, '2024-06-20 14:00:00+00')).toBe('2024-06-20 14:00:00+00');
    expect(parse(23, '42')).toBe(42);
    expect(parse(16, 't')).toBe(true);
    expect(parse(1114, '2024-06-20 14:00:00')).toBeInstanceOf(Date);
  });
});
