import radius from 'radius';
import { Role } from '../src/auth/policy.js';
import { loadConfig } from '../src/config/app-config.js';
import { RadiusServer } from '../src/radius/radius-server.js';
import type { CreatedSubscriber } from './support/factories.js';
import { runCli } from './support/cli.js';
import { radiusPorts, radiusTestConfig, UdpPeer } from './support/radius.js';
import { createTestApp, type TestApp } from './support/test-app.js';


let sequence = 0;
const LONG = 'a-long-shared-secret-0123';
const EVERY_ADDRESS = "A network of every address (prefix length 0) is not allowed: give the NAS's address or its network.";
const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(sequence += 1)}`;

/** /api/v1/nas/ (staff): DRF-style CRUD of the RADIUS NAS clients; the secret is write-only. And the nas:* CLI commands. */
describe('NAS clients (/api/v1/nas/ and nas:* commands)', () => {
  let t: TestApp;
  let staff: CreatedSubscriber;
  let admin: CreatedSubscriber;

  beforeAll(async () => {
    t = await createTestApp(radiusTestConfig());
    staff = await t.factories.staff();
    admin = await t.factories.subscriber({ role: Role.Admin });
  });
  afterAll(async () => {
    await t?.close();
  });

  const as = (user: CreatedSubscriber) => ({ Authorization: `Token ${user.token}` });
  const create = (body: Record<string, unknown>, user = staff) => t.api().post('/api/v1/nas/').set(as(user)).send(body);

  it('creates, lists, retrieves, updates and deletes, never showing the secret', async () => {
    const name = uniqueName('lobby');
    const created = await create({ name, ip_address: '192.0.2.10', secret: 's3cret-one-0123456789' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      name,
      ip_address: '192.0.2.10',
      coa_port: 3799,
      coa_enabled: true,
      require_message_authenticator: true,
      gateway_user_id: null,
      organization: null,
      created_at: '2030-01-01T00:00:00Z',
      updated_at: '2030-01-01T00:00:00Z',
    });
    const id = created.body.id as number;

    const list = await t.api().get('/api/v1/nas/?limit=1000').set(as(staff));
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ next: null, previous: null });
    expect(list.body.results).toContainEqual(created.body);

    expect((await t.api().get(`/api/v1/nas/${id}/`).set(as(staff))).body).toEqual(created.body);

    t.clock.advanceSeconds(60);
    const patched = await t.api().patch(`/api/v1/nas/${id}/`).set(as(staff)).send({ ip_address: '192.0.2.0/24', coa_port: 1700, secret: 'rotated-secret-0123456789' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ ip_address: '192.0.2.0/24', coa_port: 1700, updated_at: '2030-01-01T00:01:00Z' });
    const rows: { secret: string }[] = await t.dataSource.query('SELECT secret FROM nas_clients WHERE id = $1', [id]);
    expect(rows[0]!.secret).toBe('rotated-secret-0123456789');

    const replaced = await t.api().put(`/api/v1/nas/${id}/`).set(as(staff)).send({ name: `${name}-b`, ip_address: '2001:db8::1' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ name: `${name}-b`, ip_address: '2001:db8::1', coa_port: 3799 });
    expect((await t.dataSource.query('SELECT secret FROM nas_clients WHERE id = $1', [id]))[0].secret).toBe('rotated-secret-0123456789');

    for (const body of [created.body, list.body, patched.body, replaced.body]) expect(JSON.stringify(body)).not.toMatch(/secret|s3cret|rotated|enc:v1/);

    expect((await t.api().delete(`/api/v1/nas/${id}/`).set(as(staff))).status).toBe(204);
    expect((await t.api().get(`/api/v1/nas/${id}/`).set(as(staff))).status).toBe(404);
    expect((await t.api().delete(`/api/v1/nas/${id}/`).set(as(staff))).status).toBe(404);
    expect((await t.api().get('/api/v1/nas/abc/').set(as(staff))).status).toBe(404);
  });

  it('paginates with limit and offset', async () => {
    for (let i = 0; i < 3; i += 1) expect((await create({ name: uniqueName('page'), ip_address: `198.51.100.${10 + i}`, secret: 'paginate-secret-0123' })).status).toBe(201);
    const page = await t.api().get('/api/v1/nas/?limit=2&offset=1').set(as(staff));
    expect(page.status).toBe(200);
    expect(page.body.results).toHaveLength(2);
    expect(page.body.previous).toBe('http://testserver/api/v1/nas/?limit=2');
  });

  it('answers invalid input with a field map and writes nothing', async () => {
    const name = uniqueName('bad');
    const cases: [Record<string, unknown>, Record<string, string[]>][] = [
      [{}, { name: ['This field is required.'], ip_address: ['This field is required.'], secret: ['This field is required.'] }],
      [{ name, ip_address: 'gateway.example', secret: LONG }, { ip_address: ['Enter a valid IPv4 or IPv6 address, or a network in CIDR notation (e.g. 192.0.2.0/24).'] }],
      [{ name, ip_address: '10.0.0.0/33', secret: LONG }, { ip_address: ['Enter a valid IPv4 or IPv6 address, or a network in CIDR notation (e.g. 192.0.2.0/24).'] }],
      [{ name, ip_address: '10.0.0.1/8', secret: LONG }, { ip_address: ['Host bits are set to the right of the prefix: give the network address (e.g. 192.0.2.0/24).'] }],
      [{ name, ip_address: '10.0.0.1', secret: '' }, { secret: ['This field may not be blank.'] }],
      [{ name, ip_address: '10.0.0.1', secret: 'fifteen-chars-x' }, { secret: ['Ensure this field has at least 16 characters.'] }],
      [{ name, ip_address: '0.0.0.0/0', secret: LONG }, { ip_address: [EVERY_ADDRESS] }],
      [{ name, ip_address: '::/0', secret: LONG }, { ip_address: [EVERY_ADDRESS] }],
      [{ name, ip_address: '10.0.0.1', secret: LONG, require_message_authenticator: 'yes' }, { require_message_authenticator: ['Must be a valid boolean.'] }],
      [{ name, ip_address: '10.0.0.1', secret: LONG, gateway_user_id: 'gw' }, { gateway_user_id: ['A valid integer is required.'] }],
      [{ name, ip_address: '10.0.0.1', secret: LONG, gateway_user_id: admin.id }, { gateway_user_id: ['No active gateway account (role "gateway") with this id.'] }],
      [{ name, ip_address: '10.0.0.1', secret: LONG, coa_port: 70000 }, { coa_port: ['Ensure this value is less than or equal to 65535.'] }],
      [{ name, ip_address: '10.0.0.1', secret: LONG, coa_port: '3799' }, { coa_port: ['A valid integer is required.'] }],
      [{ name, ip_address: '10.0.0.1', secret: LONG, shared: true }, { shared: ['Unknown field.'] }],
    ];
    for (const [body, errors] of cases) {
      const response = await create(body);
      expect({ body, status: response.status, errors: response.body }).toEqual({ body, status: 400, errors });
    }
    expect(await t.dataSource.query('SELECT 1 FROM nas_clients WHERE name = $1', [name])).toEqual([]);

    const taken = uniqueName('taken');
    expect((await create({ name: taken, ip_address: '203.0.113.7', secret: LONG })).status).toBe(201);
    expect((await create({ name: taken, ip_address: '203.0.113.8', secret: LONG })).body).toEqual({ name: ['A NAS client with this name already exists.'] });
    expect((await create({ name: uniqueName('other'), ip_address: '203.0.113.7', secret: LONG })).body).toEqual({ ip_address: ['A NAS client with this ip_address already exists.'] });
  });

  it('is for staff only', async () => {
    expect((await t.api().get('/api/v1/nas/').set(as(admin))).status).toBe(403);
    expect((await create({ name: uniqueName('x'), ip_address: '10.9.9.9', secret: LONG }, admin)).status).toBe(403);
    expect((await t.api().get('/api/v1/nas/')).status).toBe(401);
  });

  it('does not listen unless RADIUS_ENABLED=true', async () => {
    const off = await createTestApp({}, { databaseUrl: t.databaseUrl, clock: t.clock });
    try {
      expect(off.app.get(RadiusServer).port('auth')).toBeUndefined();
      expect(radiusPorts(t).auth).toBeGreaterThan(0);
    } finally {
      await off.close();
    }
  });

  it('nas:add, nas:list and nas:remove (the CLI never opens the RADIUS ports)', async () => {
    const ports = radiusPorts(t);
    const env = { DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'warn', RADIUS_ENABLED: 'true', RADIUS_AUTH_PORT: String(ports.auth), RADIUS_ACCT_PORT: String(ports.acct) };
    const cli = (...args: string[]) => runCli(args, env);
    const name = uniqueName('cli');
    const added = await cli('nas:add', '--name', name, '--ip', '192.0.2.128/25', '--organization', 'lobby_corp');
    expect(added.stderr).not.toMatch(/EADDRINUSE/);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`^nas: ${name} \\(id \\d+\\) 192\\.0\\.2\\.128/25, CoA port 3799\\nsecret: \\S{32}\\n$`));
    const secret = /secret: (\S+)/.exec(added.stdout)![1];
    expect((await t.dataSource.query('SELECT secret, organization FROM nas_clients WHERE name = $1', [name]))[0]).toEqual({ secret, organization: 'lobby_corp' });

    const bad = await cli('nas:add', '--name', uniqueName('cli'), '--ip', 'nowhere', '--secret', 'x');
    expect(bad.stderr).toContain('secret: Ensure this field has at least 16 characters.');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ip_address: Enter a valid IPv4 or IPv6 address');

    const list = await cli('nas:list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`\\n\\d+\\s+${name}\\s+192\\.0\\.2\\.128/25\\s+3799\\s+yes\\s+\\S+\\s+lobby_corp\\s`));
    expect(list.stdout).not.toContain(secret);

    const removed = await cli('nas:remove', '--name', name);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(new RegExp(`^removed: ${name} \\(id \\d+\\)`));
    expect(await t.dataSource.query('SELECT 1 FROM nas_clients WHERE name = $1', [name])).toEqual([]);
  }, 120_000);

  it('links a gateway account and sets require_message_authenticator and coa_enabled (API and nas:add), one NAS client per gateway', async () => {
    const gateway = await t.factories.subscriber({ role: Role.Gateway });
    const created = await create({ name: uniqueName('linked'), ip_address: '198.51.100.200', secret: LONG, require_message_authenticator: false, gateway_user_id: gateway.id });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ require_message_authenticator: false, gateway_user_id: gateway.id });
    const second = await create({ name: uniqueName('linked'), ip_address: '198.51.100.201', secret: LONG, gateway_user_id: gateway.id });
    expect({ status: second.status, body: second.body }).toEqual({ status: 400, body: { gateway_user_id: ['This gateway account is already linked to another NAS client.'] } });

    const id = created.body.id as number;
    const replaced = await t.api().put(`/api/v1/nas/${id}/`).set(as(staff)).send({ name: created.body.name, ip_address: '198.51.100.200' });
    expect(replaced.body).toMatchObject({ require_message_authenticator: false, gateway_user_id: gateway.id });
    const patched = await t.api().patch(`/api/v1/nas/${id}/`).set(as(staff)).send({ require_message_authenticator: true, gateway_user_id: null });
    expect(patched.body).toMatchObject({ require_message_authenticator: true, gateway_user_id: null });

    const env = { DATABASE_URL: t.databaseUrl, LOG_LEVEL: 'warn' };
    const name = uniqueName('cli-gw');
    const added = await runCli(['nas:add', '--name', name, '--ip', '198.51.100.202', '--gateway', gateway.username, '--require-message-authenticator', 'false'], env);
    expect(added.code).toBe(0);
    const rows = await t.dataSource.query('SELECT gateway_user_id AS "gatewayUserId", require_message_authenticator AS "require" FROM nas_clients WHERE name = $1', [name]);
    expect(rows).toEqual([{ gatewayUserId: gateway.id, require: false }]);
    const noCoaName = uniqueName('cli-nocoa');
    const noCoa = await runCli(['nas:add', '--name', noCoaName, '--ip', '198.51.100.204', '--coa-enabled', 'false'], env);
    expect(noCoa.code).toBe(0);
    expect(noCoa.stdout).toMatch(new RegExp(`^nas: ${noCoaName} \\(id \\d+\\) 198\\.51\\.100\\.204, CoA port 3799 \\(CoA off\\)\\n`));
    expect(await t.dataSource.query('SELECT coa_enabled AS "coaEnabled" FROM nas_clients WHERE name = $1', [noCoaName])).toEqual([{ coaEnabled: false }]);
    const listed = await runCli(['nas:list'], env);
    expect(listed.stdout).toMatch(new RegExp(`\\n\\d+\\s+${noCoaName}\\s+198\\.51\\.100\\.204\\s+3799\\s+no\\s`));
    const badFlag = await runCli(['nas:add', '--name', uniqueName('cli-nocoa'), '--ip', '198.51.100.205', '--coa-enabled', 'maybe'], env);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--coa-enabled must be true or false');
    const unknown = await runCli(['nas:add', '--name', uniqueName('cli-gw'), '--ip', '198.51.100.203', '--gateway', 'nobody_by_that_name'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('gateway: No user named "nobody_by_that_name".');
  }, 120_000);

  it('stores secrets encrypted with SECRETS_KEY, seals older plaintext ones, and will not start without the key', async () => {
    const key = 'an-operator-chosen-key-of-at-least-32-chars';
    const keyed = await createTestApp({ ...radiusTestConfig(), secretsKey: key });
    try {
      const keyedStaff = await keyed.factories.staff();
      const secret = 'sealed-shared-secret-0123';
      const created = await keyed.api().post('/api/v1/nas/').set('Authorization', `Token ${keyedStaff.token}`).send({ name: 'sealed', ip_address: '127.0.0.1', secret });
      expect(created.status).toBe(201);
      expect(JSON.stringify(created.body)).not.toContain(secret);
      const [row] = await keyed.dataSource.query("SELECT secret FROM nas_clients WHERE name = 'sealed'");
      expect(row.secret).toMatch(/^enc:v1:/);
      expect(row.secret).not.toContain(secret);

      // The listener signs and verifies with the decrypted secret.
      const nas = await UdpPeer.bind('127.0.0.1');
      try {
        const user = await keyed.factories.subscriber({ balanceSeconds: 60 });
        const packet = radius.encode({ code: 'Accounting-Request', identifier: 3, secret, attributes: [['Acct-Status-Type', 'Start'], ['User-Name', user.username], ['Acct-Session-Id', 'sealed-1'], ['NAS-Identifier', 'sealed']] });
        await nas.send(packet, radiusPorts(keyed).acct);
        await nas.waitFor(1);
        expect(radius.verify_response({ request: packet, response: nas.received[0]!.message, secret })).toBe(true);
      } finally {
        await nas.close();
      }

      // A plaintext secret from before SECRETS_KEY is sealed when the service starts with the key.
      await keyed.dataSource.query("INSERT INTO nas_clients (name, ip_address, secret, created_at, updated_at) VALUES ('older', '192.0.2.77', 'older-plain-secret-012', now(), now())");
      const env = { DATABASE_URL: keyed.databaseUrl, LOG_LEVEL: 'warn' };
      expect((await runCli(['nas:list'], { ...env, SECRETS_KEY: key })).code).toBe(0);
      const [older] = await keyed.dataSource.query("SELECT secret FROM nas_clients WHERE name = 'older'");
      expect(older.secret).toMatch(/^enc:v1:/);

      const missing = await runCli(['nas:list'], env, ['SECRETS_KEY']);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('2 NAS client secret(s) are encrypted and SECRETS_KEY is not set');
      expect(() => loadConfig({ SECRETS_KEY: 'too-short' })).toThrow('SECRETS_KEY="***": must be at least 32 characters');

      // Rotation: one start with the new key and the old one as SECRETS_KEY_PREVIOUS seals every secret again.
      const newKey = 'the-next-operator-chosen-key-0123456789';
      expect((await runCli(['nas:list'], { ...env, SECRETS_KEY: newKey, SECRETS_KEY_PREVIOUS: key })).code).toBe(0);
      expect((await runCli(['nas:list'], { ...env, SECRETS_KEY: newKey }, ['SECRETS_KEY_PREVIOUS'])).code).toBe(0);
      const oldKey = await runCli(['nas:list'], { ...env, SECRETS_KEY: key }, ['SECRETS_KEY_PREVIOUS']);
      expect(oldKey.code).not.toBe(0);
      expect(oldKey.stderr).toContain('cannot be decrypted with SECRETS_KEY');
    } finally {
      await keyed.close();
    }
  }, 180_000);
});
