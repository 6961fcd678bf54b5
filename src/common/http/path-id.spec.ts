import { INT4_MAX, parsePathId } from './path-id.js';

describe('parsePathId', () => {
  it('accepts positive decimal integers within int4', () => {
    expect(parsePathId('1')).toBe(1);
    expect(parsePathId('123')).toBe(123);
    expect(parsePathId('007')).toBe(7);
    expect(parsePathId(String(INT4_MAX))).toBe(INT4_MAX);
  });

  it.each(['', 'abc', '1.5', '-1', '+1', ' 1', '1e3', '0x10', '0', String(INT4_MAX + 1), '99999999999', '9'.repeat(40)])(
    'rejects %p',
    (raw) => {
      expect(parsePathId(raw)).toBeUndefined();
    },
  );

  it('takes a larger bound for bigint ids', () => {
    expect(parsePathId('3000000000', Number.MAX_SAFE_INTEGER)).toBe(3000000000);
    expect(parsePathId(undefined)).toBeUndefined();
  });
});
