import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Role } from '../src/auth/policy.js';
import { uniqueUsername } from './support/factories.js';
import { generateClient } from './support/openapi/generate-client.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** What a call of the generated SDK resolves to (fetch client, `throwOnError` off). */
interface SdkResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}
type SdkCall = (options?: Record<string, unknown>) => Promise<SdkResult>;
type GeneratedSdk = Record<string, unknown>;
interface GeneratedClient {
  client: { setConfig: (config: Record<string, unknown>) => void };
}

/**
 * The seed documents' calls, made with a TypeScript client generated from the live /api/schema/ by
 * @hey-api/openapi-ts (as waldur-js-client is generated from Waldur's schema) against the real service.
 */
describe('a client generated from /api/schema/ with @hey-api/openapi-ts', () => {
  let t: TestApp;
  let directory: string;
  let sdk: GeneratedSdk;
  /** The Authorization header of every request the generated client sent, in order. */
  const sentAuthorization: (string | null)[] = [];

  const call = (operation: string, options: Record<string, unknown>): Promise<SdkResult> => {
    const fn = sdk[operation];
    if (typeof fn !== 'function') throw new Error(`the generated client has no ${operation}()`);
    return (fn as SdkCall)(options);
  };

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const address = t.app.getHttpServer().address() as { port: number };
    const schema = (await t.api().get('/api/schema/').expect(200)).body as unknown;
    directory = await mkdtemp(path.join(os.tmpdir(), 'timegate-client-'));
    const generated = await generateClient(schema, directory);
    sdk = (await import(pathToFileURL(path.join(generated, 'index.ts')).href)) as GeneratedSdk;
    const { client } = (await import(pathToFileURL(path.join(generated, 'client.gen.ts')).href)) as GeneratedClient;
    const recordingFetch = (request: Request) => {
      sentAuthorization.push(request.headers.get('authorization'));
      return fetch(request);
    };
    client.setConfig({ baseUrl: `http://127.0.0.1:${address.port}`, fetch: recordingFetch });
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  beforeEach(() => {
    sentAuthorization.length = 0;
  });

  it('seed 000: authTokensList({auth: "Token KEY"}) sends exactly `Authorization: Token KEY` and lists the tokens', async () => {
    const staff = await t.factories.staff();
    const { data, response } = await call('authTokensList', { auth: `Token ${staff.token}` });
    expect(sentAuthorization).toEqual([`Token ${staff.token}`]);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-result-count')).toMatch(/^\d+$/);
    expect(data).toEqual(expect.arrayContaining([expect.objectContaining({ user_username: staff.username, user_is_active: true })]));

    const retrieved = await call('authTokensRetrieve', { auth: `Token ${staff.token}`, path: { user_id: staff.id } });
    expect(retrieved.response.status).toBe(200);
    expect(retrieved.data).toMatchObject({ user_username: staff.username });
  });

  it('seed 001: create, list with filters, retrieve, PUT, PATCH and DELETE a user token with `Bearer KEY`', async () => {
    // An admin of the seed example's organization (an admin acts only inside its own).
    const admin = await t.factories.subscriber({ role: Role.Admin, organization: 'tech_solutions' });
    const auth = `Bearer ${admin.token}`;
    const username = uniqueUsername('jane_smith');

    const created = await call('userTokenCreate', {
      auth,
      body: { username, organization: 'tech_solutions', email: 'jane@techsolutions.com', role: 'user', balance_seconds: 7200 },
    });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ username, organization: 'tech_solutions', token: expect.any(String), profile: { email: 'jane@techsolutions.com', role: 'user' } });
    const id = (created.data as { id: number }).id;

    const listed = await call('userTokenList', { auth, query: { username, organization: 'tech_solutions', balance: true, limit: 10 } });
    expect(listed.response.status).toBe(200);
    expect(listed.data).toMatchObject({ count: 1, previous: null, next: null, results: [{ id, username, balance_seconds: 7200 }] });

    const retrieved = await call('userTokenRetrieve', { auth, path: { id }, query: { balance: true } });
    expect(retrieved.data).toMatchObject({ id, username, balance_seconds: 7200, profile: { role: 'user' } });

    const replaced = await call('userTokenUpdate', {
      auth,
      path: { id },
      body: { username: `${username}_updated`, organization: 'tech_solutions', email: 'jane.smith@techsolutions.com', role: 'admin', balance_seconds: 10800 },
    });
    expect(replaced.response.status).toBe(200);
    expect(replaced.data).toMatchObject({ id, username: `${username}_updated`, profile: { email: 'jane.smith@techsolutions.com', role: 'admin' } });

    const patched = await call('userTokenPartialUpdate', { auth, path: { id }, body: { role: 'moderator', balance_seconds: 14400 } });
    expect(patched.response.status).toBe(200);
    expect(patched.data).toMatchObject({ id, username: `${username}_updated`, profile: { role: 'moderator' } });
    const balance = await call('userTokenRetrieve', { auth, path: { id }, query: { balance: true } });
    expect(balance.data).toMatchObject({ balance_seconds: 14400 });

    const deleted = await call('userTokenDestroy', { auth, path: { id } });
    expect(deleted.response.status).toBe(204);
    const gone = await call('userTokenRetrieve', { auth, path: { id } });
    expect(gone.response.status).toBe(404);
    expect(gone.error).toEqual({ detail: 'Not found.' });

    expect(new Set(sentAuthorization)).toEqual(new Set([auth]));
  });

  it('GET /api/users/me/ through usersMeRetrieve answers the caller record', async () => {
    const user = await t.factories.subscriber();
    const me = await call('usersMeRetrieve', { auth: `Token ${user.token}` });
    expect(me.response.status).toBe(200);
    expect(me.data).toMatchObject({ username: user.username, uuid: user.uuid.replaceAll('-', '') });
  });

  it('polls the balance with balanceRetrieve (the token scheme is documented there too)', async () => {
    const subscriber = await t.factories.subscriber({ balanceSeconds: 600 });
    const poll = await call('balanceRetrieve', { auth: `Bearer ${subscriber.token}` });
    expect(sentAuthorization).toEqual([`Bearer ${subscriber.token}`]);
    expect(poll.response.status).toBe(200);
    expect(poll.data).toMatchObject({ balance_seconds: 600, status: 'idle' });
  });
});
