import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { findFreePort } from '../../src/database/embedded-postgres.js';

/**
 * The compiled service, run as a real child process. `npm test` builds dist/ first (pretest); set
 * TIMEGATE_SERVICE_MAIN to test a build elsewhere (e.g. `tsc -p tsconfig.build.json --outDir dist-x`).
 */
export const SERVICE_MAIN = path.resolve(process.env.TIMEGATE_SERVICE_MAIN ?? 'dist/src/main.js');

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** stdout so far, one entry per line. */
  stdout: string[];
  stderr: () => string;
  /** Resolves when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Still running? */
  alive: () => boolean;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns true, or throws after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** GET a path; the status, or the error code (ECONNREFUSED…) when there is no response. */
export async function probe(url: string, init: RequestInit = {}): Promise<number | string> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error as Error).name;
  }
}

export interface SpawnOptions {
  /** Working directory (default: this one); DATA_DIR's default ./.data is relative to it. */
  cwd?: string;
  /** The compiled main.js to run (default SERVICE_MAIN). */
  main?: string;
}

/**
 * Spawns the service on a free port with `env` on top of the test's environment (a variable set to
 * undefined is removed), without waiting for anything.
 */
export async function spawnService(env: NodeJS.ProcessEnv, options: SpawnOptions = {}): Promise<ServiceProcess> {
  const port = await findFreePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'error', ...env };
  delete childEnv.NODE_OPTIONS; // Jest's --experimental-vm-modules is not for the child
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
  const child = spawn(process.execPath, [options.main ?? SERVICE_MAIN], { env: childEnv, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    stdout.push(...lines);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let running = true;
  void exited.then(() => (running = false));
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stdout,
    stderr: () => stderr,
    exited,
    alive: () => running,
  };
}

/** Starts the service (spawnService) and waits for /health/live. */
export async function startService(env: NodeJS.ProcessEnv, options: SpawnOptions = {}): Promise<ServiceProcess> {
  const service = await spawnService(env, options);
  try {
    await waitFor('the service to answer /health/live', async () => {
      if (!service.alive()) throw new Error(`the service exited early:\n${service.stderr()}\n${service.stdout.join('\n')}`);
      return (await probe(`${service.url}/health/live`)) === 200;
    }, 30000);
  } catch (error) {
    service.child.kill('SIGKILL');
    throw error;
  }
  return service;
}

/** Sends SIGTERM and waits for the exit (SIGKILL after `timeoutMs`, so a hung test cannot leak the process). */
export async function terminate(service: ServiceProcess, timeoutMs = 20000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (!service.alive()) return service.exited;
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), timeoutMs);
  try {
    return await service.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the exit and fails with the service's output unless it exited with status 0. */
export async function expectCleanExit(service: ServiceProcess): Promise<void> {
  const exit = await service.exited;
  if (exit.code !== 0) {
    throw new Error(`the service exited with ${JSON.stringify(exit)}:\n${service.stdout.slice(-30).join('\n')}\n${service.stderr().slice(-3000)}`);
  }
}
