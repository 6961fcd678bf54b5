import { INT4_MAX, parseUserIdParam } from './user-id-param.js';

describe('parseUserIdParam', () => {
  it('accepts positive decimal integers within int4', () => {
    expect(parseUserIdParam('1')).toBe(1);
    expect(parseUserIdParam('123')).toBe(123);
    expect(parseUserIdParam('007')).toBe(7);
    expect(parseUserIdParam(String(INT4_MAX))).toBe(INT4_MAX);
  });

  it.each(['', 'abc', '1.5', '-1', '+1', ' 1', '1e3', '0x10', '0', String(INT4_MAX + 1), '99999999999', '9'.repeat(40)])(
    'rejects %p',
    (raw) => {
      expect(parseUserIdParam(raw)).toBeUndefined();
    },
  );
});
