import { secretsEqual } from './constant-time.js';
import { FixedWindowCounter } from './rate-limit.js';

describe('FixedWindowCounter', () => {
  it('allows `limit` events per window, then reports the seconds left in the window', () => {
    const counter = new FixedWindowCounter(3, 60_000);
    expect([counter.hit('a', 0), counter.hit('a', 1000), counter.hit('a', 2000)]).toEqual([0, 0, 0]);
    expect(counter.waitSeconds('a', 2000)).toBe(58);
    expect(counter.hit('a', 30_500)).toBe(30);
    expect(counter.waitSeconds('b', 2000)).toBe(0);
  });

  it('starts a fresh window once the old one ends (or the clock goes back)', () => {
    const counter = new FixedWindowCounter(1, 60_000);
    counter.hit('a', 0);
    expect(counter.waitSeconds('a', 59_999)).toBe(1);
    expect(counter.waitSeconds('a', 60_000)).toBe(0);
    expect(counter.hit('a', 60_000)).toBe(0);
    expect(counter.waitSeconds('a', 10)).toBe(0);
  });

  it('counts nothing with limit 0', () => {
    const counter = new FixedWindowCounter(0, 60_000);
    for (let i = 0; i < 100; i += 1) expect(counter.hit('a', i)).toBe(0);
    expect(counter.size).toBe(0);
  });

  it('keeps at most maxKeys keys, dropping expired then oldest ones', () => {
    const counter = new FixedWindowCounter(5, 1000, 3);
    counter.hit('a', 0);
    counter.hit('b', 0);
    counter.hit('c', 1500);
    counter.hit('d', 1600);
    expect(counter.size).toBe(2);
    counter.hit('e', 1700);
    counter.hit('f', 1800);
    expect(counter.size).toBe(3);
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
