import pg from 'pg';
import { createTestApp, type TestApp } from './support/test-app.js';

/** Runs SQL as the server's superuser from outside the app (the app's own pool is what is under test). */
async function asAdmin(databaseUrl: string, sql: string): Promise<void> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('health probes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /health/live answers 200 without credentials and is not cached', async () => {
    const response = await t.api().get('/health/live').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('GET /health/ready is 200 with every check up on a migrated database', async () => {
    const response = await t.api().get('/health/ready').expect(200);
    expect(response.body).toEqual({
      status: 'ok',
      checks: {
        database: { status: 'up', responseTime: expect.any(Number) },
        migrations: { status: 'up', responseTime: expect.any(Number) },
      },
    });
  });

  it('GET /health/ready is 503 naming a pending migration', async () => {
    const [latest] = await t.dataSource.query('SELECT id, timestamp, name FROM typeorm_migrations ORDER BY id DESC LIMIT 1');
    await t.dataSource.query('DELETE FROM typeorm_migrations WHERE id = $1', [latest.id]);
    try {
      const response = await t.api().get('/health/ready').expect(503);
      expect(response.body.status).toBe('error');
      expect(response.body.checks.database.status).toBe('up');
      expect(response.body.checks.migrations).toMatchObject({ status: 'down', message: expect.stringContaining(latest.name) });
    } finally {
      await t.dataSource.query('INSERT INTO typeorm_migrations (id, timestamp, name) VALUES ($1, $2, $3)', [
        latest.id,
        latest.timestamp,
        latest.name,
      ]);
    }
    await t.api().get('/health/ready').expect(200);
  });

  it('GET /health/ready is 503 when the database refuses connections, and recovers; liveness stays 200', async () => {
    const database = new URL(t.databaseUrl).pathname.slice(1);
    await asAdmin(t.databaseUrl, `ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
    try {
      await asAdmin(t.databaseUrl, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}'`);
      const response = await t.api().get('/health/ready').expect(503);
      expect(response.body.status).toBe('error');
      expect(response.body.checks.database).toMatchObject({ status: 'down', message: expect.any(String) });
      await t.api().get('/health/live').expect(200);
    } finally {
      await asAdmin(t.databaseUrl, `ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
    }
    await t.api().get('/health/ready').expect(200);
  });

  it('documents both probes under the health tag', async () => {
    const response = await t.api().get('/api/schema/').expect(200);
    const paths = response.body.paths;
    expect(paths['/health/live'].get.tags).toEqual(['health']);
    expect(paths['/health/ready'].get.tags).toEqual(['health']);
    expect(Object.keys(paths['/health/ready'].get.responses)).toEqual(expect.arrayContaining(['200', '503']));
    expect(response.body.components.schemas.HealthCheckDetailDto).toBeDefined();
  });
});
