import { RetryLaterError } from '../common/errors/domain-error.js';
import { isTransientConflict, retryTransientConflicts, TRANSACTION_ATTEMPTS } from './transient-conflict.js';

/** What TypeORM throws for a failed query: a QueryFailedError carrying the driver's error. */
const queryFailed = (code: string) => Object.assign(new Error(`failed with ${code}`), { driverError: { code } });

describe('retryTransientConflicts', () => {
  it('recognises deadlocks, serialization failures and a parent deleted meanwhile, and nothing else', () => {
    expect(isTransientConflict(queryFailed('40P01'))).toBe(true);
    expect(isTransientConflict(queryFailed('40001'))).toBe(true);
    expect(isTransientConflict(queryFailed('23503'))).toBe(true);
    expect(isTransientConflict(Object.assign(new Error('pg'), { code: '40P01' }))).toBe(true);
    expect(isTransientConflict(queryFailed('23505'))).toBe(false);
    expect(isTransientConflict(new Error('boom'))).toBe(false);
    expect(isTransientConflict(undefined)).toBe(false);
  });

  it('runs the attempt again after a deadlock and returns its result', async () => {
    let calls = 0;
    const result = await retryTransientConflicts(async () => {
      calls += 1;
      if (calls < 3) throw queryFailed('40P01');
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after TRANSACTION_ATTEMPTS with a RetryLaterError (503, Retry-After: 1)', async () => {
    let calls = 0;
    const outcome = retryTransientConflicts(async () => {
      calls += 1;
      throw queryFailed('40001');
    });
    await expect(outcome).rejects.toBeInstanceOf(RetryLaterError);
    await expect(outcome).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(calls).toBe(TRANSACTION_ATTEMPTS);
  });

  it('rethrows other errors at once, and a persisting foreign-key violation as it is', async () => {
    let calls = 0;
    const unique = queryFailed('23505');
    await expect(retryTransientConflicts(async () => {
      calls += 1;
      throw unique;
    })).rejects.toBe(unique);
    expect(calls).toBe(1);
    const parentGone = queryFailed('23503');
    await expect(retryTransientConflicts(async () => {
      throw parentGone;
    })).rejects.toBe(parentGone);
  });
});
