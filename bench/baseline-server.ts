/**
 * The raw baseline the benchmarks compare the service with: node:http + a pg pool of the same size,
 * doing the same SQL for the same requests with nothing in between (no framework, no validation
 * library, no DI). Named prepared statements, one round trip per statement, hand-written JSON.
 * Started as a child process like the service, so both pay the same process and loopback costs.
 *
 *   GET  /api/v1/balance/                       token lookup + balance in one query (the service's poll SQL)
 *   GET  /api/v1/user_token/{id}/?balance=true  token lookup (+ the sliding-lifetime touch) + subscriber with balance
 *   POST /api/v1/accounting/                    token lookup + the single-row Interim-Update upsert
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { liveSessionsSql, remainingBalanceSql, staleBeforeAt, unchargedSql } from '../src/accounting/balance-sql.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 20) });
const prepared = process.env.BASELINE_PREPARED !== '0';
/** The service's default stale window (3 × the 300 s interim interval). */
const STALE_AFTER_SECONDS = 900;

function statement(name: string, text: string): (values: unknown[]) => Promise<pg.QueryResult> {
  return (values) => pool.query(prepared ? { name, text, values } : { text, values });
}

const CREDENTIAL_COLUMNS = `t.user_id AS "userId", u.is_active AS "isActive", u.is_staff AS "isStaff",
  u.token_lifetime AS "tokenLifetime", p.role AS "role", t.last_used_at AS "lastUsedAt"`;

const pollQuery = statement(
  'baseline_poll',
  `SELECT ${CREDENTIAL_COLUMNS}, p.balance_seconds AS "storedBalance", ${unchargedSql('p', '$2::timestamptz', '$3::timestamptz')} AS "uncharged",
          ${liveSessionsSql('p', '$3::timestamptz')} AS "openSessions"
     FROM auth_tokens t JOIN users u ON u.id = t.user_id JOIN aaa_profiles p ON p.user_id = t.user_id
    WHERE t.key_hash = $1`,
);
const credentialQuery = statement(
  'baseline_credential',
  `SELECT ${CREDENTIAL_COLUMNS} FROM auth_tokens t JOIN users u ON u.id = t.user_id JOIN aaa_profiles p ON p.user_id = t.user_id
    WHERE t.key_hash = $1`,
);
const touchQuery = statement(
  'baseline_touch',
  'UPDATE auth_tokens SET last_used_at = $3 WHERE user_id = $1 AND key_hash = $2 AND last_used_at < $4',
);
const subscriberQuery = statement(
  'baseline_subscriber',
  `SELECT u.id, u.username, u.email, u.date_joined, u.last_login, p.organization, p.role, p.permissions, p.max_sessions,
          ${remainingBalanceSql('p', '$2::timestamptz', '$3::timestamptz')} AS balance
     FROM users u JOIN aaa_profiles p ON p.user_id = u.id WHERE u.id = $1`,
);
const interimQuery = statement(
  'baseline_interim',
  `INSERT INTO accounting_sessions AS s (acct_unique_id, acct_session_id, user_id, username, nas_identifier, nas_ip_address,
     nas_port_id, calling_station_id, called_station_id, framed_ip_address, started_at, last_update_at, session_time,
     input_octets, output_octets, session_time_clamped, status)
   VALUES (COALESCE((SELECT l.acct_unique_id FROM accounting_sessions l WHERE l.acct_unique_id = $12), $1), $2,
     (SELECT id FROM users WHERE username = $3), $3, $4, $5::inet, $6, '', '', NULL, $7, $8, $9, $10, $11, false, 'open')
   ON CONFLICT (acct_unique_id) DO UPDATE SET
     last_update_at = GREATEST(s.last_update_at, EXCLUDED.last_update_at),
     session_time = GREATEST(s.session_time, LEAST($9::bigint, GREATEST(0, floor(extract(epoch FROM (EXCLUDED.last_update_at - s.started_at))))::bigint + 120)),
     session_time_clamped = s.session_time_clamped OR $9::bigint > GREATEST(0, floor(extract(epoch FROM (EXCLUDED.last_update_at - s.started_at))))::bigint + 120,
     input_octets = GREATEST(s.input_octets, EXCLUDED.input_octets),
     output_octets = GREATEST(s.output_octets, EXCLUDED.output_octets),
     framed_ip_address = COALESCE(EXCLUDED.framed_ip_address, s.framed_ip_address)
   WHERE s.status = 'open'
   RETURNING (xmax = 0) AS inserted, acct_unique_id, $9::bigint > session_time AS clamped`,
);

interface Credential {
  userId: number;
  isActive: boolean;
  isStaff: boolean;
  tokenLifetime: number | null;
  role: string;
  lastUsedAt: Date;
}

/** ISO 8601 in UTC without milliseconds, as the API writes dates. */
const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** `Token <key>` / `Bearer <key>` → sha256(key), or undefined. */
function keyHash(req: IncomingMessage): string | undefined {
  const match = /^(?:token|bearer)\s+([0-9a-f]{40})$/i.exec(req.headers.authorization ?? '');
  return match ? createHash('sha256').update(match[1]!).digest('hex') : undefined;
}

function usable(row: Credential | undefined, now: Date): row is Credential {
  if (!row || !row.isActive) return false;
  return row.tokenLifetime === null || row.lastUsedAt.getTime() + row.tokenLifetime * 1000 > now.getTime();
}

/** Authenticates like the service's guard: lookup, checks, and the sliding-lifetime touch at most once a minute. */
async function authenticate(hash: string, now: Date): Promise<Credential | undefined> {
  const row = (await credentialQuery([hash])).rows[0] as Credential | undefined;
  if (!usable(row, now)) return undefined;
  const interval = row.tokenLifetime === null ? 60 : Math.min(60, Math.max(1, Math.floor(row.tokenLifetime / 10)));
  const staleBefore = new Date(now.getTime() - interval * 1000);
  if (row.lastUsedAt < staleBefore) await touchQuery([row.userId, hash, now, staleBefore]);
  return row;
}

async function poll(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const hash = keyHash(req);
  if (!hash) return send(res, 401, { detail: 'Invalid token.' });
  const now = new Date();
  const row = (await pollQuery([hash, now, staleBeforeAt(now, STALE_AFTER_SECONDS)])).rows[0] as (Credential & { storedBalance: string; uncharged: string; openSessions: string }) | undefined;
  if (!usable(row, now)) return send(res, 401, { detail: 'Invalid token.' });
  const remaining = Math.max(0, Number(row.storedBalance) - Number(row.uncharged));
  const open = Number(row.openSessions);
  const timeout = open > 0 ? Math.floor(remaining / open) : remaining;
  send(res, 200, {
    balance_seconds: remaining,
    status: remaining === 0 ? 'exhausted' : open > 0 ? 'active' : 'idle',
    session_timeout: timeout,
    expires_at: open > 0 ? iso(new Date(now.getTime() + timeout * 1000)) : null,
  });
}

async function userToken(req: IncomingMessage, res: ServerResponse, id: number): Promise<void> {
  const hash = keyHash(req);
  const now = new Date();
  const caller = hash ? await authenticate(hash, now) : undefined;
  if (!caller) return send(res, 401, { detail: 'Invalid token.' });
  if (caller.userId !== id && !caller.isStaff) return send(res, 404, { detail: 'Not found.' });
  const row = (await subscriberQuery([id, now, staleBeforeAt(now, STALE_AFTER_SECONDS)])).rows[0] as
    | { id: number; username: string; email: string; date_joined: Date; last_login: Date | null; organization: string; role: string; permissions: string[]; max_sessions: number | null; balance: string }
    | undefined;
  if (!row) return send(res, 404, { detail: 'Not found.' });
  send(res, 200, {
    id: row.id,
    username: row.username,
    organization: row.organization,
    created_at: iso(row.date_joined),
    last_login: row.last_login ? iso(row.last_login) : null,
    balance_seconds: Number(row.balance),
    profile: { email: row.email, role: row.role, permissions: row.permissions, max_sessions: row.max_sessions },
  });
}

async function accounting(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const hash = keyHash(req);
  const now = new Date();
  const caller = hash ? await authenticate(hash, now) : undefined;
  if (!caller) return send(res, 401, { detail: 'Invalid token.' });
  if (caller.role !== 'gateway' && !caller.isStaff) return send(res, 403, { detail: 'You do not have permission to perform this action.' });
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string | number | undefined>;
  const user = String(body['User-Name']);
  const sessionId = String(body['Acct-Session-Id']);
  const nasId = String(body['NAS-Identifier'] ?? '');
  const nasIp = body['NAS-IP-Address'] === undefined ? null : String(body['NAS-IP-Address']);
  const sessionTime = Number(body['Acct-Session-Time'] ?? 0);
  // FreeRADIUS's acct_unique (NAS-Port-Id and NAS-Port absent), and the earlier id, as the service computes them.
  const uniqueId = createHash('md5').update([user, sessionId, nasIp ?? '', nasId, '', ''].join(',')).digest('hex');
  const legacyId = createHash('md5').update([user, sessionId, nasIp ?? '', nasId, ''].join(',')).digest('hex');
  const startedAt = new Date(now.getTime() - sessionTime * 1000);
  const result = await interimQuery([
    uniqueId, sessionId, user, nasId, nasIp, '', startedAt, now, sessionTime,
    String(body['Acct-Input-Octets'] ?? 0), String(body['Acct-Output-Octets'] ?? 0), legacyId,
  ]);
  const row = result.rows[0] as { inserted: boolean } | undefined;
  send(res, 200, { result: row ? (row.inserted ? 'created' : 'updated') : 'ignored', acct_unique_id: uniqueId });
}

const USER_TOKEN = /^\/api\/v1\/user_token\/(\d+)\/?(?:\?|$)/;

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  let work: Promise<void> | undefined;
  if (req.method === 'GET' && url.startsWith('/api/v1/balance')) work = poll(req, res);
  else if (req.method === 'POST' && url.startsWith('/api/v1/accounting')) work = accounting(req, res);
  else if (req.method === 'GET' && url === '/health') return send(res, 200, { status: 'ok' });
  else {
    const match = req.method === 'GET' ? USER_TOKEN.exec(url) : null;
    if (match) work = userToken(req, res, Number(match[1]));
  }
  if (!work) return send(res, 404, { detail: 'Not found.' });
  work.catch((error: unknown) => send(res, 500, { detail: String(error) }));
});

server.listen(Number(process.env.PORT ?? 3001), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
