import { balancePollAnswer } from './balance-poll.js';
import type { BalancePollRow } from './balance.repository.js';

const asOf = new Date('2026-12-01T12:00:00.500Z');

/** Only the balance figures matter here; the credential part of the row is the guard's. */
function row(storedBalance: string, uncharged: string, liveSessions: number): BalancePollRow {
  return { storedBalance, uncharged, liveSessions, asOf } as Pick<BalancePollRow, 'storedBalance' | 'uncharged' | 'liveSessions' | 'asOf'> as BalancePollRow;
}

describe('balancePollAnswer', () => {
  it('idle: the whole balance, no expiry', () => {
    expect(balancePollAnswer(row('600', '0', 0))).toEqual({
      balance_seconds: 600, status: 'idle', session_timeout: 600, expires_at: null,
    });
  });

  it('active: what is left after the uncharged time, shared by the live sessions; expiry from the query instant', () => {
    expect(balancePollAnswer(row('1000', '1', 2))).toEqual({
      balance_seconds: 999, status: 'active', session_timeout: 499, expires_at: '2026-12-01T12:08:19Z',
    });
  });

  it('exhausted: never below 0', () => {
    expect(balancePollAnswer(row('5', '9', 1))).toMatchObject({ balance_seconds: 0, status: 'exhausted', session_timeout: 0 });
  });
});
