import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, open, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { StartupError } from '../common/errors/startup-error.js';
import { clusterHome, preparePostgresRuntime, type PostgresRuntime } from './postgres-runtime.js';

const DATABASE_NAME = 'timegate';
const STATE_FILE = 'embedded-postgres.json';
/** Which live process owns (started, and will stop) the cluster: `{"pid", "role"}`. */
const OWNER_FILE = 'embedded-postgres.owner.json';

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
  /**
   * `command` (CLI, migrations): join the cluster a live service already runs. `service`: one per
   * DATA_DIR, so a second one is refused while the first lives.
   */
  role?: 'service' | 'command';
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

/**
 * Is the process running? A zombie is not: a process that exited and that no one reaped yet (an
 * orphan whose new parent, pid 1, does not reap, as in some containers and VMs) still answers kill(0).
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/**
 * When a process started, in clock ticks since boot (Linux /proc/<pid>/stat field 22): a pid and its
 * start time name one process, while pids alone are reused (a restarted container hands out the same
 * small pids again). Undefined where there is no /proc.
 */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Is this pid a PostgreSQL server (not an unrelated process that got a stale postmaster.pid's number)? */
function isPostgresServer(pid: number): boolean {
  if (pid === process.pid || !isAlive(pid)) return false;
  try {
    const program = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return path.basename(program) === 'postgres';
  } catch {
    return !existsSync('/proc/self'); // no /proc to ask: trust the pid
  }
}

/** The postmaster.pid of a live cluster names its pid and, on line 4, its port; a stale file (no such server) is ignored. */
async function runningCluster(clusterDir: string): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined;
  return isPostgresServer(pid) ? { pid, port } : undefined;
}

/** A cluster left running by a process that died without stopping it (SIGKILL, a crash): fast shutdown. */
async function stopOrphan(cluster: { pid: number }, log: (message: string) => void): Promise<void> {
  log(`Stopping the embedded PostgreSQL (pid ${cluster.pid}) left running by a process that did not exit cleanly`);
  process.kill(cluster.pid, 'SIGINT');
  const deadline = Date.now() + 30000;
  while (isPostgresServer(cluster.pid)) {
    if (Date.now() > deadline) throw new StartupError(`The embedded PostgreSQL left running (pid ${cluster.pid}) did not stop within 30 s: stop it (kill ${cluster.pid}) and start again`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A postmaster.pid whose pid now belongs to another process (a restarted container reuses pids)
 * would make PostgreSQL refuse to start ("lock file already exists"): remove it. Only where /proc
 * says for sure that no PostgreSQL server has that pid.
 */
async function removeStalePidFile(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (existsSync(pidFile) && existsSync('/proc/self')) await unlink(pidFile);
}

interface Owner {
  pid: number;
  role: 'service' | 'command';
  /** processStartTime(pid) when it wrote the file. */
  started?: string;
}

/** The owner is still running: its pid is alive and, where /proc tells, it is the same process. */
function isLiveOwner(owner: Owner): boolean {
  if (owner.pid === process.pid || !isAlive(owner.pid)) return false;
  const started = processStartTime(owner.pid);
  return owner.started === undefined || started === undefined || started === owner.started;
}

function readOwner(file: string): Owner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Owner;
    return Number.isInteger(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes this process the cluster's owner (an exclusive create of OWNER_FILE), or answers the live
 * owner. A file left by a dead process is replaced.
 */
async function claimOwnership(file: string, role: Owner['role']): Promise<Owner | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o644);
      await handle.writeFile(JSON.stringify({ pid: process.pid, role, started: processStartTime(process.pid) }));
      await handle.close();
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(file);
    if (owner && isLiveOwner(owner)) return owner;
    await unlink(file).catch(() => undefined);
  }
  throw new StartupError(`Could not take ownership of the embedded PostgreSQL (${file} keeps changing): is another instance starting?`);
}

function releaseOwnership(file: string): void {
  if (readOwner(file)?.pid === process.pid) unlinkSync(file);
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
 * Starts (or, for a command, joins) a real PostgreSQL server whose cluster lives in
 * `dataDir/postgres`, listening on 127.0.0.1 only, on the port it had last time if that is free,
 * else on a free one. Used when DATABASE_URL is unset, so a fresh machine needs nothing but Node.
 *
 * One process owns the cluster (DATA_DIR/embedded-postgres.owner.json): it started it and stops it.
 * A second service on the same DATA_DIR is refused while the owner lives; a command joins the owner's
 * running cluster. A cluster whose owner died (SIGKILL, a crash) is stopped and started afresh.
 */
export async function startEmbeddedPostgres(dataDir: string, options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const role = options.role ?? 'service';
  const root = path.resolve(dataDir);
  const clusterDir = path.join(root, 'postgres');
  const stateFile = path.join(root, STATE_FILE);
  const ownerFile = path.join(root, OWNER_FILE);
  await mkdir(root, { recursive: true });
  // When we run as root the server runs as the `postgres` user, which must be able to reach the cluster.
  await chmod(root, 0o755);

  let state: EmbeddedState | undefined = existsSync(stateFile)
    ? (JSON.parse(await readFile(stateFile, 'utf8')) as EmbeddedState)
    : undefined;

  const owner = await claimOwnership(ownerFile, role);
  if (owner) {
    const running = await runningCluster(clusterDir);
    if (role === 'command' && state && running) {
      const url = connectionUrl({ ...state, port: running.port }, DATABASE_NAME);
      if (await canConnect(url)) {
        options.log(`Using the embedded PostgreSQL already running on 127.0.0.1:${running.port} (data in ${clusterDir})`);
        return { url, joined: true, stop: async () => undefined };
      }
    }
    throw new StartupError(
      owner.role === 'service'
        ? `Another timegate-aaa service (pid ${owner.pid}) is running on the embedded PostgreSQL in ${root}: stop it first, or give this one another DATA_DIR or a DATABASE_URL`
        : `A timegate-aaa command (pid ${owner.pid}) is using the embedded PostgreSQL in ${root}: wait for it to finish, or give this one another DATA_DIR or a DATABASE_URL`,
    );
  }
  try {
    const orphan = await runningCluster(clusterDir);
    if (orphan) await stopOrphan(orphan, options.log);
    else await removeStalePidFile(clusterDir);
    const runtime = await preparePostgresRuntime(options.log);
    const home = await clusterHome(clusterDir, runtime, options.log);

    const initialised = existsSync(path.join(home, 'PG_VERSION'));
    if (!state || !initialised) {
      state = { port: 0, user: 'postgres', password: randomBytes(18).toString('base64url') };
    }
    state.port = state.port && (await isPortFree(state.port)) ? state.port : await findFreePort();
    await writeFile(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });

    if (!initialised) {
      options.log(`Initialising an embedded PostgreSQL cluster in ${home}`);
      await initialise(runtime, home, state);
    }
    const server = await startServer(runtime, home, state.port);
    const stop = async () => {
      await server.stop();
      if (!options.persistent) await rm(home, { recursive: true, force: true });
      if (!options.persistent && home !== clusterDir) await rm(clusterDir, { force: true });
      releaseOwnership(ownerFile);
    };
    // A process that exits without calling stop (process.exit in a script) still stops its server.
    const onExit = () => {
      server.kill();
      releaseOwnership(ownerFile);
    };
    process.once('exit', onExit);
    await ensureDatabase(connectionUrl(state, 'postgres'), DATABASE_NAME).catch(async (error: unknown) => {
      await stop();
      throw error;
    });
    options.log(`Started an embedded PostgreSQL on 127.0.0.1:${state.port} (data in ${home}); set DATABASE_URL to use your own server`);
    return {
      url: connectionUrl(state, DATABASE_NAME),
      joined: false,
      stop: async () => {
        process.removeListener('exit', onExit);
        await stop();
      },
    };
  } catch (error) {
    releaseOwnership(ownerFile);
    throw error;
  }
}

/** Spawns a PostgreSQL program, as user postgres when we are root; C messages so its output can be read. */
function spawnProgram(runtime: PostgresRuntime, program: string, args: string[]): ChildProcess {
  return spawn(program, args, {
    ...runtime.runAs,
    cwd: '/',
    env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The last lines a program printed, for an error message. */
function tail(output: string): string {
  return output.trim().split('\n').slice(-3).join(' | ');
}

async function initialise(runtime: PostgresRuntime, home: string, state: EmbeddedState): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await chmod(home, 0o700);
  if (runtime.runAs) await chown(home, runtime.runAs.uid, runtime.runAs.gid);
  // The superuser password reaches initdb in a file only initdb's user can read: 0600, in a fresh
  // 0700 directory of that user, removed whether initdb succeeds or fails.
  const passwordDir = await mkdtemp(path.join(tmpdir(), 'timegate-initdb-'));
  const passwordFile = path.join(passwordDir, 'pwfile');
  try {
    await writeFile(passwordFile, `${state.password}\n`, { mode: 0o600, flag: 'wx' });
    if (runtime.runAs) {
      await chown(passwordDir, runtime.runAs.uid, runtime.runAs.gid);
      await chown(passwordFile, runtime.runAs.uid, runtime.runAs.gid);
    }
    const args = [`--pgdata=${home}`, '--auth=scram-sha-256', `--username=${state.user}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--no-locale', '--no-sync'];
    const child = spawnProgram(runtime, runtime.initdb, args);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    }).catch((error: unknown) => {
      throw new StartupError(`The embedded PostgreSQL's initdb could not run (${(error as Error).message}): run \`npm ci\` again, or set DATABASE_URL`);
    });
    if (code !== 0) throw new StartupError(`The embedded PostgreSQL's initdb failed in ${home}: ${tail(output)}`);
  } finally {
    await rm(passwordDir, { recursive: true, force: true });
  }
}

interface RunningServer {
  stop(): Promise<void>;
  /** Asks for a fast shutdown without waiting (at process exit). */
  kill(): void;
}

async function startServer(runtime: PostgresRuntime, home: string, port: number): Promise<RunningServer> {
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
  const child = spawnProgram(runtime, runtime.postgres, ['-D', home, '-p', String(port), ...flags]);
  let output = '';
  child.stdout!.resume();
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new StartupError(`The embedded PostgreSQL could not run (${error.message}): run \`npm ci\` again, or set DATABASE_URL`)),
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      // Keep draining stderr for the server's whole life (a full pipe would block it); remember the tail.
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('database system is ready to accept connections')) resolve();
    });
    void exited.then(() => reject(new StartupError(`The embedded PostgreSQL in ${home} stopped at start: ${tail(output)}`)));
  });
  return {
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}
