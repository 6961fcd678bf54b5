import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Set by the global setup: a server URL and the name of a migrated template database on it. */
export const TEST_SERVER_URL_ENV = 'TIMEGATE_TEST_SERVER_URL';
export const TEST_TEMPLATE_DB_ENV = 'TIMEGATE_TEST_TEMPLATE_DB';

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdminClient<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(serverUrl: string, name: string, template?: string): Promise<void> {
  await withAdminClient(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
  });
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * A fresh database for one test file, cloned from the migrated template (a real PostgreSQL,
 * schema from the real migrations). Tests in the file share it and make unique data with factories.
 */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const serverUrl = process.env[TEST_SERVER_URL_ENV];
  const template = process.env[TEST_TEMPLATE_DB_ENV];
  if (!serverUrl || !template) throw new Error('The Jest global setup did not run (test database unknown)');
  const name = `timegate_test_${randomBytes(5).toString('hex')}`;
  await createDatabase(serverUrl, name, template);
  return { url: databaseUrl(serverUrl, name), drop: () => dropDatabase(serverUrl, name) };
}
