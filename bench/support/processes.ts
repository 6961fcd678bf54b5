import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from '../../src/database/embedded-postgres.js';

/** The compiled tree this file runs from (dist/ for `npm run bench`, or a private --outDir). */
const DIST_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SERVICE_ENTRY = path.join(DIST_ROOT, 'src', 'main.js');
export const BASELINE_ENTRY = path.join(DIST_ROOT, 'bench', 'baseline-server.js');

/** A server process started by a benchmark, listening on 127.0.0.1. */
export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not answer ${url} within 60 s:\n${output()}`);
}

async function startProcess(name: string, entry: string, env: Record<string, string>, readyPath: string, nodeArgs: string[] = []): Promise<ServerProcess> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(`${url}${readyPath}`, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The real service (dist/src/main.js) on the bench database: no schedule, warnings only. */
export function startService(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  const nodeArgs = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  return startProcess(
    'service',
    SERVICE_ENTRY,
    { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ACCOUNTING_SCHEDULE_ENABLED: 'false', MIGRATIONS_RUN: 'false', ...extraEnv },
    '/health/live',
    nodeArgs,
  );
}

/** The raw baseline: node:http + pg doing the same SQL with nothing in between (bench/baseline-server.ts). */
export function startBaseline(databaseUrl: string): Promise<ServerProcess> {
  return startProcess('baseline', BASELINE_ENTRY, { DATABASE_URL: databaseUrl }, '/health');
}

/** Resident memory of a process in MB: `VmRSS` now, or `VmHWM` (the peak since it started). */
export function residentMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ": state is field 0, utime field 11, stime field 12 (clock ticks, 100 Hz on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
