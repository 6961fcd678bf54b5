import { sessionChargedSql } from '../src/accounting/balance-sql.js';
import { Role } from '../src/auth/policy.js';
import { Gateway, runAccounting, sessionIdentity, storedBalance } from './support/accounting.js';
import { uniqueUsername, type CreatedSubscriber } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * What gateways, captive portals and support see of a balance: POST /api/v1/authorize/, the
 * GET /api/v1/balance/ poll, GET /api/v1/user_token/{id}/?balance=true, manual changes (PATCH) and
 * the ledger. Between accounting runs every read must be exact to the fake clock's second.
 */
const AUTHORIZE = '/api/v1/authorize/';
const BALANCE = '/api/v1/balance/';
const LEDGER = '/api/v1/accounting/ledger/';
const USER_TOKEN = '/api/v1/user_token/';
const token = (key: string) => ({ Authorization: `Token ${key}` });
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

interface LedgerItem {
  id: number;
  username: string;
  kind: string;
  delta_seconds: number;
  overage_seconds: number;
  balance_after: number;
  session_id: number | null;
  actor: string | null;
  reason: string;
  created_at: string;
}

describe('balances: authorize, poll, user_token, ledger', () => {
  let t: TestApp;
  let gateway: Gateway;
  let gatewayUser: CreatedSubscriber;
  let staff: CreatedSubscriber;
  let admin: CreatedSubscriber;
  let moderator: CreatedSubscriber;

  beforeAll(async () => {
    t = await createTestApp();
    // Tokens that never expire: tests move the fake clock far.
    gatewayUser = await t.factories.subscriber({ role: Role.Gateway, tokenLifetime: null });
    gateway = new Gateway(t, gatewayUser.token);
    staff = await t.factories.staff({ tokenLifetime: null });
    admin = await t.factories.subscriber({ role: Role.Admin, tokenLifetime: null });
    moderator = await t.factories.subscriber({ role: Role.Moderator, tokenLifetime: null });
  });
  afterAll(async () => {
    await t?.close();
  });

  const authorize = (body: object, key = gatewayUser.token) => t.api().post(AUTHORIZE).set(bearer(key)).send(body);
  const poll = (key: string, scheme: 'Bearer' | 'Token' = 'Bearer') => t.api().get(BALANCE).set('Authorization', `${scheme} ${key}`);
  const userTokenBalance = async (id: number, key = admin.token) =>
    (await t.api().get(`${USER_TOKEN}${id}/`).query({ balance: 'true' }).set(token(key)).expect(200)).body.balance_seconds as number;
  const patchBalance = (id: number, seconds: number, key = admin.token) =>
    t.api().patch(`${USER_TOKEN}${id}/`).set(token(key)).send({ balance_seconds: seconds });

  describe('POST /api/v1/authorize/', () => {
    it('is for gateways only', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 100 });
      await t.api().post(AUTHORIZE).send({ username: user.username }).expect(401);
      for (const caller of [user, admin, moderator]) {
        await authorize({ username: user.username }, caller.token).expect(403, { detail: 'You do not have permission to perform this action.' });
      }
      await authorize({ username: user.username }, staff.token).expect(200);
    });

    it('accepts with session_timeout = the exact remaining balance, open sessions’ uncharged time included', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const accept = (remaining: number) => ({ result: 'accept', username: user.username, session_timeout: remaining, acct_interim_interval: 300 });
      await authorize({ username: user.username }).expect(200, accept(1000));

      const first = sessionIdentity(user.username);
      const second = sessionIdentity(user.username);
      await gateway.start(first);
      t.clock.advanceSeconds(100);
      await authorize({ username: user.username }).expect(200, accept(900));
      await gateway.start(second);
      t.clock.advanceSeconds(30);
      await authorize({ username: user.username }).expect(200, accept(840));
      await runAccounting(t);
      expect(await storedBalance(t, user.id)).toBe(840);
      t.clock.advanceSeconds(7);
      await authorize({ username: user.username }).expect(200, accept(826));
      await gateway.stop(first, 137);
      t.clock.advanceSeconds(3);
      await authorize({ username: user.username }).expect(200, accept(823));
      // Exactly at zero it rejects; one second before it accepts with 1.
      t.clock.advanceSeconds(822);
      await authorize({ username: user.username }).expect(200, accept(1));
      t.clock.advanceSeconds(1);
      await authorize({ username: user.username }).expect(200, {
        result: 'reject', username: user.username, reason: 'no_balance', message: 'No time left on this account.',
      });
    });

    it('checks a password or the subscriber’s token when given', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 500, password: 'correct-horse-9' });
      const other = await t.factories.subscriber({ balanceSeconds: 500 });
      const accepted = { result: 'accept', username: user.username, session_timeout: 500, acct_interim_interval: 300 };
      const invalid = { result: 'reject', username: user.username, reason: 'invalid_credentials', message: 'Invalid username, password or token.' };
      await authorize({ username: user.username, password: 'correct-horse-9' }).expect(200, accepted);
      await authorize({ username: user.username, password: 'wrong-horse-9' }).expect(200, invalid);
      await authorize({ username: user.username, password: '' }).expect(200, invalid);
      await authorize({ username: user.username, token: user.token }).expect(200, accepted);
      await authorize({ username: user.username, token: other.token }).expect(200, invalid);
      await authorize({ username: user.username, token: 'not-a-key' }).expect(200, invalid);
      // No password set: no password matches.
      await authorize({ username: other.username, password: 'anything-at-all' }).expect(200, { ...invalid, username: other.username });
    });

    it('rejects with a reason: invalid_credentials for an unknown user, inactive_user, token_expired, no_balance', async () => {
      const reject = (username: string, reason: string, message: string) => ({ result: 'reject', username, reason, message });
      const unknown = uniqueUsername('nobody');
      await authorize({ username: unknown }).expect(200, reject(unknown, 'invalid_credentials', 'Invalid username, password or token.'));

      const inactive = await t.factories.subscriber({ balanceSeconds: 500, isActive: false });
      await authorize({ username: inactive.username }).expect(200, reject(inactive.username, 'inactive_user', 'User inactive or deleted.'));

      const broke = await t.factories.subscriber({ balanceSeconds: 0 });
      await authorize({ username: broke.username }).expect(200, reject(broke.username, 'no_balance', 'No time left on this account.'));

      const shortLived = await t.factories.subscriber({ balanceSeconds: 500, tokenLifetime: 60 });
      t.clock.advanceSeconds(59);
      await authorize({ username: shortLived.username, token: shortLived.token }).expect(200, {
        result: 'accept', username: shortLived.username, session_timeout: 500, acct_interim_interval: 300,
      });
      t.clock.advanceSeconds(1);
      await authorize({ username: shortLived.username, token: shortLived.token }).expect(200, reject(shortLived.username, 'token_expired', 'Token has expired.'));
      // Without a credential to check, an expired token does not matter.
      await authorize({ username: shortLived.username }).expect(200);
    });

    it('answers 400 for both a password and a token, or no username, and for unknown fields', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 500, password: 'correct-horse-9' });
      await authorize({ username: user.username, password: 'correct-horse-9', token: user.token }).expect(400, {
        non_field_errors: ['Give either a password or a token, not both.'],
      });
      await authorize({}).expect(400, { username: ['This field is required.'] });
      await authorize({ password: 'correct-horse-9' }).expect(400, { username: ['This field is required.'] });
      await authorize({ username: '' }).expect(400, { username: ['This field may not be blank.'] });
      const notString = await authorize({ username: 42 }).expect(400);
      expect(Object.keys(notString.body)).toEqual(['username']);
      expect(notString.body.username).toContain('Not a valid string.');
      const unknownField = await authorize({ username: user.username, nas: 'x' });
      expect(unknownField.status).toBe(400);
      expect(Object.keys(unknownField.body)).toEqual(['nas']);
    });
  });

  describe('GET /api/v1/balance/ (the captive-portal poll)', () => {
    it('is exact between accounting runs: 1000 s, Start, 37 s later → 963', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      await poll(user.token).expect(200, { balance_seconds: 1000, status: 'idle', session_timeout: 1000, expires_at: null });
      const id = sessionIdentity(user.username);
      await gateway.start(id);
      t.clock.advanceSeconds(37);
      const expected = { balance_seconds: 963, status: 'active', session_timeout: 963, expires_at: iso(new Date(t.clock.now().getTime() + 963_000)) };
      await poll(user.token).expect(200, expected);
      await poll(user.token, 'Token').expect(200, expected);
      expect(await storedBalance(t, user.id)).toBe(1000);
      // After a run, and between runs again.
      await runAccounting(t);
      expect(await storedBalance(t, user.id)).toBe(963);
      t.clock.advanceSeconds(5);
      expect((await poll(user.token).expect(200)).body).toMatchObject({ balance_seconds: 958, session_timeout: 958 });
      await gateway.stop(id, 42);
      t.clock.advanceSeconds(100);
      await poll(user.token).expect(200, { balance_seconds: 958, status: 'idle', session_timeout: 958, expires_at: null });
    });

    it('burns two seconds per second with two open sessions; session_timeout = floor(remaining / sessions)', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1001 });
      await gateway.start(sessionIdentity(user.username));
      await gateway.start(sessionIdentity(user.username));
      t.clock.advanceSeconds(10);
      await poll(user.token).expect(200, {
        balance_seconds: 981, status: 'active', session_timeout: 490, expires_at: iso(new Date(t.clock.now().getTime() + 490_000)),
      });
      t.clock.advanceSeconds(1);
      expect((await poll(user.token).expect(200)).body).toMatchObject({ balance_seconds: 979, session_timeout: 489 });
      await runAccounting(t);
      t.clock.advanceSeconds(100);
      expect((await poll(user.token).expect(200)).body).toMatchObject({ balance_seconds: 779, session_timeout: 389 });
    });

    it('says exhausted when no time is left, with or without open sessions', async () => {
      const broke = await t.factories.subscriber({ balanceSeconds: 0 });
      await poll(broke.token).expect(200, { balance_seconds: 0, status: 'exhausted', session_timeout: 0, expires_at: null });
      const user = await t.factories.subscriber({ balanceSeconds: 30 });
      await gateway.start(sessionIdentity(user.username));
      t.clock.advanceSeconds(40);
      await poll(user.token).expect(200, { balance_seconds: 0, status: 'exhausted', session_timeout: 0, expires_at: iso(t.clock.now()) });
    });

    it('answers 401 without a usable token', async () => {
      await t.api().get(BALANCE).expect(401, { detail: 'Authentication credentials were not provided.' });
      await t.api().get(BALANCE).set('Authorization', 'Basic abc').expect(401, { detail: 'Authentication credentials were not provided.' });
      await t.api().get(BALANCE).set('Authorization', 'Bearer').expect(401, { detail: 'Invalid token header. No credentials provided.' });
      await t.api().get(BALANCE).set('Authorization', 'Bearer a b').expect(401, { detail: 'Invalid token header. Token string should not contain spaces.' });
      await poll('0'.repeat(40)).expect(401, { detail: 'Invalid token.' });
      await poll('not-a-key').expect(401, { detail: 'Invalid token.' });
      const inactive = await t.factories.subscriber({ balanceSeconds: 100, isActive: false });
      await poll(inactive.token).expect(401, { detail: 'User inactive or deleted.' });
      const shortLived = await t.factories.subscriber({ balanceSeconds: 100, tokenLifetime: 60 });
      t.clock.advanceSeconds(30);
      await poll(shortLived.token).expect(200);
      // Polling does not slide the token's lifetime: 60 s after its last real use it has expired.
      t.clock.advanceSeconds(30);
      await poll(shortLived.token).expect(401, { detail: 'Token has expired.' });
    });

    it('answers 30 polls sent at once (their reads shared) each with its own subscriber, the bad keys among them refused', async () => {
      const users: CreatedSubscriber[] = [];
      for (let i = 0; i < 30; i += 1) users.push(await t.factories.subscriber({ balanceSeconds: 100 + i }));
      await gateway.start(sessionIdentity(users[7]!.username));
      const inactive = await t.factories.subscriber({ balanceSeconds: 5, isActive: false });
      const revoked = await t.factories.subscriber({ balanceSeconds: 5 });
      await t.dataSource.query('DELETE FROM auth_tokens WHERE user_id = $1', [revoked.id]);
      t.clock.advanceSeconds(3);
      // Twice over, the refused keys among them, every request in flight at once.
      const keys = [...users.map((user) => user.token), '0'.repeat(40), inactive.token, revoked.token];
      const sent = [...keys, ...[...keys].reverse()];
      const answers = await Promise.all(sent.map((key) => poll(key)));
      const byKey = (key: string) => answers.filter((_, index) => sent[index] === key);
      for (const [i, user] of users.entries()) {
        const expected = i === 7 ? { balance_seconds: 104, status: 'active', session_timeout: 104 } : { balance_seconds: 100 + i, status: 'idle', session_timeout: 100 + i };
        expect(byKey(user.token).map((answer) => ({ status: answer.status, body: answer.body }))).toEqual([0, 1].map(() => ({ status: 200, body: expect.objectContaining(expected) })));
      }
      expect(byKey('0'.repeat(40)).map((answer) => answer.body)).toEqual([{ detail: 'Invalid token.' }, { detail: 'Invalid token.' }]);
      expect(byKey(inactive.token).map((answer) => answer.body)).toEqual([0, 1].map(() => ({ detail: 'User inactive or deleted.' })));
      expect(byKey(revoked.token).map((answer) => answer.body)).toEqual([0, 1].map(() => ({ detail: 'Invalid token.' })));
    });

    it('keeps a portal key valid while its subscriber has an open session; after the Stop the lifetime runs again', async () => {
      // 3 h of balance, the default one-hour key, a portal that only polls (the poll writes nothing).
      const user = await t.factories.subscriber({ balanceSeconds: 3 * 3600, tokenLifetime: 3600 });
      const id = sessionIdentity(user.username);
      await gateway.start(id);
      for (let elapsed = 300; elapsed <= 7200; elapsed += 300) {
        t.clock.advanceSeconds(300);
        await gateway.interim(id, elapsed);
        await poll(user.token).expect(200);
        if (elapsed % 1800 === 0) await runAccounting(t);
      }
      // Two hours in: the key's own last use is two hours old, yet it is valid everywhere and the run kept it.
      expect((await poll(user.token).expect(200)).body).toMatchObject({ balance_seconds: 3600, status: 'active' });
      expect((await authorize({ username: user.username, token: user.token }).expect(200)).body).toMatchObject({ result: 'accept' });
      const [stamp] = await t.dataSource.query('SELECT last_used_at FROM auth_tokens WHERE user_id = $1', [user.id]);
      expect(new Date(stamp.last_used_at).getTime()).toBe(t.clock.now().getTime() - 7200_000);
      await gateway.stop(id, 7200);
      // The session ended at 7200 s: the key lives one more hour from then, and no longer.
      t.clock.advanceSeconds(3599);
      await poll(user.token).expect(200);
      await runAccounting(t);
      expect(await t.dataSource.query('SELECT 1 FROM auth_tokens WHERE user_id = $1', [user.id])).toHaveLength(1);
      t.clock.advanceSeconds(1);
      await poll(user.token).expect(401, { detail: 'Token has expired.' });
      expect((await authorize({ username: user.username, token: user.token }).expect(200)).body).toMatchObject({ result: 'reject', reason: 'token_expired' });
      await runAccounting(t);
      expect(await t.dataSource.query('SELECT 1 FROM auth_tokens WHERE user_id = $1', [user.id])).toEqual([]);
    });

    it('writes nothing: not the token’s last use, not the profile, not the sessions', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000, tokenLifetime: 86400 });
      await gateway.start(sessionIdentity(user.username));
      t.clock.advanceSeconds(20);
      await runAccounting(t);
      const rows = async () => {
        const [tokens, profiles, sessions] = await Promise.all([
          t.dataSource.query('SELECT * FROM auth_tokens WHERE user_id = $1', [user.id]),
          t.dataSource.query('SELECT * FROM aaa_profiles WHERE user_id = $1', [user.id]),
          t.dataSource.query('SELECT * FROM accounting_sessions WHERE user_id = $1 ORDER BY id', [user.id]),
        ]);
        return { tokens, profiles, sessions };
      };
      const before = await rows();
      expect(before.tokens).toHaveLength(1);
      // Past the touch interval (60 s for a one-day token), an authenticated request would stamp the token.
      for (let i = 0; i < 3; i += 1) {
        t.clock.advanceSeconds(61);
        await poll(user.token).expect(200);
      }
      expect(await rows()).toEqual(before);

      // The same wait followed by an ordinary authenticated request does stamp it: the check above can see writes.
      await t.api().get(`${USER_TOKEN}${user.id}/`).set(token(user.token)).expect(200);
      expect((await rows()).tokens[0].last_used_at).toEqual(t.clock.now());
    });
  });

  describe('GET /api/v1/user_token/{id}/?balance=true', () => {
    it('shows the same exact remaining balance as the poll, between ticks', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const id = sessionIdentity(user.username);
      await gateway.start(id);
      t.clock.advanceSeconds(37);
      expect((await poll(user.token).expect(200)).body.balance_seconds).toBe(963);
      expect(await userTokenBalance(user.id)).toBe(963);
      expect(await userTokenBalance(user.id, user.token)).toBe(963);
      const listed = await t.api().get(USER_TOKEN).query({ balance: 'true', username: user.username }).set(token(moderator.token)).expect(200);
      expect(listed.body.results.map((item: { balance_seconds: number }) => item.balance_seconds)).toEqual([963]);
      await gateway.start(sessionIdentity(user.username));
      await runAccounting(t);
      t.clock.advanceSeconds(11);
      expect((await poll(user.token).expect(200)).body.balance_seconds).toBe(941);
      expect(await userTokenBalance(user.id)).toBe(941);
    });
  });

  describe('PATCH balance_seconds while a session is open', () => {
    it('settles the session first: the value set is what remains, nothing is charged twice', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const id = sessionIdentity(user.username);
      await gateway.start(id);
      t.clock.advanceSeconds(100);
      await patchBalance(user.id, 500).expect(200);
      expect(await userTokenBalance(user.id)).toBe(500);
      expect((await poll(user.token).expect(200)).body.balance_seconds).toBe(500);
      t.clock.advanceSeconds(10);
      expect(await userTokenBalance(user.id)).toBe(490);
      await runAccounting(t);
      expect(await userTokenBalance(user.id)).toBe(490);
      await gateway.stop(id, 110);
      expect(await storedBalance(t, user.id)).toBe(490);
      const ledger = await t.api().get(LEDGER).set(token(user.token)).expect(200);
      expect(ledger.body.results.map((e: LedgerItem) => [e.kind, e.delta_seconds, e.balance_after])).toEqual([
        ['session', -110, 490],
        ['adjustment', -400, 500],
      ]);
    });
  });

  describe('GET /api/v1/accounting/ledger/', () => {
    it('records a PATCH top-up and a lowering with delta, balance_after and the admin as actor', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 100 });
      await patchBalance(user.id, 700).expect(200);
      await patchBalance(user.id, 250, moderator.token).expect(200);
      // Unchanged balance: no entry.
      await patchBalance(user.id, 250).expect(200);
      const response = await t.api().get(LEDGER).query({ username: user.username }).set(token(admin.token)).expect(200);
      expect(response.body.count).toBe(2);
      const [lowering, topUp] = response.body.results as LedgerItem[];
      expect(Object.keys(topUp!)).toEqual([
        'id', 'username', 'kind', 'delta_seconds', 'overage_seconds', 'balance_after', 'session_id', 'actor', 'reason', 'created_at',
      ]);
      expect(topUp).toEqual({
        id: expect.any(Number),
        username: user.username,
        kind: 'top_up',
        delta_seconds: 600,
        overage_seconds: 0,
        balance_after: 700,
        session_id: null,
        actor: admin.username,
        reason: `PATCH /api/v1/user_token/${user.id}/`,
        created_at: iso(t.clock.now()),
      });
      expect(lowering).toMatchObject({ kind: 'adjustment', delta_seconds: -450, balance_after: 250, actor: moderator.username });
      expect(lowering!.id).toBeGreaterThan(topUp!.id);
    });

    it('records a closed session’s charge as a negative delta', async () => {
      const user = await t.factories.subscriber({ balanceSeconds: 1000 });
      const id = sessionIdentity(user.username);
      const { acct_unique_id: uniqueId } = await gateway.start(id);
      t.clock.advanceSeconds(75);
      await gateway.stop(id, 75);
      const [{ id: sessionId }] = await t.dataSource.query('SELECT id FROM accounting_sessions WHERE acct_unique_id = $1', [uniqueId]);
      const response = await t.api().get(LEDGER).set(token(user.token)).expect(200);
      expect(response.body).toEqual({
        count: 1,
        next: null,
        previous: null,
        results: [{
          id: expect.any(Number),
          username: user.username,
          kind: 'session',
          delta_seconds: -75,
          overage_seconds: 0,
          balance_after: 925,
          session_id: Number(sessionId),
          actor: null,
          reason: 'User-Request',
          created_at: iso(t.clock.now()),
        }],
      });
    });

    it('shows a subscriber only its own entries; support sees everyone’s', async () => {
      const alice = await t.factories.subscriber({ balanceSeconds: 10 });
      const bob = await t.factories.subscriber({ balanceSeconds: 10 });
      await patchBalance(alice.id, 20).expect(200);
      await patchBalance(alice.id, 30).expect(200);
      await patchBalance(bob.id, 40).expect(200);
      const own = await t.api().get(LEDGER).set(token(alice.token)).expect(200);
      expect(own.body.count).toBe(2);
      expect(own.body.results.every((e: LedgerItem) => e.username === alice.username)).toBe(true);
      expect((await t.api().get(LEDGER).query({ username: bob.username }).set(token(alice.token)).expect(200)).body.count).toBe(0);
      for (const reader of [moderator, admin, staff]) {
        const seen = await t.api().get(LEDGER).query({ username: bob.username }).set(token(reader.token)).expect(200);
        expect(seen.body.results.map((e: LedgerItem) => [e.username, e.delta_seconds])).toEqual([[bob.username, 30]]);
      }
      const total = Number((await t.dataSource.query('SELECT count(*) AS n FROM balance_ledger'))[0].n);
      expect((await t.api().get(LEDGER).set(token(staff.token)).expect(200)).body.count).toBe(total);
      await t.api().get(LEDGER).expect(401);
    });

    // Open sessions have paid their charge up to their subscriber's settled_at (sessionChargedSql): not yet in the ledger.
    it('keeps balance = Σ ledger deltas − paid seconds of open sessions through a mixed sequence', async () => {
      const created = await t.api().post(USER_TOKEN).set(token(admin.token)).send({
        username: uniqueUsername('ledger'), organization: 'acme_corp', email: 'ledger@example.com', role: 'user', balance_seconds: 3000,
      }).expect(201);
      const user = { id: created.body.id as number, username: created.body.username as string };
      const invariant = async () => {
        const [row] = await t.dataSource.query(
          `SELECT p.balance_seconds::bigint AS stored,
                  (SELECT COALESCE(SUM(delta_seconds), 0) FROM balance_ledger WHERE user_id = $1)::bigint AS ledger,
                  (SELECT COALESCE(SUM(${sessionChargedSql('s', 'p')} - s.overage_seconds), 0) FROM accounting_sessions s WHERE s.user_id = $1 AND s.status = 'open')::bigint AS open_paid
             FROM aaa_profiles p WHERE p.user_id = $1`,
          [user.id],
        );
        expect(Number(row.stored)).toBe(Number(row.ledger) - Number(row.open_paid));
        return Number(row.stored);
      };
      expect(await invariant()).toBe(3000);
      const first = sessionIdentity(user.username);
      const second = sessionIdentity(user.username);
      await gateway.start(first);
      await gateway.start(second);
      expect(await invariant()).toBe(3000);
      t.clock.advanceSeconds(100);
      await runAccounting(t);
      expect(await invariant()).toBe(2800);
      t.clock.advanceSeconds(50);
      await patchBalance(user.id, 5000).expect(200);
      expect(await invariant()).toBe(5000);
      await gateway.interim(second, 150);
      t.clock.advanceSeconds(50);
      await gateway.stop(first, 200);
      // The Stop settles the subscriber first: both sessions are charged up to 200 s.
      expect(await invariant()).toBe(4900);
      await runAccounting(t);
      expect(await invariant()).toBe(4900);
      // The second session has sent nothing since 150 s: stale after 900 s more, charged up to its last update.
      t.clock.advanceSeconds(901);
      await runAccounting(t);
      expect(await invariant()).toBe(4950);
      expect(await t.dataSource.query('SELECT status, terminate_cause, charged_seconds FROM accounting_sessions WHERE user_id = $1 ORDER BY id', [user.id])).toEqual([
        { status: 'closed', terminate_cause: 'User-Request', charged_seconds: '200' },
        { status: 'closed', terminate_cause: 'Lost-Service', charged_seconds: '150' },
      ]);
      const ledger = await t.api().get(LEDGER).set(token(created.body.token as string)).expect(200);
      expect(ledger.body.results.map((e: LedgerItem) => [e.kind, e.delta_seconds, e.balance_after, e.reason])).toEqual([
        ['session', -150, 4950, 'Lost-Service'],
        ['session', -200, 4900, 'User-Request'],
        ['top_up', 2300, 5000, `PATCH /api/v1/user_token/${user.id}/`],
        ['top_up', 3000, 3000, 'initial balance'],
      ]);
    });
  });
});
