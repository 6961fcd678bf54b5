import type { CountedKey } from './auth-throttle.repository.js';
import { secretsEqual } from './constant-time.js';
import { overLimit, secondsLeft } from './rate-limit.js';

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000);

describe('secondsLeft', () => {
  it('counts whole seconds to the end of the window, at least 1', () => {
    expect(secondsLeft(at(0), 60, at(2))).toBe(58);
    expect(secondsLeft(at(0), 60, at(30.5))).toBe(30);
    expect(secondsLeft(at(0), 60, at(59.9))).toBe(1);
    expect(secondsLeft(at(0), 60, at(60))).toBe(1);
  });
});

describe('overLimit', () => {
  const limits = { username: 5, client_ip: 10, calling_station: 10, auth_failures_ip: 30 } as const;
  const key = (scope: CountedKey['scope'], count: number, startedAt: number): CountedKey => ({ scope, key: 'k', count, windowStart: at(startedAt) });

  it('lets an attempt through while every count (this attempt included) is within its limit', () => {
    expect(overLimit([key('username', 5, 0), key('client_ip', 10, 0)], (s) => limits[s], 60, at(10))).toBeUndefined();
  });

  it('names the first scope over its limit and waits until every key over its limit is under it again', () => {
    expect(overLimit([key('username', 6, 0), key('client_ip', 11, 30)], (s) => limits[s], 60, at(40))).toEqual({ scope: 'username', retryAfterSeconds: 50 });
    expect(overLimit([key('username', 1, 0), key('calling_station', 11, 30)], (s) => limits[s], 60, at(40))).toEqual({ scope: 'calling_station', retryAfterSeconds: 50 });
  });
});

describe('secretsEqual', () => {
  it('compares whole values of any length', () => {
    expect(secretsEqual('metrics-token-123456', 'metrics-token-123456')).toBe(true);
    expect(secretsEqual('metrics-token-123456', 'metrics-token-123457')).toBe(false);
    expect(secretsEqual('short', 'metrics-token-123456')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
  });
});
