import { createHash } from 'node:crypto';
import { USERNAME_MESSAGE } from '../src/users/user-rules.js';
import { uniqueUsername } from './support/factories.js';
import { runCli, type CliResult } from './support/cli.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The compiled CLI, run as a real child process. `npm test` builds dist/ first (pretest); set
 * TIMEGATE_CLI_MAIN to test a build elsewhere (e.g. `tsc -p tsconfig.build.json --outDir /tmp/x`).
 */


const CREATED = /^user: (\S+) \(id (\d+), (created|existing)\)\ntoken: ([0-9a-f]{40})\n$/;


describe('CLI (compiled, as a child process)', () => {
  let t: TestApp;

  /** The CLI runs against the test app's own database, so its output can be checked through the HTTP API. */
  function cli(...args: string[]): Promise<CliResult> {
    return runCli(args, { DATABASE_URL: t.databaseUrl });
  }

  function parseCreated(result: CliResult) {
    const match = CREATED.exec(result.stdout);
    if (!match) throw new Error(`unexpected stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    return { username: match[1]!, id: Number(match[2]), state: match[3]!, token: match[4]! };
  }

  const userRow = async (username: string) =>
    (
      await t.dataSource.query(
        `SELECT u.id, u.is_staff, u.is_active, u.email, u.password_hash, p.role, t.key_hash
           FROM users u JOIN aaa_profiles p ON p.user_id = u.id LEFT JOIN auth_tokens t ON t.user_id = u.id
          WHERE u.username = $1`,
        [username],
      )
    )[0];

  beforeAll(async () => {
    t = await createTestApp();
    // Tokens the CLI issues are stamped with the real time; the app's clock must agree to accept them.
    t.clock.set(new Date());
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('usage', () => {
    it('lists the commands on help (exit 0)', async () => {
      const result = await cli('help');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^ {2}users:create-staff +\S.*$/m);
      expect(result.stdout).toMatch(/^ {2}users:list +\S.*$/m);
      expect((await cli('--help')).stdout).toBe(result.stdout);
      const one = await cli('help', 'users:create-staff');
      expect(one.code).toBe(0);
      expect(one.stdout).toContain('Usage: npm run cli -- users:create-staff --username <name> [--email <email>] [--password <password>]');
    });

    it('rejects an unknown command with exit 2 and a message on stderr', async () => {
      const result = await cli('users:nope');
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Unknown command "users:nope"');
    });

    it('rejects a missing --username, an unknown option or a stray argument with exit 2 and the usage', async () => {
      for (const args of [['users:create-staff'], ['users:create-staff', '--username', 'x', '--admin'], ['users:create-staff', 'admin']]) {
        const result = await cli(...args);
        expect(result.code).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain('Usage: npm run cli -- users:create-staff --username <name>');
      }
    });
  });

  describe('users:create-staff', () => {
    it('creates a staff account with the admin role and prints a working token once', async () => {
      const username = uniqueUsername('admin');
      const result = await cli('users:create-staff', '--username', username, '--email', `${username}@example.com`);
      expect(result.code).toBe(0);
      const created = parseCreated(result);
      expect(created).toMatchObject({ username, state: 'created' });
      expect(result.stdout.match(/token: /g)).toHaveLength(1);
      expect(result.stderr).not.toContain(created.token);

      const row = await userRow(username);
      expect(row).toMatchObject({ id: created.id, is_staff: true, is_active: true, role: 'admin', email: `${username}@example.com`, password_hash: null });
      expect(row.key_hash).toBe(createHash('sha256').update(created.token).digest('hex'));

      // The key authenticates against the HTTP API, with staff rights.
      const list = await t.api().get(`/api/users/?username=${username}`).set('Authorization', `Token ${created.token}`).expect(200);
      expect(list.body).toEqual([expect.objectContaining({ username, is_staff: true, is_active: true })]);
    });

    it('on a second run reports the account as existing and replaces the token', async () => {
      const username = uniqueUsername('admin');
      const first = parseCreated(await cli('users:create-staff', '--username', username));
      const second = await cli('users:create-staff', '--username', username);
      expect(second.code).toBe(0);
      const again = parseCreated(second);
      expect(again).toMatchObject({ username, id: first.id, state: 'existing' });
      expect(again.token).not.toBe(first.token);
      await t.api().get('/api/users/').set('Authorization', `Token ${again.token}`).expect(200);
      await t.api().get('/api/users/').set('Authorization', `Token ${first.token}`).expect(401, { detail: 'Invalid token.' });
      expect(Number((await t.dataSource.query('SELECT count(*) AS n FROM users WHERE username = $1', [username]))[0].n)).toBe(1);
    });

    it('makes an existing inactive, non-staff account active staff', async () => {
      const existing = await t.factories.subscriber({ isActive: false, isStaff: false, withToken: false });
      const result = await cli('users:create-staff', '--username', existing.username);
      expect(result.code).toBe(0);
      expect(parseCreated(result)).toMatchObject({ id: existing.id, state: 'existing' });
      expect(await userRow(existing.username)).toMatchObject({ is_staff: true, is_active: true });
    });

    it('sets the password (argon2id) when given, usable at POST /api/auth/login/ if that route exists', async () => {
      const username = uniqueUsername('admin');
      const result = await cli('users:create-staff', '--username', username, '--password', 'operator-passw0rd');
      expect(result.code).toBe(0);
      expect((await userRow(username)).password_hash).toMatch(/^\$argon2id\$/);
      const login = await t.api().post('/api/auth/login/').send({ username, password: 'operator-passw0rd' });
      if (login.status !== 404) expect(login.status).toBe(200);
    });

    it('rejects an invalid username, email or password with exit 1 and `field: message`, creating nothing', async () => {
      const result = await cli('users:create-staff', '--username', 'Not Valid', '--email', 'nope', '--password', 'short');
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`username: ${USERNAME_MESSAGE}`);
      expect(result.stderr).toContain('email: Enter a valid email address.');
      expect(result.stderr).toContain('password: Ensure this field has at least 8 characters.');
      expect(await t.dataSource.query('SELECT 1 FROM users WHERE username = $1', ['Not Valid'])).toEqual([]);
    });

    it('fails with exit 1 and a message when the database is unreachable', async () => {
      const result = await runCli(['users:create-staff', '--username', 'x'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/ECONNREFUSED/);
    });
  });

  describe('users:list', () => {
    it('prints an aligned table of every account on stdout', async () => {
      const subscriber = await t.factories.subscriber({ organization: 'org_cli' });
      const result = await cli('users:list');
      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ID +USERNAME +STAFF +ACTIVE +ROLE +ORGANIZATION$/);
      const count = Number((await t.dataSource.query('SELECT count(*) AS n FROM users'))[0].n);
      expect(lines).toHaveLength(count + 1);
      const line = lines.find((candidate) => candidate.split(/\s+/)[1] === subscriber.username);
      expect(line?.split(/\s+/)).toEqual([String(subscriber.id), subscriber.username, 'no', 'yes', 'user', 'org_cli']);
      // Columns line up: every cell starts where its header does.
      const roleColumn = lines[0]!.indexOf('ROLE');
      expect(line!.slice(roleColumn, roleColumn + 4)).toBe('user');
    });
  });
});
