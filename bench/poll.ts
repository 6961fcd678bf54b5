import type { AutocannonRequest } from 'autocannon';
import { createBenchDatabase, withClient, type BenchServer } from './support/database.js';
import { measureLoad, type LoadResult } from './support/load.js';
import { startBaseline, startService, type ServerProcess } from './support/processes.js';
import { fmt, log, table, verdict } from './support/report.js';
import { benchKey, seedOpenSessions, seedUsers } from './support/seed.js';

const SUBSCRIBERS = 100_000;
/** Subscribers with an open session, so the poll's balance read sums real sessions for some callers. */
const WITH_OPEN_SESSION = 30_000;
const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/**
 * Rounds per scenario, service and baseline taking turns (BENCH_POLL_ROUNDS, default 1): on a shared machine,
 * bursts of other load then land on both sides instead of one.
 */
const ROUNDS = Number(process.env.BENCH_POLL_ROUNDS ?? 1);

export interface ScenarioResult {
  ratios: string;
  ok: boolean;
}

/** Each request: a random subscriber's token (and, for user_token, that subscriber's own id). */
function randomSubscriberRequest(path: (id: number) => string, keys: string[]): AutocannonRequest {
  return {
    method: 'GET',
    setupRequest: (request) => {
      const id = 1 + Math.floor(Math.random() * SUBSCRIBERS);
      return { ...request, path: path(id), headers: { authorization: `Token ${keys[id]!}` } };
    },
  };
}

export function loadRows(results: LoadResult[]): (string | number)[][] {
  return results.map((r) => [
    r.label, fmt.int(r.requestsPerSecond), fmt.ms(r.p50), fmt.ms(r.p99), r.failed,
    `${fmt.cores(r.cpu.loadgen)} / ${fmt.cores(r.cpu.server)} / ${fmt.cores(r.cpu.postgres)} / ${fmt.cores(r.cpu.idle)}`,
  ]);
}

/** Server CPU per answered request, in µs: what the framework adds, less sensitive than req/s to other load on the machine. */
function cpuPerRequest(result: LoadResult): number {
  return (result.cpu.server * 1e6) / Math.max(result.requestsPerSecond, 1);
}

/** Several rounds of one side as one result: mean rate and CPU, median latencies, every failure. */
function combine(label: string, rounds: LoadResult[]): LoadResult {
  if (rounds.length === 1) return rounds[0]!;
  const mean = (pick: (r: LoadResult) => number) => rounds.reduce((sum, r) => sum + pick(r), 0) / rounds.length;
  const median = (pick: (r: LoadResult) => number) => rounds.map(pick).sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!;
  return {
    label,
    requestsPerSecond: mean((r) => r.requestsPerSecond),
    p50: median((r) => r.p50),
    p99: median((r) => r.p99),
    failed: rounds.reduce((sum, r) => sum + r.failed, 0),
    total: rounds.reduce((sum, r) => sum + r.total, 0),
    cpu: { loadgen: mean((r) => r.cpu.loadgen), server: mean((r) => r.cpu.server), postgres: mean((r) => r.cpu.postgres), idle: mean((r) => r.cpu.idle) },
  };
}

export const LOAD_HEADERS = ['run', 'req/s', 'p50', 'p99', 'failed', 'CPU cores: loadgen / server / postgres / idle'];

/** Same answer from both servers for the same caller (expires_at aside, which moves with the clock). */
async function assertSameAnswer(service: ServerProcess, baseline: ServerProcess, path: string, key: string): Promise<void> {
  const read = async (server: ServerProcess) => {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Token ${key}` } });
    const body = (await response.json()) as Record<string, unknown>;
    return JSON.stringify({ status: response.status, ...body, expires_at: typeof body.expires_at });
  };
  const [a, b] = [await read(service), await read(baseline)];
  if (a !== b) throw new Error(`service and baseline disagree on ${path}:\n  service:  ${a}\n  baseline: ${b}`);
}

export async function benchPoll(server: BenchServer): Promise<ScenarioResult> {
  log(`\n## bench:poll: ${SUBSCRIBERS.toLocaleString('en-US')} subscribers, ${CONNECTIONS} connections, ${SECONDS} s per run${ROUNDS > 1 ? `, ${ROUNDS} rounds taking turns` : ''}, a random subscriber's token per request`);
  const db = await createBenchDatabase(server, 'poll');
  const started: ServerProcess[] = [];
  try {
    const seedStart = performance.now();
    await withClient(db.url, async (client) => {
      await seedUsers(client, { first: 1, last: SUBSCRIBERS, role: 'user', balanceSeconds: 36_000 });
      await seedOpenSessions(client, 1, WITH_OPEN_SESSION);
      await client.query('VACUUM ANALYZE');
    });
    log(`seeded in ${fmt.seconds((performance.now() - seedStart) / 1000)}`);
    const keys = Array.from({ length: SUBSCRIBERS + 1 }, (_, id) => benchKey(id));
    const service = await startService(db.url);
    started.push(service);
    const baseline = await startBaseline(db.url);
    started.push(baseline);
    await assertSameAnswer(service, baseline, '/api/v1/balance/', keys[1]!);
    await assertSameAnswer(service, baseline, '/api/v1/user_token/1/?balance=true', keys[1]!);

    const scenarios = [
      { name: 'GET /api/v1/balance/', path: () => '/api/v1/balance/' },
      { name: 'GET /api/v1/user_token/{id}/?balance=true', path: (id: number) => `/api/v1/user_token/${id}/?balance=true` },
    ];
    const results: LoadResult[] = [];
    const ratioParts: string[] = [];
    let ok = true;
    await withClient(db.url, async (monitor) => {
      for (const scenario of scenarios) {
        const rounds: [LoadResult[], LoadResult[]] = [[], []];
        for (let round = 1; round <= ROUNDS; round++) {
          for (const [side, target] of [service, baseline].entries()) {
            // Steady state: every token was used just now, so the sliding-lifetime touch (an UPDATE at most
            // once a minute per token) does not fire in the measured window, for either server.
            await monitor.query('UPDATE auth_tokens SET last_used_at = now()');
            await monitor.query('VACUUM ANALYZE auth_tokens');
            const result = await measureLoad({
              label: `${scenario.name} · ${target.name}${ROUNDS > 1 ? ` · round ${round}` : ''}`,
              url: target.url,
              connections: CONNECTIONS,
              seconds: SECONDS,
              request: randomSubscriberRequest(scenario.path, keys),
              serverPid: target.pid,
              monitor: { client: monitor, database: db.name },
            });
            rounds[side]!.push(result);
            results.push(result);
          }
        }
        const pair = [combine(`${scenario.name} · service`, rounds[0]), combine(`${scenario.name} · baseline`, rounds[1])];
        if (ROUNDS > 1) results.push(...pair.map((r) => ({ ...r, label: `${r.label} · ${ROUNDS} rounds` })));
        const [svc, raw] = pair as [LoadResult, LoadResult];
        const rps = svc.requestsPerSecond / raw.requestsPerSecond;
        const p99 = svc.p99 / Math.max(raw.p99, 1);
        ok &&= rps >= 0.8 && p99 <= 2 && svc.failed === 0;
        const cpu = `server CPU/request ${fmt.int(cpuPerRequest(svc))} µs vs ${fmt.int(cpuPerRequest(raw))} µs (${fmt.ratio(cpuPerRequest(svc) / cpuPerRequest(raw))})`;
        ratioParts.push(`${scenario.name.split(' ')[1]} req/s ${fmt.ratio(rps)} (${verdict(rps, '≥', 0.8)}) p99 ${fmt.ratio(p99)} (${verdict(p99, '≤', 2)}), ${cpu}`);
      }
    });
    log(table(LOAD_HEADERS, loadRows(results)));
    const ratios = `poll ratios service/baseline: ${ratioParts.join('; ')}`;
    log(ratios);
    return { ratios, ok };
  } finally {
    for (const process of started.reverse()) await process.stop();
    await db.drop();
  }
}
