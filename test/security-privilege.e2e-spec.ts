import { Capability, LAST_ACTIVE_STAFF_MESSAGE, Role } from '../src/auth/policy.js';
import { hashTokenKey } from '../src/auth-tokens/token-key.js';
import { uniqueUsername, type CreatedSubscriber } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The privilege-boundary attacks of issue 9, replayed through the HTTP API: each must now fail
 * with the documented status and leave the database exactly as it was.
 */

const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };
const NOT_FOUND = { detail: 'Not found.' };
const LAST_STAFF = { non_field_errors: [LAST_ACTIVE_STAFF_MESSAGE] };
const auth = (key: string) => ({ Authorization: `Token ${key}` });

/** Everything about an account an attack could change: the user row, its profile and its token. */
async function snapshot(t: TestApp, userId: number) {
  const [account] = await t.dataSource.query(
    `SELECT u.username, u.is_staff, u.is_active, u.token_lifetime, u.password_hash, u.email, u.first_name, u.updated_at,
            p.role, p.permissions, p.balance_seconds, p.organization, p.updated_at AS profile_updated_at,
            t.key_hash, t.created AS token_created
       FROM users u JOIN aaa_profiles p ON p.user_id = u.id LEFT JOIN auth_tokens t ON t.user_id = u.id
      WHERE u.id = $1`,
    [userId],
  );
  return account as Record<string, unknown> | undefined;
}

async function countUsers(t: TestApp): Promise<number> {
  const [row] = await t.dataSource.query('SELECT count(*)::int AS n FROM users');
  return row.n;
}

async function activeStaff(t: TestApp): Promise<number[]> {
  const rows: { id: number }[] = await t.dataSource.query('SELECT id FROM users WHERE is_staff AND is_active ORDER BY id');
  return rows.map((row) => row.id);
}

describe('privilege boundaries: staff accounts are handled only by staff', () => {
  let t: TestApp;
  /** A non-staff account holding every capability a non-staff account can hold. */
  let manager: CreatedSubscriber;
  let staff: CreatedSubscriber;

  beforeAll(async () => {
    t = await createTestApp();
    manager = await t.factories.subscriber({
      role: Role.Admin,
      permissions: [Capability.UsersManage, Capability.TokensReadAll, Capability.TokensManage, Capability.SubscribersWrite, Capability.BalancesWrite],
    });
  });
  beforeEach(async () => {
    staff = await t.factories.staff({ password: 'staff-password-1', balanceSeconds: 60 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a users:manage holder cannot make itself staff (403, nothing changed)', async () => {
    const before = await snapshot(t, manager.id);
    await t.api().patch(`/api/users/${manager.uuid}/`).set(auth(manager.token)).send({ is_staff: true }).expect(403, FORBIDDEN);
    expect(await snapshot(t, manager.id)).toEqual(before);
  });

  it('a users:manage holder cannot make another account staff, nor create one (403, nothing changed)', async () => {
    const other = await t.factories.subscriber();
    const before = await snapshot(t, other.id);
    await t.api().patch(`/api/users/${other.uuid}/`).set(auth(manager.token)).send({ is_staff: true }).expect(403, FORBIDDEN);
    expect(await snapshot(t, other.id)).toEqual(before);
    const users = await countUsers(t);
    await t.api().post('/api/users/').set(auth(manager.token)).send({ username: uniqueUsername('rogue'), is_staff: true }).expect(403, FORBIDDEN);
    expect(await countUsers(t)).toBe(users);
  });

  it('a users:manage holder cannot reset a staff password and log in as that staff (403, nothing changed)', async () => {
    const before = await snapshot(t, staff.id);
    await t.api().patch(`/api/users/${staff.uuid}/`).set(auth(manager.token)).send({ password: 'taken-over-1' }).expect(403, FORBIDDEN);
    expect(await snapshot(t, staff.id)).toEqual(before);
    await t.api().post('/api/auth/login/').send({ username: staff.username, password: 'taken-over-1' }).expect(400);
  });

  it('a users:manage holder cannot deactivate, rename or delete a staff account (403, nothing changed)', async () => {
    const before = await snapshot(t, staff.id);
    for (const body of [{ is_active: false }, { is_staff: false }, { username: uniqueUsername('renamed') }, { first_name: 'Pwned' }, { token_lifetime: 60 }]) {
      await t.api().patch(`/api/users/${staff.uuid}/`).set(auth(manager.token)).send(body).expect(403, FORBIDDEN);
    }
    await t.api().delete(`/api/users/${staff.uuid}/`).set(auth(manager.token)).expect(403, FORBIDDEN);
    expect(await snapshot(t, staff.id)).toEqual(before);
    await t.api().get(`/api/users/${staff.uuid}/`).set(auth(staff.token)).expect(200);
  });

  it('a users:manage holder cannot reset the password of an account that can do more than itself (403, nothing changed)', async () => {
    const usersManager = await t.factories.subscriber({ role: Role.User, permissions: [Capability.UsersManage] });
    const admin = await t.factories.subscriber({ role: Role.Admin, password: 'admin-password-1' });
    const before = await snapshot(t, admin.id);
    await t.api().patch(`/api/users/${admin.uuid}/`).set(auth(usersManager.token)).send({ password: 'taken-over-1' }).expect(403, FORBIDDEN);
    expect(await snapshot(t, admin.id)).toEqual(before);
    // Other changes to that account stay within users:manage.
    await t.api().patch(`/api/users/${admin.uuid}/`).set(auth(usersManager.token)).send({ first_name: 'Ada' }).expect(200);
  });

  it('a subscriber manager cannot reset, change or delete a staff subscriber through user_token (403, nothing changed)', async () => {
    // Its own caller: this path was guarded before issue 9 too, and stays so.
    const manager = await t.factories.subscriber({ role: Role.Admin, permissions: [Capability.BalancesWrite, Capability.UsersManage] });
    const before = await snapshot(t, staff.id);
    const url = `/api/v1/user_token/${staff.id}/`;
    await t.api().patch(url).set(auth(manager.token)).send({ password: 'taken-over-1' }).expect(403, FORBIDDEN);
    await t.api().patch(url).set(auth(manager.token)).send({ permissions: [] }).expect(403, FORBIDDEN);
    await t.api().patch(url).set(auth(manager.token)).send({ balance_seconds: 0 }).expect(403, FORBIDDEN);
    await t.api()
      .put(url)
      .set(auth(manager.token))
      .send({ username: staff.username, organization: 'elsewhere', email: staff.email, role: 'user', balance_seconds: 60, password: 'taken-over-1' })
      .expect(403, FORBIDDEN);
    await t.api().delete(url).set(auth(manager.token)).expect(403, FORBIDDEN);
    expect(await snapshot(t, staff.id)).toEqual(before);
  });

  it('a token manager can neither read nor revoke a staff token (404, as for any token it may not see; the key still works)', async () => {
    const before = await snapshot(t, staff.id);
    await t.api().get(`/api/auth-tokens/${staff.id}/`).set(auth(manager.token)).expect(404, NOT_FOUND);
    await t.api().delete(`/api/auth-tokens/${staff.id}/`).set(auth(manager.token)).expect(404, NOT_FOUND);
    const plainAdmin = await t.factories.subscriber({ role: Role.Admin });
    await t.api().get(`/api/auth-tokens/${staff.id}/`).set(auth(plainAdmin.token)).expect(404, NOT_FOUND);
    await t.api().delete(`/api/auth-tokens/${staff.id}/`).set(auth(plainAdmin.token)).expect(404, NOT_FOUND);
    expect(await snapshot(t, staff.id)).toEqual(before);
    await t.api().get(`/api/auth-tokens/${staff.id}/`).set(auth(staff.token)).expect(200);
    // A token manager still revokes a non-staff token.
    const subscriber = await t.factories.subscriber();
    await t.api().delete(`/api/auth-tokens/${subscriber.id}/`).set(auth(plainAdmin.token)).expect(204);
  });

  it('a non-staff reader of all tokens does not see staff tokens in the list; staff do', async () => {
    const listed = async (key: string) => {
      const response = await t.api().get('/api/auth-tokens/?page_size=300').set(auth(key)).expect(200);
      const urls = (response.body as { url: string }[]).map((item) => item.url);
      return { urls, count: Number(response.headers['x-result-count']) };
    };
    const staffUrl = `http://testserver/api/auth-tokens/${staff.id}/`;
    const asManager = await listed(manager.token);
    expect(asManager.urls).not.toContain(staffUrl);
    expect(asManager.urls).toContain(`http://testserver/api/auth-tokens/${manager.id}/`);
    expect(asManager.count).toBe(asManager.urls.length);
    const asStaff = await listed(staff.token);
    expect(asStaff.urls).toContain(staffUrl);
    expect(asStaff.count).toBeGreaterThan(asManager.count);
  });
});

describe('token lifetime and password changes', () => {
  let t: TestApp;
  let staff: CreatedSubscriber;

  beforeAll(async () => {
    t = await createTestApp();
    staff = await t.factories.staff();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function tokenHash(userId: number): Promise<string | undefined> {
    const [row] = await t.dataSource.query('SELECT key_hash FROM auth_tokens WHERE user_id = $1', [userId]);
    return row?.key_hash;
  }

  it('a subscriber cannot give its own token an unlimited lifetime through /api/users/ (403, nothing changed)', async () => {
    const self = await t.factories.subscriber({ tokenLifetime: 3600 });
    const before = await snapshot(t, self.id);
    await t.api().patch(`/api/users/${self.uuid}/`).set(auth(self.token)).send({ token_lifetime: null }).expect(403, FORBIDDEN);
    await t.api().patch(`/api/users/${self.uuid}/`).set(auth(self.token)).send({ token_lifetime: 315_360_000 }).expect(403, FORBIDDEN);
    expect(await snapshot(t, self.id)).toEqual(before);
    // A holder of users:manage may.
    await t.api().patch(`/api/users/${self.uuid}/`).set(auth(staff.token)).send({ token_lifetime: null }).expect(200);
    expect((await snapshot(t, self.id))?.token_lifetime).toBeNull();
  });

  it('a password reset by someone else revokes the account key (/api/users/)', async () => {
    const victim = await t.factories.subscriber({ password: 'old-password-1' });
    expect(await tokenHash(victim.id)).toBe(hashTokenKey(victim.token));
    await t.api().patch(`/api/users/${victim.uuid}/`).set(auth(staff.token)).send({ password: 'new-password-1' }).expect(200);
    expect(await tokenHash(victim.id)).toBeUndefined();
    await t.api().get(`/api/users/${victim.uuid}/`).set(auth(victim.token)).expect(401);
    const login = await t.api().post('/api/auth/login/').send({ username: victim.username, password: 'new-password-1' }).expect(200);
    await t.api().get(`/api/users/${victim.uuid}/`).set(auth(login.body.token)).expect(200);
  });

  it('a password reset by someone else revokes the account key (user_token PATCH and PUT)', async () => {
    const admin = await t.factories.subscriber({ role: Role.Admin });
    const patched = await t.factories.subscriber();
    await t.api().patch(`/api/v1/user_token/${patched.id}/`).set(auth(admin.token)).send({ password: 'new-password-1' }).expect(200);
    expect(await tokenHash(patched.id)).toBeUndefined();
    await t.api().get(`/api/v1/balance/`).set(auth(patched.token)).expect(401);
    const replaced = await t.factories.subscriber();
    await t.api()
      .put(`/api/v1/user_token/${replaced.id}/`)
      .set(auth(admin.token))
      .send({ username: replaced.username, organization: 'acme_corp', email: replaced.email, role: 'user', balance_seconds: 0, password: 'new-password-2' })
      .expect(200);
    expect(await tokenHash(replaced.id)).toBeUndefined();
    // Another change (no password) keeps the key.
    const renamed = await t.factories.subscriber();
    await t.api().patch(`/api/v1/user_token/${renamed.id}/`).set(auth(admin.token)).send({ first_name: 'Kept' }).expect(200);
    expect(await tokenHash(renamed.id)).toBe(hashTokenKey(renamed.token));
  });

  it('changing your own password keeps the key you are using (user_token)', async () => {
    const admin = await t.factories.subscriber({ role: Role.Admin });
    await t.api().patch(`/api/v1/user_token/${admin.id}/`).set(auth(admin.token)).send({ password: 'new-password-3' }).expect(200);
    expect(await tokenHash(admin.id)).toBe(hashTokenKey(admin.token));
    await t.api().get(`/api/v1/user_token/${admin.id}/`).set(auth(admin.token)).expect(200);
  });
});

describe('the last active staff account stays', () => {
  /** Each test gets its own database: the rule is about every staff account in it. */
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t?.close();
  });

  it('a lone staff cannot delete itself through user_token, nor deactivate or un-staff itself (400 saying why, nothing changed)', async () => {
    const staff = await t.factories.staff();
    await t.factories.staff({ isActive: false });
    const before = await snapshot(t, staff.id);
    await t.api().delete(`/api/v1/user_token/${staff.id}/`).set(auth(staff.token)).expect(400, LAST_STAFF);
    await t.api().patch(`/api/users/${staff.uuid}/`).set(auth(staff.token)).send({ is_active: false }).expect(400, LAST_STAFF);
    await t.api().patch(`/api/users/${staff.uuid}/`).set(auth(staff.token)).send({ is_staff: false }).expect(400, LAST_STAFF);
    expect(await snapshot(t, staff.id)).toEqual(before);
    expect(await activeStaff(t)).toEqual([staff.id]);
  });

  it('staff may remove other staff while one active staff remains, then no more', async () => {
    const first = await t.factories.staff();
    const second = await t.factories.staff();
    const third = await t.factories.staff();
    await t.api().delete(`/api/users/${second.uuid}/`).set(auth(first.token)).expect(204);
    await t.api().patch(`/api/users/${third.uuid}/`).set(auth(first.token)).send({ is_staff: false }).expect(200);
    expect(await activeStaff(t)).toEqual([first.id]);
    await t.api().patch(`/api/users/${first.uuid}/`).set(auth(first.token)).send({ is_active: false }).expect(400, LAST_STAFF);
    await t.api().delete(`/api/v1/user_token/${first.id}/`).set(auth(first.token)).expect(400, LAST_STAFF);
    expect(await activeStaff(t)).toEqual([first.id]);
  });

  it.each([
    ['DELETE /api/v1/user_token/{own id}/', (s: CreatedSubscriber, t: TestApp) => t.api().delete(`/api/v1/user_token/${s.id}/`).set(auth(s.token)), 204],
    ['PATCH /api/users/{own uuid}/ is_active=false', (s: CreatedSubscriber, t: TestApp) => t.api().patch(`/api/users/${s.uuid}/`).set(auth(s.token)).send({ is_active: false }), 200],
    ['PATCH /api/users/{own uuid}/ is_staff=false', (s: CreatedSubscriber, t: TestApp) => t.api().patch(`/api/users/${s.uuid}/`).set(auth(s.token)).send({ is_staff: false }), 200],
  ] as const)('30 staff leaving at once through %s: 29 succeed, one gets 400, one active staff remains', async (_, leave, success) => {
    const staff = await Promise.all(Array.from({ length: 30 }, () => t.factories.staff()));
    const responses = await Promise.all(staff.map((member) => leave(member, t)));
    const statuses = responses.map((response) => response.status).sort((a, b) => a - b);
    expect(statuses).toEqual([...Array<number>(29).fill(success), 400].sort((a, b) => a - b));
    const refused = staff[responses.findIndex((response) => response.status === 400)]!;
    expect(responses.find((response) => response.status === 400)!.body).toEqual(LAST_STAFF);
    expect(await activeStaff(t)).toEqual([refused.id]);
  });

  it('the only two active staff deleting each other at once never both succeed (15 rounds, /api/users/ and user_token)', async () => {
    for (let round = 0; round < 15; round += 1) {
      // Exactly two active staff in the database for this round.
      await t.dataSource.query('UPDATE users SET is_active = false WHERE is_staff');
      const [a, b] = [await t.factories.staff(), await t.factories.staff()];
      const remove = (caller: CreatedSubscriber, target: CreatedSubscriber) =>
        round % 2 === 0
          ? t.api().delete(`/api/users/${target.uuid}/`).set(auth(caller.token))
          : t.api().delete(`/api/v1/user_token/${target.id}/`).set(auth(caller.token));
      const responses = await Promise.all([remove(a, b), remove(b, a)]);
      const statuses = responses.map((response) => response.status);
      // One deletes the other; the other is refused (400), or finds itself deleted already (401).
      expect(statuses.filter((status) => status === 204)).toHaveLength(1);
      for (const status of statuses) expect([204, 400, 401]).toContain(status);
      expect(await activeStaff(t)).toHaveLength(1);
    }
  });
});
