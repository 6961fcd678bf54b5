/**
 * `npm run bench:radius`: accounting requests per second through RADIUS (FreeRADIUS's radclient,
 * `-p PARALLEL` requests in flight, read from a file of many Interim-Updates) against the same
 * records POSTed to /api/v1/accounting/ (autocannon, PARALLEL connections), both on one service
 * process and one database, measured in the same run. Then checks the database: every record of
 * both paths is stored, once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon, { type AutocannonOptions, type AutocannonResult } from 'autocannon';
import { findFreePort } from '../src/database/embedded-postgres.js';
import { createBenchDatabase, startBenchServer, withClient } from './support/database.js';
import { startService } from './support/processes.js';
import { fmt, log, table } from './support/report.js';
import { benchKey, benchUsername, seedUsers } from './support/seed.js';

const SUBSCRIBERS = 5_000;
const GATEWAY_ID = 1_000_001;
const REQUESTS = Number(process.env.BENCH_RADIUS_REQUESTS ?? 20_000);
const SESSIONS = Math.min(5_000, REQUESTS);
const PARALLEL = Number(process.env.BENCH_RADIUS_PARALLEL ?? 32);
const SECRET = 'bench-radius-secret';
const NAS_IP = '127.0.0.1';

/** Request n: the Interim-Update number ⌊n / SESSIONS⌋ + 1 of session n mod SESSIONS (figures only grow). */
function record(prefix: string, n: number): Record<string, string | number> {
  const session = n % SESSIONS;
  const time = Math.floor(n / SESSIONS) + 1;
  return {
    'Acct-Status-Type': 'Interim-Update',
    'User-Name': benchUsername(1 + (session % SUBSCRIBERS)),
    'Acct-Session-Id': `${prefix}${session}`,
    'NAS-Identifier': 'bench-radius-nas',
    'NAS-IP-Address': NAS_IP,
    'Acct-Session-Time': time,
    'Acct-Input-Octets': time * 1000,
    'Acct-Output-Octets': time * 5000,
  };
}

function radclientLine(attributes: Record<string, string | number>): string {
  return Object.entries(attributes)
    .map(([name, value]) => `${name} = ${typeof value === 'number' || name === 'NAS-IP-Address' || name === 'Acct-Status-Type' ? value : JSON.stringify(value)}`)
    .join(', ');
}

interface Measured {
  label: string;
  seconds: number;
  answered: number;
  failed: number;
}

async function viaRadclient(port: number, dir: string): Promise<Measured> {
  const file = path.join(dir, 'requests.txt');
  await writeFile(file, `${Array.from({ length: REQUESTS }, (_, n) => radclientLine(record('radius-', n))).join('\n\n')}\n`);
  const args = ['-q', '-s', '-p', String(PARALLEL), '-t', '5', '-r', '3', '-f', file, `127.0.0.1:${port}`, 'acct', SECRET];
  log(`$ radclient ${args.join(' ')}`);
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
  return { label: `RADIUS Accounting-Request (radclient -p ${PARALLEL})`, seconds, answered: count('Accepted'), failed: count('Lost') + count('Rejected') };
}

async function viaHttp(url: string): Promise<Measured> {
  const key = benchKey(GATEWAY_ID);
  let sent = 0;
  const started = performance.now();
  // `amount`: exactly REQUESTS requests, as radclient sends (autocannon supports it; bench/autocannon.d.ts does not list it).
  const options: AutocannonOptions & { amount: number } = {
    url,
    connections: PARALLEL,
    amount: REQUESTS,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({
          ...request,
          path: '/api/v1/accounting/',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(record('http-', sent++)),
        }),
      },
    ],
  };
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    autocannon(options, (error, done) => (error ? reject(error) : resolve(done)));
  });
  const seconds = (performance.now() - started) / 1000;
  return { label: `POST /api/v1/accounting/ (autocannon -c ${PARALLEL})`, seconds, answered: result['2xx'], failed: result.non2xx + result.errors + result.timeouts };
}

async function main(): Promise<void> {
  if (spawnSync('radclient', ['-v']).status !== 0) throw new Error('radclient is not installed: apt-get install -y freeradius-utils');
  const server = await startBenchServer();
  const dir = await mkdtemp(path.join(tmpdir(), 'timegate-bench-radius-'));
  log(`# bench:radius on ${server.describe}; node ${process.version}`);
  log(`## ${REQUESTS.toLocaleString('en-US')} Interim-Updates for ${SESSIONS.toLocaleString('en-US')} sessions, ${PARALLEL} in flight, same records on each path`);
  const db = await createBenchDatabase(server, 'radius');
  try {
    await withClient(db.url, async (client) => {
      await seedUsers(client, { first: 1, last: SUBSCRIBERS, role: 'user', balanceSeconds: 36_000 });
      await seedUsers(client, { first: GATEWAY_ID, last: GATEWAY_ID, role: 'gateway', balanceSeconds: 0, prefix: 'bench_gw_' });
      await client.query(`INSERT INTO nas_clients (name, ip_address, secret, created_at, updated_at) VALUES ('bench', $1, $2, now(), now())`, [NAS_IP, SECRET]);
      await client.query('VACUUM ANALYZE');
    });
    const acctPort = await findFreePort();
    const authPort = await findFreePort();
    const service = await startService(db.url, { RADIUS_ENABLED: 'true', RADIUS_BIND: '127.0.0.1', RADIUS_ACCT_PORT: String(acctPort), RADIUS_AUTH_PORT: String(authPort) });
    const results: Measured[] = [];
    try {
      results.push(await viaRadclient(acctPort, dir));
      results.push(await viaHttp(service.url));
    } finally {
      await service.stop();
    }
    const stored = await withClient(db.url, async (client) => {
      const rows = await client.query<{ path: string; sessions: string; time: string }>(
        `SELECT split_part(acct_session_id, '-', 1) AS path, count(*) AS sessions, sum(session_time) AS time
           FROM accounting_sessions GROUP BY 1 ORDER BY 1 DESC`,
      );
      return new Map(rows.rows.map((row) => [row.path, { sessions: Number(row.sessions), time: Number(row.time) }]));
    });
    const expectedTime = Array.from({ length: SESSIONS }, (_, session) => Math.floor((REQUESTS - 1 - session) / SESSIONS) + 1).reduce((a, b) => a + b, 0);
    log(
      table(
        ['path', 'requests', 'answered', 'failed', 'time', 'req/s', 'sessions stored', 'Σ Acct-Session-Time stored'],
        results.map((r, i) => {
          const s = stored.get(i === 0 ? 'radius' : 'http');
          return [r.label, fmt.int(REQUESTS), fmt.int(r.answered), fmt.int(r.failed), fmt.seconds(r.seconds), fmt.int(r.answered / r.seconds), fmt.int(s?.sessions ?? 0), fmt.int(s?.time ?? 0)];
        }),
      ),
    );
    const [radius, http] = results as [Measured, Measured];
    const ratio = radius.answered / radius.seconds / (http.answered / http.seconds);
    const complete = [...stored.values()].every((s) => s.sessions === SESSIONS && s.time === expectedTime) && stored.size === 2;
    log(`radius ratio RADIUS/HTTP ingest: req/s ${fmt.ratio(ratio)}; stored ${complete ? `complete on both paths (${SESSIONS} sessions, Σ ${fmt.int(expectedTime)} s each)` : 'INCOMPLETE'}`);
    if (!complete || radius.failed > 0 || http.failed > 0) process.exitCode = 1;
  } finally {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
    await server.stop();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
