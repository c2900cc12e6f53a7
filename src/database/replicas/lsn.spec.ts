import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn } from './lsn';

describe('parseLsn', () => {
  it('orders positions by both halves, the high one first', () => {
    expect(parseLsn('0/16B3740') < parseLsn('0/16B3741')).toBe(true);
    expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true);
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
  });

  it('reads back what formatLsn writes', () => {
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
  });
});
