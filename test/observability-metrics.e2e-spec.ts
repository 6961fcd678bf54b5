import { readFileSync } from 'node:fs';
import { Role } from '../src/auth/policy.js';
import { loadConfig } from '../src/config/app-config.js';
import { epoch, Gateway, runAccounting, sessionIdentity } from './support/accounting.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The value of one sample in a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(/,(?=[a-zA-Z_]\w*=")/).filter(Boolean);
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return 0;
}

describe('GET /metrics (Prometheus)', () => {
  let t: TestApp;
  const scrape = async () => (await t.api().get('/metrics').expect(200)).text;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is public without METRICS_TOKEN, in the Prometheus text format, with process metrics', async () => {
    const response = await t.api().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(response.text).toContain('process_cpu_user_seconds_total');
  });

  it('has request latency histograms labelled by route template, method and status (ids never become labels)', async () => {
    const staff = await t.factories.staff();
    const subscriber = await t.factories.subscriber();
    const labels = { method: 'GET', route: '/api/v1/user_token/:id', status_code: '200' };
    const before = sample(await scrape(), 'http_request_duration_seconds_count', labels);
    await t.api().get(`/api/v1/user_token/${subscriber.id}/`).set('Authorization', `Bearer ${staff.token}`).expect(200);
    await t.api().get(`/api/v1/user_token/${staff.id}/`).set('Authorization', `Bearer ${staff.token}`).expect(200);
    await t.api().get('/api/no/such/route/').expect(404);
    const text = await scrape();
    expect(sample(text, 'http_request_duration_seconds_count', labels)).toBe(before + 2);
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(before + 2);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(`/api/v1/user_token/${subscriber.id}`);
  });

  it('counts authentication failures by reason', async () => {
    const reasons = ['not_authenticated', 'invalid_token', 'token_expired', 'invalid_credentials'];
    const before = await scrape();
    const expired = await t.factories.subscriber({ tokenLifetime: 60 });
    await t.api().get('/api/users/').expect(401);
    await t.api().get('/api/users/').set('Authorization', `Token ${'b'.repeat(40)}`).expect(401);
    await t.api().post('/api/auth/login/').send({ username: 'nobody-here', password: 'x' }).expect(400);
    t.clock.advanceSeconds(120);
    await t.api().get('/api/users/').set('Authorization', `Token ${expired.token}`).expect(401);
    const after = await scrape();
    for (const reason of reasons) {
      expect(sample(after, 'timegate_auth_failures_total', { reason }) - sample(before, 'timegate_auth_failures_total', { reason })).toBe(1);
    }
  });

  it('has the open sessions gauge, counted at scrape time', async () => {
    const gateway = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway })).token);
    const subscriber = await t.factories.subscriber({ balanceSeconds: 3600 });
    const before = sample(await scrape(), 'timegate_accounting_open_sessions');
    const id = sessionIdentity(subscriber.username);
    await gateway.start(id, { 'Event-Timestamp': epoch(t.clock.now()) });
    await gateway.start(sessionIdentity(subscriber.username), { 'Event-Timestamp': epoch(t.clock.now()) });
    expect(sample(await scrape(), 'timegate_accounting_open_sessions')).toBe(before + 2);
    await gateway.stop(id, 10, { 'Event-Timestamp': epoch(t.clock.now()) + 10 });
    expect(sample(await scrape(), 'timegate_accounting_open_sessions')).toBe(before + 1);
  });

  it('has accounting run duration, rows, expired tokens and errors', async () => {
    const gateway = new Gateway(t, (await t.factories.subscriber({ role: Role.Gateway })).token);
    const subscriber = await t.factories.subscriber({ balanceSeconds: 3600 });
    await t.factories.subscriber({ tokenLifetime: 60 });
    await gateway.start(sessionIdentity(subscriber.username), { 'Event-Timestamp': epoch(t.clock.now()) });
    const before = await scrape();
    t.clock.advanceSeconds(120);
    const outcome = await runAccounting(t);
    expect(outcome.status).toBe('finished');
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('timegate_accounting_runs_total', { trigger: 'api', outcome: 'finished' })).toBe(1);
    expect(delta('timegate_accounting_run_duration_seconds_count', { trigger: 'api', outcome: 'finished' })).toBe(1);
    expect(delta('timegate_accounting_run_rows_total', { kind: 'sessions_charged' })).toBeGreaterThanOrEqual(1);
    expect(delta('timegate_accounting_seconds_charged_total')).toBeGreaterThanOrEqual(120);
    expect(delta('timegate_tokens_expired_total')).toBeGreaterThanOrEqual(1);
    expect(delta('timegate_accounting_run_rows_total', { kind: 'tokens_expired' })).toBe(delta('timegate_tokens_expired_total'));
    expect(delta('timegate_accounting_run_errors_total')).toBe(0);
    expect(sample(after, 'timegate_accounting_last_success_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('counts authorize decisions by result and reject reason, and accounting records by status type and result', async () => {
    const gatewayUser = await t.factories.subscriber({ role: Role.Gateway });
    const gateway = new Gateway(t, gatewayUser.token);
    const funded = await t.factories.subscriber({ balanceSeconds: 600 });
    const broke = await t.factories.subscriber({ balanceSeconds: 0 });
    const before = await scrape();
    const authorize = (username: string) =>
      t.api().post('/api/v1/authorize/').set('Authorization', `Token ${gatewayUser.token}`).send({ username }).expect(200);
    await authorize(funded.username);
    await authorize(broke.username);
    await authorize(`nobody-${funded.username}`);
    const id = sessionIdentity(funded.username);
    await gateway.start(id);
    await gateway.start(id); // a retransmission
    await gateway.interim(id, 30);
    await gateway.stop(id, 60);
    await gateway.interim(id, 90); // after the Stop
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('timegate_authorize_decisions_total', { source: 'http', result: 'accept', reason: 'none' })).toBe(1);
    expect(delta('timegate_authorize_decisions_total', { source: 'http', result: 'reject', reason: 'no_balance' })).toBe(1);
    expect(delta('timegate_authorize_decisions_total', { source: 'http', result: 'reject', reason: 'invalid_credentials' })).toBe(1);
    expect(delta('timegate_accounting_records_total', { status_type: 'Start', result: 'started' })).toBe(1);
    expect(delta('timegate_accounting_records_total', { status_type: 'Start', result: 'duplicate' })).toBe(1);
    expect(delta('timegate_accounting_records_total', { status_type: 'Interim-Update', result: 'updated' })).toBe(1);
    expect(delta('timegate_accounting_records_total', { status_type: 'Stop', result: 'stopped' })).toBe(1);
    expect(delta('timegate_accounting_records_total', { status_type: 'Interim-Update', result: 'ignored' })).toBe(1);
    // Declared for quarantined records, and the Disconnect outcomes.
    expect(after).toContain('# TYPE timegate_accounting_rejected_total counter');
    expect(after).toContain('# TYPE radius_disconnect_requests_total counter');
  });

  it('exposes every metric the Prometheus alert rules and the Grafana dashboard name', async () => {
    const rules = readFileSync('deploy/prometheus/timegate-alerts.yml', 'utf8');
    const dashboard = JSON.parse(readFileSync('deploy/grafana/timegate-dashboard.json', 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const expressions = [
      ...[...rules.matchAll(/expr: >?\n?([\s\S]*?)\n\s+for:/g)].map((match) => match[1]!),
      ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
    ];
    // Every metric of the service starts with one of these prefixes; PromQL functions and labels do not.
    const named = new Set(expressions.flatMap((expr) => [...expr.matchAll(/\b(?:timegate|radius|http)_[a-z0-9_]+/g)].map((match) => match[0])));
    expect(named.size).toBeGreaterThanOrEqual(14);
    // The poll the dashboard's p99 panel selects by route template.
    const poller = await t.factories.subscriber({ balanceSeconds: 60 });
    await t.api().get('/api/v1/balance/').set('Authorization', `Token ${poller.token}`).expect(200);
    const text = await scrape();
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/balance\/?"/);
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
    const missing = [...named].filter((name) => !exposed.has(name) && !exposed.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(missing).toEqual([]);
  });

  it('needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set', async () => {
    const secured = await createTestApp({ metricsToken: 'scrape-secret-0123456789' });
    try {
      await secured.api().get('/metrics').expect(401, { detail: 'Authentication credentials were not provided.' });
      await secured.api().get('/metrics').set('Authorization', 'Bearer scrape-secret-012345678X').expect(401, { detail: 'Invalid token.' });
      await secured.api().get('/metrics').set('Authorization', 'Token scrape-secret-0123456789').expect(401);
      const ok = await secured.api().get('/metrics').set('Authorization', 'Bearer scrape-secret-0123456789').expect(200);
      expect(ok.text).toContain('http_request_duration_seconds');
    } finally {
      await secured.close();
    }
  });
});

describe('GET /health/ready: accounting not overdue', () => {
  it('with the schedule on: up after boot, down once no run has succeeded for 3 intervals, up again after a run', async () => {
    const t = await createTestApp({
      accounting: { ...loadConfig({}).accounting, scheduleEnabled: true, intervalSeconds: 60 },
    });
    try {
      const fresh = await t.api().get('/health/ready').expect(200);
      expect(fresh.body.checks.accounting).toEqual({ status: 'up', responseTime: expect.any(Number) });
      t.clock.advanceSeconds(180);
      await t.api().get('/health/ready').expect(200);
      t.clock.advanceSeconds(1);
      const overdue = await t.api().get('/health/ready').expect(503);
      expect(overdue.body.checks.database.status).toBe('up');
      expect(overdue.body.checks.accounting).toMatchObject({ status: 'down', message: expect.stringContaining('no accounting run has succeeded since boot') });
      expect((await runAccounting(t)).status).toBe('finished');
      await t.api().get('/health/ready').expect(200);
      t.clock.advanceSeconds(181);
      const again = await t.api().get('/health/ready').expect(503);
      expect(again.body.checks.accounting.message).toMatch(/the last successful accounting run finished at \S+, more than 180 s ago/);
    } finally {
      await t.close();
    }
  });

  it('with the schedule off (a cron job runs accounting): no accounting check', async () => {
    const t = await createTestApp();
    try {
      t.clock.advanceSeconds(86400);
      const response = await t.api().get('/health/ready').expect(200);
      expect(Object.keys(response.body.checks).sort()).toEqual(['database', 'migrations']);
    } finally {
      await t.close();
    }
  });
});
