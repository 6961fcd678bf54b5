// Runs once before the suite, outside Jest's module system, so it uses the compiled service
// (`npm test` builds first): the same embedded-PostgreSQL starter and migrations the service uses.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const dist = new URL('../../dist/src/', import.meta.url);
const { startEmbeddedPostgres } = await import(new URL('database/embedded-postgres.js', dist).href);
const { runPendingMigrations } = await import(new URL('database/migrate.js', dist).href);

function withDatabase(serverUrl, database) {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin(serverUrl, sql) {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Tests run against a real PostgreSQL: the server in DATABASE_URL when set, else an embedded one
 * started here in a temporary directory. A template database gets the real migrations once; every
 * test file clones it (test/setup/test-database.ts).
 */
export default async function globalSetup() {
  let serverUrl = process.env.DATABASE_URL;
  let stopServer = async () => undefined;
  if (!serverUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'timegate-test-'));
    const server = await startEmbeddedPostgres(dir, { persistent: false, log: () => undefined });
    serverUrl = server.url;
    stopServer = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const template = `timegate_template_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE "${template}"`);
  await runPendingMigrations(withDatabase(serverUrl, template));
  process.env.TIMEGATE_TEST_SERVER_URL = serverUrl;
  process.env.TIMEGATE_TEST_TEMPLATE_DB = template;
  globalThis.__TIMEGATE_TEARDOWN__ = async () => {
    await admin(serverUrl, `DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`).catch(() => undefined);
    await stopServer();
  };
}
