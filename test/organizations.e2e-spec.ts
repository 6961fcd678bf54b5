import { Role } from '../src/auth/policy.js';
import { Gateway, ledgerOf, sessionIdentity, sessionsOf, storedBalance } from './support/accounting.js';
import { uniqueUsername, type CreatedSubscriber } from './support/factories.js';
import { counterValue, radclient, radiusPorts, radiusTestConfig, requireRadclient } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const ORG_A = 'org_alpha';
const ORG_B = 'org_beta';
const PASSWORD = 'correct horse battery';
const SECRET = 'organizations-e2e-secret';
/** radclient computes it (the NAS client requires one on Access-Requests). */
const SIGNED = { 'Message-Authenticator': '0x00' };
const USER_TOKEN = '/api/v1/user_token/';

const token = (caller: CreatedSubscriber) => ({ Authorization: `Token ${caller.token}` });

/**
 * Organizations are tenants (src/auth/organization-scope.ts): admins, moderators, gateways and NAS
 * clients of one organization see and act only on its subscribers, sessions, ledger rows, tokens and
 * NAS clients; staff see all. The role matrix has the other-organization cell of every route; these
 * are the behaviours behind those cells.
 */
describe('organizations are tenants', () => {
  let t: TestApp;
  let staff: CreatedSubscriber;

  beforeAll(async () => {
    requireRadclient();
    t = await createTestApp(radiusTestConfig());
    staff = await t.factories.staff();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Everything about a subscriber a cross-tenant request could change. */
  async function snapshot(userId: number) {
    const [row] = await t.dataSource.query(
      `SELECT u.username, u.email, u.first_name, u.updated_at, p.organization, p.role, p.balance_seconds, p.updated_at AS profile_updated_at, k.key_hash
         FROM users u JOIN aaa_profiles p ON p.user_id = u.id LEFT JOIN auth_tokens k ON k.user_id = u.id WHERE u.id = $1`,
      [userId],
    );
    return { ...row, ledger: await ledgerOf(t, userId), sessions: await sessionsOf(t, row.username) };
  }

  async function rejectedFor(username: string): Promise<{ source: string; source_detail: string; reason: string }[]> {
    return t.dataSource.query(
      `SELECT source, source_detail, reason FROM accounting_rejected WHERE body->>'User-Name' = $1 OR body->'User-Name'->'value'->>0 = $1 ORDER BY id`,
      [username],
    );
  }

  describe('user_token', () => {
    it("keeps the seed's organization filter inside the caller's scope; staff filter across all", async () => {
      const a1 = await t.factories.subscriber({ organization: ORG_A });
      const a2 = await t.factories.subscriber({ organization: ORG_A });
      const b = await t.factories.subscriber({ organization: ORG_B });
      const adminA = await t.factories.subscriber({ role: Role.Admin, organization: ORG_A });

      const own = await t.api().get(`${USER_TOKEN}?limit=1000`).set(token(adminA)).expect(200);
      expect(new Set(own.body.results.map((r: { organization: string }) => r.organization))).toEqual(new Set([ORG_A]));
      expect(own.body.count).toBe(own.body.results.length);
      expect(own.body.results.map((r: { username: string }) => r.username)).toEqual(expect.arrayContaining([a1.username, a2.username, adminA.username]));

      const filtered = await t.api().get(`${USER_TOKEN}?organization=${ORG_A}&username=${a2.username}`).set(token(adminA)).expect(200);
      expect(filtered.body.results.map((r: { id: number }) => r.id)).toEqual([a2.id]);
      // Another organization's filter, or its subscriber's username: an empty page, not an error.
      for (const query of [`organization=${ORG_B}`, `username=${b.username}`, `organization=${ORG_B}&username=${b.username}`]) {
        const other = await t.api().get(`${USER_TOKEN}?${query}`).set(token(adminA)).expect(200);
        expect(other.body).toEqual({ count: 0, next: null, previous: null, results: [] });
      }
      const byStaff = await t.api().get(`${USER_TOKEN}?organization=${ORG_B}&username=${b.username}`).set(token(staff)).expect(200);
      expect(byStaff.body.results.map((r: { id: number }) => r.id)).toEqual([b.id]);
    });

    it("an empty organization is a tenant of its own, never 'every organization'", async () => {
      const moderator = await t.factories.subscriber({ role: Role.Moderator, organization: '' });
      const unassigned = await t.factories.subscriber({ organization: '' });
      const inA = await t.factories.subscriber({ organization: ORG_A });
      const list = await t.api().get(`${USER_TOKEN}?limit=1000`).set(token(moderator)).expect(200);
      expect(new Set(list.body.results.map((r: { organization: string }) => r.organization))).toEqual(new Set(['']));
      expect(list.body.results.map((r: { id: number }) => r.id)).toContain(unassigned.id);
      await t.api().get(`${USER_TOKEN}${inA.id}/`).set(token(moderator)).expect(404);
      await t.api().get(`${USER_TOKEN}${unassigned.id}/`).set(token(moderator)).expect(200);
      expect((await t.api().get(`${USER_TOKEN}?organization=${ORG_A}`).set(token(moderator)).expect(200)).body.count).toBe(0);
    });

    it('another organization\'s subscriber answers 404 to every item route and is left exactly as it was', async () => {
      const adminA = await t.factories.subscriber({ role: Role.Admin, organization: ORG_A });
      const moderatorA = await t.factories.subscriber({ role: Role.Moderator, organization: ORG_A });
      const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 600 });
      const before = await snapshot(b.id);
      const url = `${USER_TOKEN}${b.id}/`;
      const unknown = `${USER_TOKEN}999999999/`;
      for (const caller of [adminA, moderatorA]) {
        for (const path of [url, unknown]) {
          expect((await t.api().get(path).set(token(caller))).body).toEqual({ detail: 'Not found.' });
          expect((await t.api().patch(path).set(token(caller)).send({ balance_seconds: 7200 })).status).toBe(404);
          expect((await t.api().delete(path).set(token(caller))).status).toBe(404);
        }
      }
      await t.api().put(url).set(token(adminA)).send({ username: b.username, organization: ORG_A, email: b.email, role: 'user', balance_seconds: 0 }).expect(404);
      expect(await snapshot(b.id)).toEqual(before);
    });

    it('a non-staff caller cannot create or move a subscriber into another organization (400 naming the field); staff can', async () => {
      const adminA = await t.factories.subscriber({ role: Role.Admin, organization: ORG_A });
      const a = await t.factories.subscriber({ organization: ORG_A, balanceSeconds: 60 });
      const username = uniqueUsername('made');
      const created = await t.api().post(USER_TOKEN).set(token(adminA))
        .send({ username, organization: ORG_B, email: 'made@example.com', role: 'user', balance_seconds: 0 }).expect(400);
      expect(created.body).toEqual({ organization: ['You may only use your own organization.'] });
      expect(await t.dataSource.query('SELECT 1 FROM users WHERE username = $1', [username])).toHaveLength(0);

      const before = await snapshot(a.id);
      for (const [method, body] of [
        ['patch', { organization: ORG_B }],
        ['put', { username: a.username, organization: ORG_B, email: a.email, role: 'user', balance_seconds: 60 }],
      ] as const) {
        const moved = await t.api()[method](`${USER_TOKEN}${a.id}/`).set(token(adminA)).send(body).expect(400);
        expect(moved.body).toEqual({ organization: ['You may only use your own organization.'] });
      }
      expect(await snapshot(a.id)).toEqual(before);
      // Its own organization, restated: no change, no refusal.
      await t.api().patch(`${USER_TOKEN}${a.id}/`).set(token(adminA)).send({ organization: ORG_A, first_name: 'Kept' }).expect(200);

      await t.api().patch(`${USER_TOKEN}${a.id}/`).set(token(staff)).send({ organization: ORG_B }).expect(200);
      await t.api().get(`${USER_TOKEN}${a.id}/`).set(token(adminA)).expect(404);
      await t.api().post(USER_TOKEN).set(token(staff)).send({ username, organization: ORG_B, email: 'made@example.com', role: 'user', balance_seconds: 0 }).expect(201);
    });
  });

  describe('sessions, ledger and tokens', () => {
    it('support sees the sessions and ledger rows of its organization only; staff see all', async () => {
      const gatewayA = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway, organization: ORG_A })).token);
      const gatewayB = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway, organization: ORG_B })).token);
      const a = await t.factories.subscriber({ organization: ORG_A, balanceSeconds: 600 });
      const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 600 });
      await gatewayA.start(sessionIdentity(a.username));
      await gatewayB.start(sessionIdentity(b.username));
      for (const subscriber of [a, b]) {
        await t.api().patch(`${USER_TOKEN}${subscriber.id}/`).set(token(staff)).send({ balance_seconds: 900 }).expect(200);
      }
      const [bSession] = await t.dataSource.query('SELECT id::text AS id FROM accounting_sessions WHERE username = $1', [b.username]);
      const moderatorA = await t.factories.subscriber({ role: Role.Moderator, organization: ORG_A });

      for (const list of ['/api/v1/accounting/sessions/', '/api/v1/accounting/ledger/']) {
        const mine = await t.api().get(`${list}?limit=1000`).set(token(moderatorA)).expect(200);
        const usernames = mine.body.results.map((r: { username: string }) => r.username);
        expect(usernames).toContain(a.username);
        expect(usernames).not.toContain(b.username);
        expect(mine.body.count).toBe(mine.body.results.length);
        expect((await t.api().get(`${list}?username=${b.username}`).set(token(moderatorA)).expect(200)).body.count).toBe(0);
        expect((await t.api().get(`${list}?username=${b.username}`).set(token(staff)).expect(200)).body.count).toBe(1);
      }
      await t.api().get(`/api/v1/accounting/sessions/${bSession.id}/`).set(token(moderatorA)).expect(404);
      await t.api().get(`/api/v1/accounting/sessions/${bSession.id}/`).set(token(staff)).expect(200);
    });

    it("a token manager of one organization can neither read nor revoke another organization's token", async () => {
      const adminA = await t.factories.subscriber({ role: Role.Admin, organization: ORG_A });
      const b = await t.factories.subscriber({ organization: ORG_B });
      await t.api().get(`/api/auth-tokens/${b.id}/`).set(token(adminA)).expect(404);
      await t.api().delete(`/api/auth-tokens/${b.id}/`).set(token(adminA)).expect(404);
      await t.api().get('/api/users/me/').set(token(b)).expect(200);
    });
  });

  describe('accounts (/api/users/)', () => {
    it('a non-staff holder of users:manage lists, reads, changes and deletes accounts of its organization only, and creates into it', async () => {
      const managerA = await t.factories.subscriber({ role: Role.Admin, organization: ORG_A, permissions: ['users:manage'] });
      const a = await t.factories.subscriber({ organization: ORG_A });
      const b = await t.factories.subscriber({ organization: ORG_B });
      const before = await snapshot(b.id);
      const listed = await t.api().get('/api/users/?page_size=300').set(token(managerA)).expect(200);
      const usernames = listed.body.map((u: { username: string }) => u.username);
      expect(usernames).toEqual(expect.arrayContaining([a.username, managerA.username]));
      expect(usernames).not.toContain(b.username);
      expect(Number(listed.headers['x-result-count'])).toBe(listed.body.length);
      expect((await t.api().get(`/api/users/?username=${b.username}`).set(token(managerA)).expect(200)).body).toEqual([]);
      await t.api().get(`/api/users/${b.uuid}/`).set(token(managerA)).expect(404);
      await t.api().patch(`/api/users/${b.uuid}/`).set(token(managerA)).send({ first_name: 'Renamed' }).expect(404);
      await t.api().delete(`/api/users/${b.uuid}/`).set(token(managerA)).expect(404);
      expect(await snapshot(b.id)).toEqual(before);
      await t.api().patch(`/api/users/${a.uuid}/`).set(token(managerA)).send({ first_name: 'Renamed' }).expect(200);
      const made = await t.api().post('/api/users/').set(token(managerA)).send({ username: uniqueUsername('made') }).expect(201);
      await t.api().get(`${USER_TOKEN}?username=${made.body.username}`).set(token(managerA)).expect(200)
        .then((page) => expect(page.body.results.map((r: { organization: string }) => r.organization)).toEqual([ORG_A]));
    });
  });

  describe('a gateway of another organization (HTTP)', () => {
    let gatewayA: CreatedSubscriber;
    let gatewayB: CreatedSubscriber;
    beforeAll(async () => {
      gatewayA = await t.factories.subscriber({ role: Role.Gateway, organization: ORG_A });
      gatewayB = await t.factories.subscriber({ role: Role.Gateway, organization: ORG_B });
    });

    it('has its accounting records for that subscriber quarantined as other_organization: recorded, charging nobody, counted', async () => {
      const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 600 });
      const before = await snapshot(b.id);
      const counted = await counterValue('timegate_accounting_rejected_total', { source: 'http', reason: 'other_organization', stored: 'true' });
      const intruder = new Gateway(t, gatewayA.token);
      const id = sessionIdentity(b.username);
      t.clock.advanceSeconds(5);
      expect(await intruder.start(id)).toEqual({ result: 'quarantined' });
      expect(await intruder.interim(id, 100)).toEqual({ result: 'quarantined' });
      expect(await intruder.stop(id, 300)).toEqual({ result: 'quarantined' });
      // rlm_rest's accounting call: the same, answered 204 (recorded) so FreeRADIUS does not retry.
      await t.api().post('/api/v1/freeradius/accounting/').set(token(gatewayA)).send({
        'Acct-Status-Type': { type: 'integer', value: ['Stop'] },
        'User-Name': { type: 'string', value: [b.username] },
        'Acct-Session-Id': { type: 'string', value: [id['Acct-Session-Id']] },
        'NAS-Identifier': { type: 'string', value: [id['NAS-Identifier']] },
        'Acct-Session-Time': { type: 'integer', value: [400] },
      }).expect(204);
      // 30 at once: every one kept, none applied.
      const raced = await Promise.all(Array.from({ length: 30 }, () => intruder.start(sessionIdentity(b.username))));
      expect(new Set(raced.map((answer) => answer.result))).toEqual(new Set(['quarantined']));

      expect(await snapshot(b.id)).toEqual(before);
      expect(await storedBalance(t, b.id)).toBe(600);
      const kept = await rejectedFor(b.username);
      expect(kept).toHaveLength(34);
      for (const row of kept) {
        expect(row).toEqual({ source: 'http', source_detail: gatewayA.username, reason: expect.stringMatching(/^other_organization: /) });
      }
      expect(await counterValue('timegate_accounting_rejected_total', { source: 'http', reason: 'other_organization', stored: 'true' })).toBe(counted + 34);
      const listed = await t.api().get('/api/v1/accounting/rejected/?limit=1').set(token(staff)).expect(200);
      expect(listed.body.results[0].reason).toMatch(/^other_organization: /);
    });

    it("cannot reach another organization's session by naming its Acct-Unique-Session-Id, nor close it with Accounting-On", async () => {
      const a = await t.factories.subscriber({ organization: ORG_A, balanceSeconds: 600 });
      const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 600 });
      const owner = new Gateway(t, gatewayB.token);
      const id = sessionIdentity(b.username, 'shared-nas');
      const started = await owner.start(id);
      t.clock.advanceSeconds(120);
      const intruder = new Gateway(t, gatewayA.token);
      const hijack = { ...sessionIdentity(a.username, 'shared-nas'), 'Acct-Unique-Session-Id': started.acct_unique_id };
      expect(await intruder.stop(hijack, 100)).toEqual({ result: 'quarantined' });
      expect(await intruder.send({ 'Acct-Status-Type': 'Accounting-On', 'NAS-Identifier': 'shared-nas' })).toEqual({ result: 'nas_reboot', sessions_closed: 0 });
      expect((await sessionsOf(t, b.username)).map((s) => s.status)).toEqual(['open']);
      expect(await storedBalance(t, b.id)).toBe(600);
      expect(await owner.stop(id, 120)).toMatchObject({ result: 'stopped' });
      expect(await storedBalance(t, b.id)).toBe(480);
    });

    it('staff can replay a quarantined record once they know whose it is: it is applied then', async () => {
      const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 600 });
      await new Gateway(t, gatewayA.token).start(sessionIdentity(b.username));
      const [row] = await t.dataSource.query(`SELECT id::text AS id FROM accounting_rejected WHERE body->>'User-Name' = $1`, [b.username]);
      const replayed = await t.api().post(`/api/v1/accounting/rejected/${row.id}/replay/`).set(token(staff)).expect(200);
      expect(replayed.body.replayed_at).not.toBeNull();
      expect((await sessionsOf(t, b.username)).map((s) => s.status)).toEqual(['open']);
    });

    it('gets the unknown-user answer from authorize (HTTP and rlm_rest), whatever credential it presents', async () => {
      const authorize = async (gateway: CreatedSubscriber, body: Record<string, string>) =>
        (await t.api().post('/api/v1/authorize/').set(token(gateway)).send(body).expect(200)).body;
      for (const credential of ['none', 'password', 'token'] as const) {
        const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 600, password: PASSWORD });
        const given: Record<string, string> = credential === 'none' ? {} : credential === 'password' ? { password: PASSWORD } : { token: b.token };
        const other = await authorize(gatewayA, { username: b.username, ...given });
        const unknown = await authorize(gatewayA, { username: uniqueUsername('nobody'), ...given });
        expect({ ...other, username: 'x' }).toEqual({ ...unknown, username: 'x' });
        expect(other).toMatchObject({ result: 'reject', reason: 'invalid_credentials' });
        expect(await authorize(gatewayB, { username: b.username, ...given })).toMatchObject({ result: 'accept', session_timeout: 600 });
      }

      for (const path of ['authorize', 'authenticate']) {
        const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 600, password: PASSWORD });
        const rest = (username: string, gateway: CreatedSubscriber) =>
          t.api().post(`/api/v1/freeradius/${path}/`).set(token(gateway))
            .send({ 'User-Name': { type: 'string', value: [username] }, 'User-Password': { type: 'string', value: [PASSWORD] } });
        const other = await rest(b.username, gatewayA);
        const unknown = await rest(uniqueUsername('nobody'), gatewayA);
        expect(other.status).toBe(401);
        expect([other.status, other.body]).toEqual([unknown.status, unknown.body]);
        expect((await rest(b.username, gatewayB)).status).toBe(200);
      }
    });
  });

  describe('a NAS client of an organization (radclient)', () => {
    let nasId: number;
    let ports: { auth: number; acct: number };
    beforeAll(async () => {
      ports = radiusPorts(t);
      const created = await t.api().post('/api/v1/nas/').set(token(staff)).send({ name: 'org-nas', ip_address: '127.0.0.1', secret: SECRET, organization: ORG_A }).expect(201);
      nasId = created.body.id;
    });

    it("rejects another organization's subscriber exactly as an unknown user, and accepts its own", async () => {
      const a = await t.factories.subscriber({ organization: ORG_A, balanceSeconds: 300, password: PASSWORD });
      const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 300, password: PASSWORD });
      const access = (username: string) => radclient(ports.auth, 'auth', SECRET, { 'User-Name': username, 'User-Password': PASSWORD, 'NAS-IP-Address': '127.0.0.1', ...SIGNED });
      const other = await access(b.username);
      const unknown = await access(uniqueUsername('nobody'));
      expect(other.reply).toBe('Access-Reject');
      // The same answer; only the Message-Authenticator (an HMAC of each packet) differs.
      const { 'Message-Authenticator': _otherMac, ...otherAnswer } = other.attributes;
      const { 'Message-Authenticator': _unknownMac, ...unknownAnswer } = unknown.attributes;
      expect([other.reply, otherAnswer]).toEqual([unknown.reply, unknownAnswer]);
      expect(other.attributes['Reply-Message']).toBe('Invalid username, password or token.');
      const own = await access(a.username);
      expect(own.reply).toBe('Access-Accept');
      expect(own.attributes['Session-Timeout']).toBe('300');
    });

    it("answers another organization's accounting (so the NAS stops retransmitting), quarantines it and charges nobody", async () => {
      const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 300 });
      const before = await snapshot(b.id);
      const counted = await counterValue('timegate_accounting_rejected_total', { source: 'radius', reason: 'other_organization', stored: 'true' });
      const id = { 'User-Name': b.username, 'Acct-Session-Id': 'org-radius-1', 'NAS-IP-Address': '127.0.0.1' };
      for (const record of [{ 'Acct-Status-Type': 'Start' }, { 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': 200 }] as Record<string, string | number>[]) {
        const reply = await radclient(ports.acct, 'acct', SECRET, { ...id, ...record });
        expect(reply.reply).toBe('Accounting-Response');
      }
      expect(await snapshot(b.id)).toEqual(before);
      const kept = await rejectedFor(b.username);
      expect(kept).toEqual([
        { source: 'radius', source_detail: 'org-nas (127.0.0.1/32)', reason: expect.stringMatching(/^other_organization: /) },
        { source: 'radius', source_detail: 'org-nas (127.0.0.1/32)', reason: expect.stringMatching(/^other_organization: /) },
      ]);
      expect(await counterValue('timegate_accounting_rejected_total', { source: 'radius', reason: 'other_organization', stored: 'true' })).toBe(counted + 2);
    });

    it('serves every organization once staff make it shared (organization null)', async () => {
      const b = await t.factories.subscriber({ organization: ORG_B, balanceSeconds: 300, password: PASSWORD });
      await t.api().patch(`/api/v1/nas/${nasId}/`).set(token(staff)).send({ organization: null }).expect(200);
      try {
        const reply = await radclient(ports.auth, 'auth', SECRET, { 'User-Name': b.username, 'User-Password': PASSWORD, 'NAS-IP-Address': '127.0.0.1', ...SIGNED });
        expect(reply.reply).toBe('Access-Accept');
      } finally {
        await t.api().patch(`/api/v1/nas/${nasId}/`).set(token(staff)).send({ organization: ORG_A }).expect(200);
      }
    });
  });

  describe('NAS clients belong to an organization', () => {
    it("a nas:manage holder of one organization creates in its own, and sees and changes only its own", async () => {
      const managerA = await t.factories.subscriber({ role: Role.Admin, organization: ORG_A, permissions: ['nas:manage'] });
      const nas = (name: string, ip: string, extra: Record<string, unknown> = {}) => ({ name, ip_address: ip, secret: 'a-long-random-shared-secret', ...extra });
      const own = await t.api().post('/api/v1/nas/').set(token(managerA)).send(nas('nas-a', '192.0.2.1')).expect(201);
      expect(own.body.organization).toBe(ORG_A);
      for (const organization of [ORG_B, null, '']) {
        const refused = await t.api().post('/api/v1/nas/').set(token(managerA)).send(nas('nas-x', '192.0.2.9', { organization })).expect(400);
        expect(refused.body).toEqual({ organization: ['You may only use your own organization.'] });
      }
      const theirs = await t.api().post('/api/v1/nas/').set(token(staff)).send(nas('nas-b', '192.0.2.2', { organization: ORG_B })).expect(201);
      const shared = await t.api().post('/api/v1/nas/').set(token(staff)).send(nas('nas-shared', '192.0.2.3')).expect(201);
      expect(shared.body.organization).toBeNull();

      const listed = await t.api().get('/api/v1/nas/?limit=1000').set(token(managerA)).expect(200);
      expect(listed.body.results.map((n: { name: string }) => n.name)).toContain('nas-a');
      expect(new Set(listed.body.results.map((n: { organization: string | null }) => n.organization))).toEqual(new Set([ORG_A]));
      expect(listed.body.count).toBe(listed.body.results.length);
      for (const id of [theirs.body.id, shared.body.id]) {
        await t.api().get(`/api/v1/nas/${id}/`).set(token(managerA)).expect(404);
        await t.api().patch(`/api/v1/nas/${id}/`).set(token(managerA)).send({ coa_port: 1700 }).expect(404);
        await t.api().delete(`/api/v1/nas/${id}/`).set(token(managerA)).expect(404);
      }
      await t.api().patch(`/api/v1/nas/${own.body.id}/`).set(token(managerA)).send({ organization: ORG_B }).expect(400);
      await t.api().patch(`/api/v1/nas/${own.body.id}/`).set(token(managerA)).send({ coa_port: 1700 }).expect(200);
      const all = await t.api().get('/api/v1/nas/?limit=1000').set(token(staff)).expect(200);
      expect(all.body.results.map((n: { name: string }) => n.name)).toEqual(expect.arrayContaining(['nas-a', 'nas-b', 'nas-shared']));
    });

    it("takes the linked gateway account's organization by default, and refuses a gateway of another organization", async () => {
      const gatewayB = await t.factories.subscriber({ role: Role.Gateway, organization: ORG_B });
      const linked = await t.api().post('/api/v1/nas/').set(token(staff))
        .send({ name: 'nas-linked', ip_address: '192.0.2.4', secret: 'a-long-random-shared-secret', gateway_user_id: gatewayB.id }).expect(201);
      expect(linked.body.organization).toBe(ORG_B);
      const mismatch = await t.api().post('/api/v1/nas/').set(token(staff))
        .send({ name: 'nas-mismatch', ip_address: '192.0.2.5', secret: 'a-long-random-shared-secret', gateway_user_id: gatewayB.id, organization: ORG_A })
        .expect(400);
      expect(mismatch.body).toEqual({ gateway_user_id: ["The gateway account is of another organization than the NAS client's."] });
      await t.api().patch(`/api/v1/nas/${linked.body.id}/`).set(token(staff)).send({ organization: ORG_A }).expect(400);
    });
  });
});
