import { spawn } from 'node:child_process';
import { DataSource } from 'typeorm';
import { findFreePort } from '../src/database/embedded-postgres.js';
import { FakeClock } from '../src/common/time/clock.js';
import { buildDataSourceOptions } from '../src/database/data-source-options.js';
import { Factories, uniqueUsername } from './support/factories.js';
import { expectCleanExit, probe, SERVICE_MAIN, startService, waitFor, type ServiceProcess } from './support/service-process.js';
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
    // A run started over HTTP logs while the request is handled: its lines carry the request's id (run now or skipped).
    const run = await fetch(`${running.url}/api/v1/accounting/runs/`, { method: 'POST', headers: { ...auth, 'X-Request-Id': 'obs-req-3' } });
    expect([201, 409]).toContain(run.status);
    // The balance polls are quiet: answered, counted in metrics, not logged per request.
    const subscriber = await factories.subscriber({ balanceSeconds: 60 });
    const poll = await fetch(`${running.url}/api/v1/balance/`, { headers: { Authorization: `Token ${subscriber.token}`, 'X-Request-Id': 'obs-poll-1' } });
    expect(poll.status).toBe(200);
    expect(poll.headers.get('x-request-id')).toBe('obs-poll-1');
    const parsed = () => running.stdout.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as LogLine);
    await waitFor('an accounting run to log its end', () => parsed().some((line) => line.context === 'Accounting' && line.msg?.startsWith('finished')), 10000);
    // And a scheduled run to have started (the schedule's first run comes at a random moment of its first interval).
    await waitFor('a scheduled accounting run', () => parsed().some((line) => line.context === 'Accounting' && line.trigger === 'schedule' && line.msg?.startsWith('started')), 10000);

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
    expect(lines.some((line) => line.request_id === 'obs-req-3' && line.context === 'Accounting')).toBe(true);
    expect(lines.some((line) => line.request_id === 'obs-req-3' && line.msg === 'request completed')).toBe(true);
    expect(lines.some((line) => line.request_id === 'obs-poll-1')).toBe(false);

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
    // Scheduled runs belong to no request, even those that ran while requests were handled.
    const scheduledRuns = new Set(accounting.filter((line) => line.trigger === 'schedule' && line.msg?.startsWith('started')).map((line) => line.run_id));
    expect(scheduledRuns.size).toBeGreaterThan(0);
    for (const line of accounting.filter((entry) => scheduledRuns.has(entry.run_id))) expect(line.request_id).toBeUndefined();

    expect(lines.some((line) => line.msg === 'SIGTERM: shutting down gracefully')).toBe(true);
    expect(lines.at(-1)?.msg).toBe('Shut down cleanly');
  });

  /**
   * The service at a terminal: run under a pseudo-terminal (`script`), as `npm start` in a shell is.
   * Returns everything it printed until it answered /health/live and was stopped.
   */
  async function outputAtTerminal(env: NodeJS.ProcessEnv): Promise<string> {
    const port = await findFreePort();
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      MIGRATIONS_RUN: 'false',
      ACCOUNTING_SCHEDULE_ENABLED: 'false',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...env,
    };
    delete childEnv.NODE_OPTIONS;
    delete childEnv.NO_COLOR;
    const child = spawn('script', ['-qfec', `exec ${process.execPath} ${SERVICE_MAIN}`, '/dev/null'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitFor('the service at a terminal to answer', async () => (await probe(`http://127.0.0.1:${port}/health/live`)) === 200, 30000);
      await waitFor('its start-up lines', () => output.includes('First time?'), 15000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; it printed:\n${output}`);
      });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    return output;
  }

  it('at a terminal writes readable, coloured lines; LOG_FORMAT=json forces JSON; the route map is debug only', async () => {
    const pretty = await outputAtTerminal({ LOG_LEVEL: 'log' });
    const lines = pretty.split(/\r?\n/).filter((line) => line.trim() !== '');
    expect(lines.some((line) => line.trim().startsWith('{'))).toBe(false);
    expect(pretty).toContain('\u001b['); // colours at a terminal
    const plain = pretty.replaceAll(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[Bootstrap\] Listening on 127\.0\.0\.1:\d+; public URL /m);
    expect(plain).not.toContain('Mapped {');

    const json = await outputAtTerminal({ LOG_LEVEL: 'debug', LOG_FORMAT: 'json' });
    const parsed = json
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
    const routeMap = parsed.filter((line) => line.msg?.startsWith('Mapped {'));
    expect(routeMap.length).toBeGreaterThan(10);
    expect(routeMap.every((line) => line.level === 20)).toBe(true);
    expect(json).not.toContain('\u001b[');
  }, 90000);
});
