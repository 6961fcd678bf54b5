import { DuplicateCache } from './duplicate-cache.js';

describe('DuplicateCache', () => {
  let time = 0;
  const cache = () => new DuplicateCache(30_000, () => time);

  beforeEach(() => {
    time = 0;
  });

  it('answers a repeat within the window with the first response', async () => {
    const c = cache();
    c.remember('a', Promise.resolve(Buffer.from('one')));
    time = 29_999;
    await expect(c.find('a')).resolves.toEqual(Buffer.from('one'));
    expect(c.find('b')).toBeUndefined();
  });

  it('forgets entries after the window', () => {
    const c = cache();
    c.remember('a', Promise.resolve(Buffer.from('one')));
    time = 10_000;
    c.remember('b', Promise.resolve(Buffer.from('two')));
    time = 30_001;
    expect(c.find('a')).toBeUndefined();
    expect(c.find('b')).toBeDefined();
    expect(c.size).toBe(1);
  });

  it('forgets a request that got no answer, so its retransmit is processed again', async () => {
    const c = cache();
    const none = Promise.resolve(undefined);
    c.remember('a', none);
    await none;
    await Promise.resolve();
    expect(c.find('a')).toBeUndefined();
    const failed = Promise.reject(new Error('database down'));
    c.remember('b', failed);
    await failed.catch(() => undefined);
    await Promise.resolve();
    expect(c.find('b')).toBeUndefined();
  });

  it('makes a retransmit wait for the answer still being computed', async () => {
    const c = cache();
    let answer!: (value: Buffer) => void;
    c.remember('a', new Promise<Buffer | undefined>((resolve) => (answer = resolve)));
    const waiting = c.find('a');
    answer(Buffer.from('late'));
    await expect(waiting).resolves.toEqual(Buffer.from('late'));
  });
});
