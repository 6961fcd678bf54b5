import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { runPendingMigrations } from '../../src/database/migrate.js';

/** A PostgreSQL server to benchmark on: DATABASE_URL's, or an embedded one in a temporary directory. */
export interface BenchServer {
  url: string;
  describe: string;
  stop(): Promise<void>;
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function startBenchServer(): Promise<BenchServer> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) return { url: fromEnv, describe: `DATABASE_URL server (${new URL(fromEnv).host})`, stop: async () => undefined };
  const dir = await mkdtemp(path.join(tmpdir(), 'timegate-bench-'));
  const server = await startEmbeddedPostgres(dir, { persistent: false, log: () => undefined });
  return {
    url: server.url,
    describe: 'embedded PostgreSQL (temporary cluster)',
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A dedicated, migrated database for one benchmark; `drop()` removes it (also when the benchmark failed). */
export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(server: BenchServer, label: string): Promise<BenchDatabase> {
  const name = `timegate_bench_${label}_${randomBytes(3).toString('hex')}`;
  await admin(server.url, `CREATE DATABASE "${name}"`);
  const url = withDatabase(server.url, name);
  await runPendingMigrations(url);
  return { name, url, drop: () => admin(server.url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** Runs `work` with one connected client, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
