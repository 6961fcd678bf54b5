import { DataSource } from 'typeorm';
import { FakeClock } from '../src/common/time/clock.js';
import { buildDataSourceOptions } from '../src/database/data-source-options.js';
import { Factories, uniqueUsername } from './support/factories.js';
import { expectCleanExit, startService, waitFor, type ServiceProcess } from './support/service-process.js';
import { createTestDatabase } from './setup/test-database.js';

type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** The real service's stdout at LOG_LEVEL=log: JSON lines, request ids, run ids, no secrets. */
describe('structured logs (pino)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource({ ...buildDataSourceOptions(database.url), extra: { max: 2, application_name: 'logs-test' } }).initialize();
  });
  afterAll(async () => {
    if (service?.alive()) service.child.kill('SIGKILL');
    await dataSource?.destroy();
    await database?.drop();
  });

  it('writes JSON lines with request ids and run ids, and never credentials', async () => {
    const factories = new Factories(dataSource, new FakeClock(new Date()));
    const staffPassword = 'staff-password-7f3k2';
    const staff = await factories.staff({ password: staffPassword });
    service = await startService({
      DATABASE_URL: database.url,
      MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'log',
      ACCOUNTING_SCHEDULE_ENABLED: 'true',
      ACCOUNTING_INTERVAL_SECONDS: '1',
    });
    const running = service;
    const auth = { Authorization: `Token ${staff.token}` };

    const listed = await fetch(`${running.url}/api/users/`, { headers: { ...auth, 'X-Request-Id': 'obs-req-1' } });
    expect(listed.status).toBe(200);
    const wrongPassword = 'not-the-password-9q8w7e';
    const login = await fetch(`${running.url}/api/auth/login/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'obs-req-2' },
      body: JSON.stringify({ username: staff.username, password: wrongPassword }),
    });
    expect(login.status).toBe(400);
    const newPassword = 'created-password-5t6y7u';
    const created = await fetch(`${running.url}/api/v1/user_token/`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: uniqueUsername('logged'), organization: 'o', email: 'l@example.com', role: 'user', balance_seconds: 0, password: newPassword }),
    });
    expect(created.status).toBe(201);
    const issuedKey = ((await created.json()) as { token: string }).token;
    const parsed = () => running.stdout.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as LogLine);
    await waitFor('an accounting run to log its end', () => parsed().some((line) => line.context === 'Accounting' && line.msg?.startsWith('finished')), 10000);

    running.child.kill('SIGTERM');
    await expectCleanExit(running);

    const lines = parsed();
    // Every line is JSON (parsed above) with a level, a time and a message.
    for (const line of lines) {
      expect(typeof line.level).toBe('number');
      expect(typeof line.time).toBe('number');
    }
    const completed = lines.find((line) => line.request_id === 'obs-req-1' && line.msg === 'request completed');
    expect(completed).toMatchObject({ req: { method: 'GET', url: '/api/users/' }, res: { statusCode: 200 } });
    expect(typeof completed!.responseTime).toBe('number');
    expect(lines.some((line) => line.request_id === 'obs-req-2' && (line.res as { statusCode?: number })?.statusCode === 400)).toBe(true);

    const everything = running.stdout.join('\n') + running.stderr();
    for (const secret of [staff.token, staffPassword, wrongPassword, newPassword, issuedKey]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything.toLowerCase()).not.toContain('"authorization"');

    const accounting = lines.filter((line) => line.context === 'Accounting' && !line.msg?.startsWith('Skipping'));
    expect(accounting.length).toBeGreaterThanOrEqual(2);
    for (const line of accounting) expect(line.run_id).toMatch(/^\d+$/);
    const finished = accounting.find((line) => line.msg?.startsWith('finished'))!;
    expect(accounting.some((line) => line.run_id === finished.run_id && line.msg?.startsWith('started'))).toBe(true);
    expect(finished).toMatchObject({ sessionsCharged: expect.any(Number), tokensExpired: expect.any(Number) });

    expect(lines.some((line) => line.msg === 'SIGTERM: shutting down gracefully')).toBe(true);
    expect(lines.at(-1)?.msg).toBe('Shut down cleanly');
  });
});
