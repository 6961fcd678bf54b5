import { Role } from '../src/auth/policy.js';
import { uniqueUsername, type CreatedSubscriber, type SubscriberOptions } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const PATH = '/api/v1/user_token/';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };

type Caller = 'staff' | 'admin' | 'moderator' | 'gateway' | 'user';
const CALLERS: Caller[] = ['staff', 'admin', 'moderator', 'gateway', 'user'];

describe('user_token API: who may do what', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  function caller(kind: Caller, options: SubscriberOptions = {}): Promise<CreatedSubscriber> {
    if (kind === 'staff') return t.factories.staff(options);
    const role = { admin: Role.Admin, moderator: Role.Moderator, gateway: Role.Gateway, user: Role.User }[kind];
    return t.factories.subscriber({ role, ...options });
  }

  async function profile(id: number): Promise<{ role: string; permissions: string[]; balance_seconds: string; email: string } | undefined> {
    const rows = await t.dataSource.query(
      'SELECT p.role, p.permissions, p.balance_seconds, u.email FROM aaa_profiles p JOIN users u ON u.id = p.user_id WHERE p.user_id = $1',
      [id],
    );
    return rows[0];
  }

  const newSubscriberBody = () => ({
    username: uniqueUsername('new'),
    // The callers' own organization (the factories' default): nobody but staff creates into another one.
    organization: 'acme_corp',
    email: 'new@example.com',
    role: 'user',
    balance_seconds: 60,
  });

  describe('the role matrix', () => {
    const matrix: Record<string, Record<Caller, number>> = {
      list: { staff: 200, admin: 200, moderator: 200, gateway: 200, user: 403 },
      retrieveOther: { staff: 200, admin: 200, moderator: 200, gateway: 200, user: 404 },
      retrieveOwn: { staff: 200, admin: 200, moderator: 200, gateway: 200, user: 200 },
      create: { staff: 201, admin: 201, moderator: 403, gateway: 403, user: 403 },
      patchBalance: { staff: 200, admin: 200, moderator: 200, gateway: 403, user: 403 },
      patchRole: { staff: 200, admin: 200, moderator: 403, gateway: 403, user: 403 },
      deleteOther: { staff: 204, admin: 204, moderator: 403, gateway: 403, user: 404 },
    };

    it.each(CALLERS)('list as %s', async (kind) => {
      const me = await caller(kind);
      await t.api().get(PATH).set(bearer(me.token)).expect(matrix.list![kind]);
    });

    it.each(CALLERS)("retrieve another subscriber's record as %s", async (kind) => {
      const me = await caller(kind);
      const other = await t.factories.subscriber();
      await t.api().get(`${PATH}${other.id}/?balance=true`).set(bearer(me.token)).expect(matrix.retrieveOther![kind]);
    });

    it.each(CALLERS)('retrieve its own record with the balance as %s', async (kind) => {
      const me = await caller(kind, { balanceSeconds: 77 });
      const response = await t.api().get(`${PATH}${me.id}/?balance=true`).set(bearer(me.token)).expect(matrix.retrieveOwn![kind]);
      expect(response.body.balance_seconds).toBe(77);
    });

    it.each(CALLERS)('create as %s', async (kind) => {
      const me = await caller(kind);
      const body = newSubscriberBody();
      const status = matrix.create![kind];
      const response = await t.api().post(PATH).set(bearer(me.token)).send(body).expect(status);
      const rows: unknown[] = await t.dataSource.query('SELECT 1 FROM users WHERE username = $1', [body.username]);
      expect(rows).toHaveLength(status === 201 ? 1 : 0);
      if (status === 403) expect(response.body).toEqual(FORBIDDEN);
    });

    it.each(CALLERS)('patch the balance as %s (a plain subscriber: its own record)', async (kind) => {
      const me = await caller(kind);
      const target = kind === 'user' ? me : await t.factories.subscriber({ balanceSeconds: 10 });
      const status = matrix.patchBalance![kind];
      await t.api().patch(`${PATH}${target.id}/`).set(bearer(me.token)).send({ balance_seconds: 3600 }).expect(status);
      expect((await profile(target.id))!.balance_seconds).toBe(status === 200 ? '3600' : kind === 'user' ? '0' : '10');
    });

    it.each(CALLERS)('patch the role as %s (a plain subscriber: its own record)', async (kind) => {
      const me = await caller(kind);
      const target = kind === 'user' ? me : await t.factories.subscriber();
      const status = matrix.patchRole![kind];
      const response = await t.api().patch(`${PATH}${target.id}/`).set(bearer(me.token)).send({ role: 'moderator' }).expect(status);
      expect((await profile(target.id))!.role).toBe(status === 200 ? 'moderator' : 'user');
      if (status === 403) expect(response.body).toEqual(FORBIDDEN);
    });

    it.each(CALLERS)('delete another subscriber as %s', async (kind) => {
      const me = await caller(kind);
      const other = await t.factories.subscriber();
      const status = matrix.deleteOther![kind];
      await t.api().delete(`${PATH}${other.id}/`).set(bearer(me.token)).expect(status);
      expect(await profile(other.id)).toEqual(status === 204 ? undefined : expect.objectContaining({ role: 'user' }));
    });
  });

  describe('a plain subscriber', () => {
    it('may not change its own record in any way, and nothing is written', async () => {
      const me = await caller('user', { balanceSeconds: 5 });
      const before = await profile(me.id);
      for (const body of [{ role: 'admin' }, { balance_seconds: 999999 }, { email: 'me@example.com' }, { permissions: ['subscribers:write'] }, {}]) {
        const response = await t.api().patch(`${PATH}${me.id}/`).set(bearer(me.token)).send(body).expect(403);
        expect(response.body).toEqual(FORBIDDEN);
      }
      await t.api()
        .put(`${PATH}${me.id}/`)
        .set(bearer(me.token))
        .send({ username: me.username, organization: me.organization, email: me.email, role: 'user', balance_seconds: 5 })
        .expect(403);
      await t.api().delete(`${PATH}${me.id}/`).set(bearer(me.token)).expect(403);
      expect(await profile(me.id)).toEqual(before);
    });

    it("gets 404 for any write to another subscriber's record", async () => {
      const me = await caller('user');
      const other = await t.factories.subscriber();
      await t.api().patch(`${PATH}${other.id}/`).set(bearer(me.token)).send({ balance_seconds: 1 }).expect(404);
      await t.api().put(`${PATH}${other.id}/`).set(bearer(me.token)).send({ ...newSubscriberBody(), username: other.username }).expect(404);
      await t.api().delete(`${PATH}${other.id}/`).set(bearer(me.token)).expect(404);
    });
  });

  describe('field-level rules', () => {
    it('lets a moderator change only the balance; setting a field to its current value is no change', async () => {
      const moderator = await caller('moderator');
      const target = await t.factories.subscriber({ organization: 'acme_corp', permissions: ['read'], balanceSeconds: 10, tokenLifetime: 3600 });
      const url = `${PATH}${target.id}/`;
      await t.api().patch(url).set(bearer(moderator.token)).send({ role: 'user', organization: 'acme_corp', balance_seconds: 20 }).expect(200);
      expect((await profile(target.id))!.balance_seconds).toBe('20');

      const sameAsStored = { username: target.username, organization: 'acme_corp', email: target.email, role: 'user', permissions: ['read'], token_lifetime: 3600 };
      await t.api().put(url).set(bearer(moderator.token)).send({ ...sameAsStored, balance_seconds: 30 }).expect(200);
      expect((await profile(target.id))!.balance_seconds).toBe('30');

      // PUT without permissions resets them to [], which is a change needing subscribers:write.
      const { permissions: _omitted, ...withoutPermissions } = sameAsStored;
      await t.api().put(url).set(bearer(moderator.token)).send({ ...withoutPermissions, balance_seconds: 40 }).expect(403);
      await t.api().patch(url).set(bearer(moderator.token)).send({ email: 'changed@example.com' }).expect(403);
      await t.api().patch(url).set(bearer(moderator.token)).send({ password: 'a new password' }).expect(403);
      expect(await profile(target.id)).toMatchObject({ balance_seconds: '30', permissions: ['read'], email: target.email });
    });

    it('lets a subscriber with only subscribers:write change fields but not the balance', async () => {
      const writer = await caller('user', { permissions: ['subscribers:read', 'subscribers:write'] });
      const target = await t.factories.subscriber({ balanceSeconds: 10 });
      await t.api().patch(`${PATH}${target.id}/`).set(bearer(writer.token)).send({ email: 'writer@example.com' }).expect(200);
      await t.api().patch(`${PATH}${target.id}/`).set(bearer(writer.token)).send({ balance_seconds: 10 }).expect(200);
      await t.api().patch(`${PATH}${target.id}/`).set(bearer(writer.token)).send({ balance_seconds: 11 }).expect(403);
      expect((await profile(target.id))!.balance_seconds).toBe('10');
      // …and may create subscribers only without a starting balance.
      await t.api().post(PATH).set(bearer(writer.token)).send(newSubscriberBody()).expect(403);
      await t.api().post(PATH).set(bearer(writer.token)).send({ ...newSubscriberBody(), balance_seconds: 0 }).expect(201);
    });
  });

  describe('anti-escalation', () => {
    it('lets an admin assign only roles and capability permissions it holds itself', async () => {
      const admin = await caller('admin');
      const target = await t.factories.subscriber();
      const url = `${PATH}${target.id}/`;
      for (const body of [{ role: 'gateway' }, { permissions: ['users:manage'] }, { permissions: ['read', 'accounting:write'] }]) {
        const response = await t.api().patch(url).set(bearer(admin.token)).send(body).expect(403);
        expect(response.body).toEqual(FORBIDDEN);
      }
      expect(await profile(target.id)).toMatchObject({ role: 'user', permissions: [] });

      await t.api().patch(url).set(bearer(admin.token)).send({ role: 'admin', permissions: ['read', 'balances:write'] }).expect(200);
      expect(await profile(target.id)).toMatchObject({ role: 'admin', permissions: ['read', 'balances:write'] });

      for (const body of [{ role: 'gateway' }, { permissions: ['users:manage'] }]) {
        await t.api().post(PATH).set(bearer(admin.token)).send({ ...newSubscriberBody(), ...body }).expect(403);
      }
    });

    it('lets staff assign any role or permission', async () => {
      const staff = await caller('staff');
      const target = await t.factories.subscriber();
      await t.api().patch(`${PATH}${target.id}/`).set(bearer(staff.token)).send({ role: 'gateway', permissions: ['users:manage'] }).expect(200);
      expect(await profile(target.id)).toMatchObject({ role: 'gateway', permissions: ['users:manage'] });
    });

    it('keeps an existing capability permission when the caller does not change it', async () => {
      const admin = await caller('admin');
      const target = await t.factories.subscriber({ permissions: ['users:manage'] });
      await t.api().patch(`${PATH}${target.id}/`).set(bearer(admin.token)).send({ permissions: ['users:manage'], email: 'same@example.com' }).expect(200);
      // Removing a permission is not granting one.
      await t.api().patch(`${PATH}${target.id}/`).set(bearer(admin.token)).send({ permissions: [] }).expect(200);
    });

    it('does not let an admin set the password of an account that can do more than the admin', async () => {
      const admin = await caller('admin');
      const gateway = await caller('gateway');
      await t.api().patch(`${PATH}${gateway.id}/`).set(bearer(admin.token)).send({ password: 'take over 123' }).expect(403);
      const plain = await t.factories.subscriber();
      await t.api().patch(`${PATH}${plain.id}/`).set(bearer(admin.token)).send({ password: 'new password 123' }).expect(200);
    });

    it("protects staff records from non-staff callers, not from staff", async () => {
      const admin = await caller('admin');
      const staffTarget = await t.factories.staff();
      const url = `${PATH}${staffTarget.id}/`;
      await t.api().get(url).set(bearer(admin.token)).expect(200);
      await t.api().patch(url).set(bearer(admin.token)).send({ email: 'hijack@example.com' }).expect(403);
      await t.api().patch(url).set(bearer(admin.token)).send({ balance_seconds: 1 }).expect(403);
      await t.api().delete(url).set(bearer(admin.token)).expect(403);
      expect(await profile(staffTarget.id)).toMatchObject({ email: staffTarget.email });

      const staff = await caller('staff');
      await t.api().patch(url).set(bearer(staff.token)).send({ email: 'ok@example.com' }).expect(200);
      await t.api().delete(url).set(bearer(staff.token)).expect(204);
    });
  });
});
