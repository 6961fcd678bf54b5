import { isTokenExpired, lastUseAt, shouldTouchToken, tokenExpiresAt, touchIntervalSeconds } from './token-expiry.js';

const t0 = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe('token expiry', () => {
  it('never expires with a null lifetime', () => {
    expect(tokenExpiresAt(t0, null)).toBeNull();
    expect(isTokenExpired(t0, null, at(10 ** 9))).toBe(false);
  });

  it('expires exactly lifetime seconds after the last use', () => {
    expect(isTokenExpired(t0, 60, at(59))).toBe(false);
    expect(isTokenExpired(t0, 60, at(60))).toBe(true);
  });

  it('counts session activity as use: the later of the key\'s own use and its sessions\' activity', () => {
    expect(lastUseAt(t0, null)).toEqual(t0);
    expect(lastUseAt(at(100), at(50))).toEqual(at(100));
    expect(lastUseAt(t0, at(7200))).toEqual(at(7200));
    expect(isTokenExpired(lastUseAt(t0, at(7200)), 3600, at(7200))).toBe(false);
    expect(isTokenExpired(lastUseAt(t0, at(7200)), 3600, at(10800))).toBe(true);
  });

  it('refreshes the last-use stamp after a tenth of the lifetime, at most a minute', () => {
    expect(touchIntervalSeconds(60)).toBe(6);
    expect(touchIntervalSeconds(3600)).toBe(60);
    expect(touchIntervalSeconds(null)).toBe(60);
    expect(shouldTouchToken(t0, 60, at(5))).toBe(false);
    expect(shouldTouchToken(t0, 60, at(6))).toBe(true);
    expect(shouldTouchToken(t0, 86400, at(59))).toBe(false);
    expect(shouldTouchToken(t0, 86400, at(60))).toBe(true);
  });
});
