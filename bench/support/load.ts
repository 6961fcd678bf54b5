import { readFileSync } from 'node:fs';
import autocannon, { type AutocannonInstance, type AutocannonRequest, type AutocannonResult } from 'autocannon';
import type pg from 'pg';
import { cpuSeconds } from './processes.js';

export interface LoadResult {
  label: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Connection errors, timeouts and non-2xx answers: each one is a failed request. */
  failed: number;
  total: number;
  /** CPU used during the measurement, in cores (of the machine's nproc): load generator, server, its PostgreSQL backends. */
  cpu: CpuSplit;
}

export interface CpuSplit {
  loadgen: number;
  server: number;
  postgres: number;
  idle: number;
}

export interface LoadOptions {
  label: string;
  url: string;
  connections: number;
  seconds: number;
  request: AutocannonRequest;
  serverPid: number;
  /** To find the server's PostgreSQL backends (pg_stat_activity) for the CPU split. */
  monitor?: { client: pg.Client; database: string };
}

function machineIdleSeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((cpu[3] ?? 0) + (cpu[4] ?? 0)) / 100;
}

async function backendPids(monitor: LoadOptions['monitor']): Promise<number[]> {
  if (!monitor) return [];
  const rows = await monitor.client.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [monitor.database],
  );
  return rows.rows.map((row) => row.pid);
}

/** Starts autocannon; `done` resolves with its result. `stop()` ends it early (for open-ended runs). */
export function startLoad(options: Omit<LoadOptions, 'label' | 'serverPid' | 'monitor'>): { instance: AutocannonInstance; done: Promise<AutocannonResult> } {
  let instance!: AutocannonInstance;
  const done = new Promise<AutocannonResult>((resolve, reject) => {
    instance = autocannon(
      { url: options.url, connections: options.connections, duration: options.seconds, timeout: 30, requests: [options.request] },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  return { instance, done };
}

export function summarize(label: string, result: AutocannonResult, cpu: CpuSplit): LoadResult {
  return {
    label,
    requestsPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.errors + result.timeouts + result.non2xx,
    total: result.requests.total,
    cpu,
  };
}

/** One measured load run (after a short warm-up), with where the CPU went while it ran. */
export async function measureLoad(options: LoadOptions): Promise<LoadResult> {
  await startLoad({ ...options, seconds: 2 }).done; // warm-up: JIT, pool connections, caches
  const pgBefore = new Map<number, number>();
  for (const pid of await backendPids(options.monitor)) pgBefore.set(pid, cpuSeconds(pid));
  const serverBefore = cpuSeconds(options.serverPid);
  const selfBefore = process.cpuUsage();
  const idleBefore = machineIdleSeconds();
  const result = await startLoad(options).done;
  const self = process.cpuUsage(selfBefore);
  const idle = machineIdleSeconds() - idleBefore;
  let postgres = 0;
  for (const pid of await backendPids(options.monitor)) {
    const now = cpuSeconds(pid);
    if (Number.isFinite(now)) postgres += now - (pgBefore.get(pid) ?? 0);
  }
  const seconds = result.duration;
  const cpu: CpuSplit = {
    loadgen: (self.user + self.system) / 1e6 / seconds,
    server: (cpuSeconds(options.serverPid) - serverBefore) / seconds,
    postgres: postgres / seconds,
    idle: idle / seconds,
  };
  return summarize(options.label, result, cpu);
}
