import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The compiled starter (`npm test` builds dist/ first), run in a child process of plain Node with TMPDIR set. */
const EMBEDDED_POSTGRES_MODULE = pathToFileURL(path.resolve('dist/src/database/embedded-postgres.js')).href;

/**
 * Starts and stops a (persistent) embedded PostgreSQL with its data in `dataDir`, in a child process whose
 * TMPDIR is `tmp` (Jest gives tests a copy of process.env that os.tmpdir() never reads, so this
 * cannot run in the test's own process). Resolves with the child's verdict.
 */
function startAndStop(dataDir: string, tmp: string): Promise<{ output: string }> {
  const script = `
    const { startEmbeddedPostgres } = await import(${JSON.stringify(EMBEDDED_POSTGRES_MODULE)});
    try {
      const db = await startEmbeddedPostgres(${JSON.stringify(dataDir)}, { persistent: true, log: () => undefined });
      await db.stop();
      console.log('started and stopped');
    } catch (error) {
      console.log('failed: ' + error.message);
    }
    process.exit(0);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ output: output.trim() }));
  });
}

interface SeenFile {
  path: string;
  mode: number;
  uid: number;
  directoryMode: number;
  content: string;
}

/** Every file under `root`, as it is now (files vanish while we look: those are skipped). */
function snapshot(root: string): SeenFile[] {
  const seen: SeenFile[] = [];
  const walk = (directory: string) => {
    let entries: string[];
    try {
      entries = readdirSync(directory);
    } catch {
      return;
    }
    for (const name of entries) {
      const file = path.join(directory, name);
      try {
        const stat = statSync(file);
        if (stat.isDirectory()) walk(file);
        else seen.push({ path: file, mode: stat.mode & 0o777, uid: stat.uid, directoryMode: statSync(directory).mode & 0o777, content: readFileSync(file, 'utf8') });
      } catch {
        // Removed between readdir and stat.
      }
    }
  };
  walk(root);
  return seen;
}

/**
 * The embedded PostgreSQL's superuser password reaches initdb in a file: only initdb's user may read
 * it (mode 0600 in a mode-0700 directory), and nothing is left behind in the temporary directory,
 * whether initdb succeeds or fails. The test points TMPDIR at a directory of its own and watches
 * every file written there while the cluster is initialised.
 */
describe('embedded PostgreSQL: the initdb password file', () => {
  let scratch: string;
  let watched: string;
  const asRoot = process.getuid?.() === 0;
  const postgresUid = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : process.getuid!();

  beforeEach(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'timegate-embedded-test-'));
    // As root the cluster runs as `postgres`, which must traverse every parent directory.
    await chmod(scratch, 0o755);
    watched = path.join(scratch, 'tmp');
    await mkdir(watched, { mode: 0o755 });
    chmodSync(watched, 0o755);
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  /** Runs `work` while collecting every file seen under the watched directory, every 2 ms. */
  async function watching<T>(work: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; seen: SeenFile[] }> {
    const seen: SeenFile[] = [];
    const timer = setInterval(() => seen.push(...snapshot(watched)), 2);
    const [result] = await Promise.allSettled([work()]);
    clearInterval(timer);
    return { result, seen };
  }

  const readPassword = (dataDir: string) => (JSON.parse(readFileSync(path.join(dataDir, 'embedded-postgres.json'), 'utf8')) as { password: string }).password;

  it('initdb reads the password from a 0600 file of its user in a 0700 directory, removed afterwards', async () => {
    const dataDir = path.join(scratch, 'data');
    const { result, seen } = await watching(() => startAndStop(dataDir, watched));
    if (result.status === 'rejected') throw result.reason;
    expect(result.value.output).toBe('started and stopped');
    {
      const password = readPassword(dataDir);
      const withPassword = seen.filter((file) => file.content.includes(password));
      // The watch saw initdb's password file (else this test could not fail).
      expect(withPassword.length).toBeGreaterThan(0);
      for (const file of withPassword) {
        // Readable by its owner only: us (just written) or initdb's user (once handed over; as root, `postgres`).
        expect({ file: file.path, mode: file.mode.toString(8), directoryMode: file.directoryMode.toString(8) }).toEqual({
          file: file.path,
          mode: '600',
          directoryMode: '700',
        });
        expect([process.getuid!(), postgresUid]).toContain(file.uid);
      }
      expect(readdirSync(watched)).toEqual([]);
    }
  }, 60_000);

  it('leaves nothing behind when initdb fails', async () => {
    const dataDir = path.join(scratch, 'data');
    // A cluster directory that is not empty and holds no cluster: initdb refuses it.
    await mkdir(path.join(dataDir, 'postgres'), { recursive: true, mode: 0o755 });
    await writeFile(path.join(dataDir, 'postgres', 'not-a-cluster'), 'x');
    const { result, seen } = await watching(() => startAndStop(dataDir, watched));
    if (result.status === 'rejected') throw result.reason;
    expect(result.value.output).toMatch(/^failed: .*init/i);
    const password = readPassword(dataDir);
    for (const file of seen.filter((seenFile) => seenFile.content.includes(password))) {
      expect({ mode: file.mode.toString(8), directoryMode: file.directoryMode.toString(8) }).toEqual({ mode: '600', directoryMode: '700' });
    }
    expect(readdirSync(watched)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(false);
  }, 60_000);
});
