/**
 * `npm run bench:radius` (and the `radius` scenario of `npm run bench`): the service's RADIUS
 * listeners against the real peer, FreeRADIUS 3.2 with rlm_sql (PostgreSQL, stock queries) and
 * sqlcounter (`noresetcounter`, Session-Timeout), on the same PostgreSQL server, with the same
 * subscribers, in the same run. The same radclient files go to both (Accounting Start, then
 * Interim-Update for the same sessions, then PAP Access-Requests; PARALLEL in flight): packets/s of
 * each and the ratio, after a warm-up round of each kind that is not measured (sessions of its own,
 * left out of the stored check). Both databases are ANALYZEd before each workload, as autovacuum would have done
 * within a minute of the previous one. Then both databases are checked: every answered record stored once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../src/database/embedded-postgres.js';
import type { ScenarioResult } from './poll.js';
import { createBenchDatabase, withClient, type BenchServer } from './support/database.js';
import { createFreeRadiusSchema, requireFreeRadius, startFreeRadius } from './support/freeradius.js';
import { startService } from './support/processes.js';
import { fmt, log, table, verdict } from './support/report.js';
import { benchKey, benchUsername, seedUsers } from './support/seed.js';

const SUBSCRIBERS = 5_000;
const BALANCE_SECONDS = 36_000;
const PACKETS = Number(process.env.BENCH_RADIUS_PACKETS ?? 4_000);
const PARALLEL = Number(process.env.BENCH_RADIUS_PARALLEL ?? 50);
const INTERIM_SESSION_TIME = 60;
/**
 * Packets of each kind both servers answer before anything is measured (Starts and Stops of sessions
 * of their own, Access-Requests): the rates are those of servers that have been up for a while, not
 * of their first connections to PostgreSQL, first plans and (for the service) first compilations.
 */
const WARMUP_PACKETS = Number(process.env.BENCH_RADIUS_WARMUP ?? 500);
/** 32 characters, as a generated NAS secret. */
const SECRET = 'bench-radius-secret-0123456789ab';
const NAS_IP = '127.0.0.1';

type Workload = 'start' | 'interim' | 'access';

const WORKLOADS: { name: Workload; label: string; type: 'acct' | 'auth'; expected: 'Accepted' }[] = [
  { name: 'start', label: 'Accounting Start', type: 'acct', expected: 'Accepted' },
  { name: 'interim', label: 'Interim-Update', type: 'acct', expected: 'Accepted' },
  { name: 'access', label: 'Access-Request (PAP)', type: 'auth', expected: 'Accepted' },
];

/** Packet n of a workload: session n belongs to subscriber 1 + n mod SUBSCRIBERS. */
function packet(workload: Workload, n: number): Record<string, string | number> {
  const id = 1 + (n % SUBSCRIBERS);
  return packetOf(workload, id, `bench-${n}`, n);
}

/** Packet n of the warm-up: sessions of their own (`warmup-n`, closed by its Stops), of the last subscribers first. */
function warmupPacket(workload: Workload | 'stop', n: number): Record<string, string | number> {
  const id = SUBSCRIBERS - (n % SUBSCRIBERS);
  if (workload !== 'stop') return packetOf(workload, id, `warmup-${n}`, n);
  return { ...packetOf('start', id, `warmup-${n}`, n), 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': 1, 'Acct-Terminate-Cause': 'User-Request' };
}

function packetOf(workload: Workload, id: number, sessionId: string, n: number): Record<string, string | number> {
  const nas = { 'NAS-IP-Address': NAS_IP, 'NAS-Identifier': 'bench-nas', 'NAS-Port': n % 4096, 'Calling-Station-Id': `02-00-00-${String(n % 100).padStart(2, '0')}-00-01` };
  switch (workload) {
    case 'start':
      return { 'Acct-Status-Type': 'Start', 'User-Name': benchUsername(id), 'Acct-Session-Id': sessionId, ...nas };
    case 'interim':
      return {
        'Acct-Status-Type': 'Interim-Update',
        'User-Name': benchUsername(id),
        'Acct-Session-Id': sessionId,
        ...nas,
        'Acct-Session-Time': INTERIM_SESSION_TIME,
        'Acct-Input-Octets': 1000 * n,
        'Acct-Output-Octets': 5000 * n,
      };
    case 'access':
      // The secret a subscriber types at a portal: its key (theirs: radcheck's Cleartext-Password, the same string).
      return { 'User-Name': benchUsername(id), 'User-Password': benchKey(id), 'Message-Authenticator': '0x00', ...nas };
  }
}

function radclientLine(attributes: Record<string, string | number>): string {
  const bare = (name: string, value: string | number) => typeof value === 'number' || String(value).startsWith('0x') || ['NAS-IP-Address', 'Acct-Status-Type'].includes(name);
  return Object.entries(attributes)
    .map(([name, value]) => `${name} = ${bare(name, value) ? value : JSON.stringify(value)}`)
    .join(', ');
}

interface Measured {
  seconds: number;
  answered: number;
  failed: number;
}

async function radclient(file: string, type: 'acct' | 'auth', port: number): Promise<Measured> {
  const args = ['-q', '-s', '-p', String(PARALLEL), '-t', '5', '-r', '3', '-f', file, `127.0.0.1:${port}`, type, SECRET];
  const started = performance.now();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('radclient', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  const seconds = (performance.now() - started) / 1000;
  const count = (label: string) => Number(new RegExp(`${label}\\s*:\\s*(\\d+)`).exec(output)?.[1] ?? NaN);
  return { seconds, answered: count('Accepted'), failed: count('Lost') + count('Rejected') };
}

interface Stored {
  rows: number;
  distinct: number;
  sessionTime: number;
}

export async function benchRadius(server: BenchServer): Promise<ScenarioResult> {
  if (spawnSync('radclient', ['-v']).status !== 0) throw new Error('radclient is not installed: apt-get install -y freeradius-utils');
  requireFreeRadius();
  log(
    `\n## bench:radius: ${fmt.int(PACKETS)} packets per workload, radclient -p ${PARALLEL}, ${fmt.int(SUBSCRIBERS)} subscribers; ` +
      'FreeRADIUS 3.2 (rlm_sql PostgreSQL + sqlcounter noresetcounter) against the service, same files, same PostgreSQL',
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'timegate-bench-radius-'));
  const ours = await createBenchDatabase(server, 'radius');
  const theirs = await createBenchDatabase(server, 'freeradius');
  const stops: (() => Promise<void>)[] = [];
  try {
    await withClient(ours.url, async (client) => {
      await seedUsers(client, { first: 1, last: SUBSCRIBERS, role: 'user', balanceSeconds: BALANCE_SECONDS });
      await client.query(`INSERT INTO nas_clients (name, ip_address, secret, created_at, updated_at) VALUES ('bench', $1, $2, now(), now())`, [NAS_IP, SECRET]);
      await client.query('VACUUM ANALYZE');
    });
    await withClient(theirs.url, async (client) => {
      await createFreeRadiusSchema(client);
      await client.query(
        `INSERT INTO radcheck (username, attribute, op, value)
         SELECT 'bench_user_' || g, a.attribute, ':=', CASE a.attribute WHEN 'Cleartext-Password'
                  THEN md5('bench-key-' || g) || left(md5('bench-key2-' || g), 8) ELSE $2::text END
           FROM generate_series(1, $1::int) g CROSS JOIN (VALUES ('Cleartext-Password'), ('Max-All-Session')) a(attribute)`,
        [SUBSCRIBERS, String(BALANCE_SECONDS)],
      );
      await client.query('VACUUM ANALYZE');
    });

    const ports = { ours: { auth: await findFreePort(), acct: await findFreePort() }, theirs: { auth: await findFreePort(), acct: await findFreePort() } };
    const service = await startService(ours.url, {
      RADIUS_ENABLED: 'true',
      RADIUS_BIND: '127.0.0.1',
      RADIUS_ACCT_PORT: String(ports.ours.acct),
      RADIUS_AUTH_PORT: String(ports.ours.auth),
    });
    stops.push(() => service.stop());
    const freeradius = await startFreeRadius({ databaseUrl: theirs.url, authPort: ports.theirs.auth, acctPort: ports.theirs.acct, secret: SECRET, requireMessageAuthenticator: true });
    stops.push(() => freeradius.stop());

    // Warm-up, unmeasured: both servers answer the same Starts, Stops and Access-Requests first.
    for (const kind of ['start', 'stop', 'access'] as const) {
      if (WARMUP_PACKETS === 0) break;
      const file = path.join(dir, `warmup-${kind}.txt`);
      await writeFile(file, `${Array.from({ length: WARMUP_PACKETS }, (_, n) => radclientLine(warmupPacket(kind, n))).join('\n\n')}\n`);
      const type = kind === 'access' ? 'auth' : 'acct';
      for (const port of [ports.theirs[type], ports.ours[type]]) {
        const warm = await radclient(file, type, port);
        if (warm.answered !== WARMUP_PACKETS) throw new Error(`warm-up ${kind}: ${warm.answered} of ${WARMUP_PACKETS} answered on port ${port}`);
      }
    }

    const rows: (string | number)[][] = [];
    const ratios: string[] = [];
    let ok = true;
    // BENCH_RADIUS_WORKLOADS=start,access measures only those (profiling one workload); the Interim-Updates follow their Starts.
    const only = process.env.BENCH_RADIUS_WORKLOADS?.split(',');
    for (const workload of WORKLOADS.filter((w) => !only || only.includes(w.name))) {
      const file = path.join(dir, `${workload.name}.txt`);
      await writeFile(file, `${Array.from({ length: PACKETS }, (_, n) => radclientLine(packet(workload.name, n))).join('\n\n')}\n`);
      // Both databases start each workload with statistics as autovacuum leaves them within a minute of
      // the last one's writes (4,000 new sessions in a few seconds otherwise leave the planner believing
      // the sessions table is as empty as when it was seeded, for both servers).
      for (const url of [ours.url, theirs.url]) await withClient(url, (client) => client.query('ANALYZE'));
      const peer = await radclient(file, workload.type, ports.theirs[workload.type]);
      const service = await radclient(file, workload.type, ports.ours[workload.type]);
      const pps = (m: Measured) => m.answered / m.seconds;
      const ratio = pps(service) / pps(peer);
      const complete = peer.answered === PACKETS && service.answered === PACKETS && peer.failed === 0 && service.failed === 0;
      if (!complete || ratio < 1) ok = false;
      rows.push([workload.label, fmt.int(peer.answered), fmt.int(pps(peer)), fmt.int(service.answered), fmt.int(pps(service)), fmt.ratio(ratio)]);
      ratios.push(`${workload.label} ${fmt.ratio(ratio)} ≥ 1.0× ${verdict(ratio, '≥', 1)}${complete ? '' : ' (NOT every packet answered)'}`);
    }
    log(table(['workload', 'FreeRADIUS answered', 'FreeRADIUS pps', 'service answered', 'service pps', 'service / FreeRADIUS'], rows));

    if (only) {
      log(`stored: not checked (only ${only.join(', ')} measured)`);
      return { ratios: `radius (service / FreeRADIUS packets/s): ${ratios.join('; ')}`, ok: false };
    }
    const theirStored = await withClient(theirs.url, async (client) => {
      const result = await client.query<{ rows: string; distinct: string; time: string }>(
        `SELECT count(*) AS rows, count(DISTINCT acctsessionid) AS distinct, COALESCE(sum(acctsessiontime), 0) AS time FROM radacct WHERE acctsessionid LIKE 'bench-%'`,
      );
      return toStored(result.rows[0]!);
    });
    const ourStored = await withClient(ours.url, async (client) => {
      const result = await client.query<{ rows: string; distinct: string; time: string }>(
        `SELECT count(*) AS rows, count(DISTINCT acct_session_id) AS distinct, COALESCE(sum(session_time), 0) AS time FROM accounting_sessions WHERE acct_session_id LIKE 'bench-%'`,
      );
      return toStored(result.rows[0]!);
    });
    const expected: Stored = { rows: PACKETS, distinct: PACKETS, sessionTime: PACKETS * INTERIM_SESSION_TIME };
    const same = (s: Stored) => s.rows === expected.rows && s.distinct === expected.distinct && s.sessionTime === expected.sessionTime;
    log(
      `stored: FreeRADIUS radacct ${fmt.int(theirStored.rows)} rows (${fmt.int(theirStored.distinct)} sessions, Σ ${fmt.int(theirStored.sessionTime)} s); ` +
        `service ${fmt.int(ourStored.rows)} rows (${fmt.int(ourStored.distinct)} sessions, Σ ${fmt.int(ourStored.sessionTime)} s); ` +
        `expected ${fmt.int(expected.rows)} sessions, Σ ${fmt.int(expected.sessionTime)} s: ${same(theirStored) && same(ourStored) ? 'every record stored once on both' : 'MISMATCH'}`,
    );
    if (!same(theirStored) || !same(ourStored)) ok = false;
    return { ratios: `radius (service / FreeRADIUS packets/s): ${ratios.join('; ')}`, ok };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await ours.drop();
    await theirs.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

function toStored(row: { rows: string; distinct: string; time: string }): Stored {
  return { rows: Number(row.rows), distinct: Number(row.distinct), sessionTime: Number(row.time) };
}
