import type { AutocannonRequest } from 'autocannon';
import { createBenchDatabase, withClient, type BenchServer } from './support/database.js';
import { measureLoad, type LoadResult } from './support/load.js';
import { startBaseline, startService, type ServerProcess } from './support/processes.js';
import { fmt, log, table, verdict } from './support/report.js';
import { benchKey, benchUsername, seedUsers } from './support/seed.js';
import { LOAD_HEADERS, loadRows, type ScenarioResult } from './poll.js';

const SUBSCRIBERS = 20_000;
const GATEWAYS = 200;
const GATEWAY_FIRST_ID = 1_000_001;
/** Distinct sessions the gateways report on; each request is the next Interim-Update of one of them. */
const SESSIONS = 20_000;
const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

/** What the load generator saw acknowledged, to check the database afterwards. */
interface Tally {
  /** Highest Acct-Session-Time answered 200 per session. */
  acked: Int32Array;
  created: number;
  updated: number;
  other: number;
}

/**
 * Interim-Updates from many gateways: request n reports session n mod SESSIONS with
 * Acct-Session-Time n div SESSIONS + 1 (so every session's figures only grow), sent by the
 * gateway that owns the session's NAS.
 */
function interimRequest(prefix: string, tally: Tally): AutocannonRequest {
  const gatewayKeys = Array.from({ length: GATEWAYS }, (_, i) => benchKey(GATEWAY_FIRST_ID + i));
  let sent = 0;
  return {
    method: 'POST',
    setupRequest: (request, context) => {
      const n = sent++;
      const session = n % SESSIONS;
      const time = Math.floor(n / SESSIONS) + 1;
      const gateway = session % GATEWAYS;
      context.session = session;
      context.time = time;
      return {
        ...request,
        path: '/api/v1/accounting/',
        headers: { authorization: `Bearer ${gatewayKeys[gateway]!}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          'Acct-Status-Type': 'Interim-Update',
          'User-Name': benchUsername(1 + (session % SUBSCRIBERS)),
          'Acct-Session-Id': `${prefix}${session}`,
          'NAS-Identifier': `bench-nas-${gateway}`,
          'NAS-IP-Address': `192.0.2.${1 + gateway}`,
          'Acct-Session-Time': time,
          'Acct-Input-Octets': time * 1000,
          'Acct-Output-Octets': time * 5000,
        }),
      };
    },
    onResponse: (status, body, context) => {
      if (status !== 200) return;
      const session = context.session as number;
      const time = context.time as number;
      if (tally.acked[session]! < time) tally.acked[session] = time;
      if (body.includes('"created"')) tally.created += 1;
      else if (body.includes('"updated"')) tally.updated += 1;
      else tally.other += 1;
    },
  };
}

interface Check {
  /** Sessions with at least one acknowledged update. */
  acknowledged: number;
  rows: number;
  /** Sessions whose stored figures are below an acknowledged update. */
  lost: number;
  /** Rows beyond one per session, and sessions answered "created" more than once. */
  duplicated: number;
}

/**
 * Every acknowledged update must be in the database (the figures only grow, so the stored
 * Acct-Session-Time is at least the highest acknowledged one), each session must be one row, and
 * "created" must have been answered at most once per row. Rows for sessions with no acknowledged
 * update can exist: requests still in flight when the load generator stopped.
 */
async function check(url: string, prefix: string, tally: Tally): Promise<Check> {
  return withClient(url, async (client) => {
    const rows = await client.query<{ session: string; time: string; copies: string }>(
      `SELECT substr(acct_session_id, ${prefix.length + 1}) AS session, max(session_time) AS time, count(*) AS copies
         FROM accounting_sessions WHERE acct_session_id LIKE $1 GROUP BY acct_session_id`,
      [`${prefix}%`],
    );
    const stored = new Map(rows.rows.map((row) => [Number(row.session), Number(row.time)]));
    let acknowledged = 0;
    let lost = 0;
    tally.acked.forEach((time, session) => {
      if (time === 0) return;
      acknowledged += 1;
      if ((stored.get(session) ?? 0) < time) lost += 1;
    });
    const extraCopies = rows.rows.reduce((n, row) => n + Number(row.copies) - 1, 0);
    const storedRows = rows.rows.reduce((n, row) => n + Number(row.copies), 0);
    return { acknowledged, rows: storedRows, lost, duplicated: extraCopies + Math.max(0, tally.created - storedRows) };
  });
}

export async function benchIngest(server: BenchServer): Promise<ScenarioResult> {
  log(`\n## bench:ingest: Interim-Updates for ${SESSIONS.toLocaleString('en-US')} sessions from ${GATEWAYS} gateways, ${CONNECTIONS} connections, ${SECONDS} s per run`);
  const db = await createBenchDatabase(server, 'ingest');
  const started: ServerProcess[] = [];
  try {
    await withClient(db.url, async (client) => {
      await seedUsers(client, { first: 1, last: SUBSCRIBERS, role: 'user', balanceSeconds: 36_000 });
      await seedUsers(client, { first: GATEWAY_FIRST_ID, last: GATEWAY_FIRST_ID + GATEWAYS - 1, role: 'gateway', balanceSeconds: 0, prefix: 'bench_gw_' });
      await client.query('VACUUM ANALYZE');
    });
    const service = await startService(db.url);
    started.push(service);
    const baseline = await startBaseline(db.url);
    started.push(baseline);

    const results: LoadResult[] = [];
    const checks: Check[] = [];
    await withClient(db.url, async (monitor) => {
      for (const target of [service, baseline]) {
        const prefix = `${target.name}-`;
        const tally: Tally = { acked: new Int32Array(SESSIONS), created: 0, updated: 0, other: 0 };
        results.push(
          await measureLoad({
            label: `POST /api/v1/accounting/ · ${target.name}`,
            url: target.url,
            connections: CONNECTIONS,
            seconds: SECONDS,
            request: interimRequest(prefix, tally),
            serverPid: target.pid,
            monitor: { client: monitor, database: db.name },
          }),
        );
        checks.push(await check(db.url, prefix, tally));
      }
    });
    log(table(LOAD_HEADERS, loadRows(results)));
    log(
      table(
        ['check (database after the runs)', 'sessions acknowledged', 'rows', 'lost updates', 'duplicated'],
        checks.map((c, i) => [results[i]!.label, c.acknowledged, c.rows, c.lost, c.duplicated]),
      ),
    );
    const [svc, raw] = results as [LoadResult, LoadResult];
    const rps = svc.requestsPerSecond / raw.requestsPerSecond;
    const p99 = svc.p99 / Math.max(raw.p99, 1);
    const svcCheck = checks[0]!;
    const clean = svcCheck.lost === 0 && svcCheck.duplicated === 0 && svcCheck.rows >= svcCheck.acknowledged && svc.failed === 0;
    const ratios = `ingest ratios service/baseline: req/s ${fmt.ratio(rps)} (${verdict(rps, '≥', 0.7)}), p99 ${fmt.ratio(p99)}; lost ${svcCheck.lost}, duplicated ${svcCheck.duplicated} (${clean ? 'ok' : 'MISSED'})`;
    log(ratios);
    return { ratios, ok: rps >= 0.7 && clean };
  } finally {
    for (const process of started.reverse()) await process.stop();
    await db.drop();
  }
}
