import { plainToInstance, Transform } from 'class-transformer';
import { isIP } from 'node:net';
import { IsBoolean, IsIn, IsInt, IsIP, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, ValidateIf, validateSync } from 'class-validator';
import { SatisfiesRule } from '../common/validation/field-rule.js';

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
  if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
  return value;
};
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const toLifetime = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (normalized === 'never' || normalized === 'none' || normalized === '') return null;
  return toInteger({ value: normalized });
};

/**
 * The service's settings, read from the environment once at boot and validated.
 * Every entry point (HTTP service, CLI, migration data source) reads the same class.
 */
export class EnvironmentVariables {
  /** PostgreSQL connection URL. Unset: an embedded PostgreSQL is started with its data under DATA_DIR. */
  @IsOptional()
  @IsString()
  @ValidateIf((_, value) => value !== '')
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true }, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DATA_DIR: string = './.data';

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsString()
  HOST: string = '0.0.0.0';

  /** Base of the absolute `url`, `user`, `next` and `previous` links. Defaults to http://localhost:PORT. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an absolute http(s) URL' })
  PUBLIC_URL?: string;

  @Transform(toBoolean)
  @IsBoolean()
  MIGRATIONS_RUN: boolean = true;

  /** Lifetime given to new users' tokens, in seconds (>= 60), or `never`. */
  @Transform(toLifetime)
  @ValidateIf((_, value) => value !== null)
  @IsInt({ message: 'must be an integer number of seconds or "never"' })
  @Min(60)
  TOKEN_LIFETIME_DEFAULT_SECONDS: number | null = 3600;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** `auto`: readable lines at a terminal, JSON lines otherwise; `json` or `pretty` forces one. */
  @IsIn(['auto', 'json', 'pretty'])
  LOG_FORMAT: 'auto' | 'json' | 'pretty' = 'auto';

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  DATABASE_POOL_SIZE: number = 20;

  /** How often the in-process scheduler runs accounting. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(86400)
  ACCOUNTING_INTERVAL_SECONDS: number = 60;

  /** false: no in-process schedule; run `npm run cli -- accounting:run` from cron / a Kubernetes CronJob. */
  @Transform(toBoolean)
  @IsBoolean()
  ACCOUNTING_SCHEDULE_ENABLED: boolean = true;

  /** The interim-update interval gateways are told to use (Acct-Interim-Interval). */
  @Transform(toInteger)
  @IsInt()
  @Min(60)
  @Max(86400)
  ACCT_INTERIM_INTERVAL_SECONDS: number = 300;

  /** An open session with no update for this long is closed as Lost-Service. Default: 3 × the interim interval. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(60)
  @Max(7 * 86400)
  ACCOUNTING_STALE_AFTER_SECONDS?: number;

  /** Subscribers charged per transaction in an accounting run. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  ACCOUNTING_BATCH_SIZE: number = 5000;

  /** Event-Timestamp / Acct-Delay-Time may move an event at most this far into the past. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  ACCOUNTING_MAX_EVENT_AGE_SECONDS: number = 86400;

  /** The longest Acct-Session-Time believed for a session first seen at its Interim-Update or Stop (longer is clamped). */
  @Transform(toInteger)
  @IsInt()
  @Min(60)
  @Max(366 * 86400)
  ACCOUNTING_MAX_SESSION_SECONDS: number = 7 * 86400;

  /** Refused accounting records (accounting_rejected) are deleted by the accounting run after this many days. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3650)
  ACCOUNTING_REJECTED_RETENTION_DAYS: number = 90;

  // ---- Security and observability ----
  /**
   * Which X-Forwarded-For hops to believe (rate limits are per client IP): `false` (none), the number
   * of proxies in front of the service, or their addresses / CIDRs, comma-separated. Not `true`.
   */
  @SatisfiesRule(trustProxyProblem)
  TRUST_PROXY: string = 'false';

  /** The whole request (headers and body) must arrive within this; a slower client gets 408 and is disconnected. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  HTTP_REQUEST_TIMEOUT_SECONDS: number = 30;

  /** The request headers must arrive within this (at most HTTP_REQUEST_TIMEOUT_SECONDS). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  HTTP_HEADERS_TIMEOUT_SECONDS: number = 10;

  /** Origins allowed to call the API from a browser, comma-separated, or `*`. Empty: no CORS headers (closed). */
  @IsString()
  @Matches(/^(\*|(https?:\/\/[^\s,]+)(\s*,\s*https?:\/\/[^\s,]+)*)?$/, {
    message: 'must be empty, `*`, or comma-separated http(s) origins',
  })
  CORS_ORIGINS: string = '';

  /** Rate-limit window, in seconds, of the three limits below. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(86400)
  RATE_LIMIT_WINDOW_SECONDS: number = 60;

  /** Failed logins per client IP per window, after which logins from that IP are refused until the window ends (0: no limit). */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  LOGIN_RATE_LIMIT_PER_IP: number = 10;

  /** Failed logins per username per window, after which that username is refused until the window ends (0: no limit). */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  LOGIN_RATE_LIMIT_PER_USERNAME: number = 5;

  /** Requests with a wrong or expired key (or an inactive user's) per client IP per window; more get 429 (0: no limit). */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  AUTH_FAILURE_RATE_LIMIT_PER_IP: number = 30;

  /** Unset: GET /metrics is public (keep it on an internal network). Set: it needs `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** After SIGTERM, exit with status 1 if in-flight requests and an accounting batch have not finished by then. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  SHUTDOWN_TIMEOUT_SECONDS: number = 30;

  // ---- RADIUS (src/radius) ----
  /** Listen for RADIUS (UDP) Access-Request and Accounting-Request. */
  @Transform(toBoolean)
  @IsBoolean()
  RADIUS_ENABLED: boolean = false;

  /** Address the RADIUS sockets bind to (an IPv4 or IPv6 address). */
  @IsIP(undefined, { message: 'must be an IPv4 or IPv6 address' })
  RADIUS_BIND: string = '127.0.0.1';

  /** 0: any free port. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  RADIUS_AUTH_PORT: number = 1812;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  RADIUS_ACCT_PORT: number = 1813;

  /** A request with the same NAS, identifier and authenticator inside this window gets the cached response. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(600)
  RADIUS_DUPLICATE_WINDOW_SECONDS: number = 30;

  /** Disconnect-Request: wait this long for the first answer; doubled for each retry. */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(60000)
  RADIUS_DISCONNECT_TIMEOUT_MS: number = 2000;

  /** Disconnect-Request: retransmissions after the first attempt before recording a timeout. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(10)
  RADIUS_DISCONNECT_RETRIES: number = 3;

  /** RADIUS packets in progress at once, all NAS clients together; more are dropped (counted as overloaded). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  RADIUS_MAX_IN_FLIGHT: number = 1024;

  /** Requests of one NAS client being processed at once; more are dropped (counted as overloaded). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  RADIUS_MAX_IN_FLIGHT_PER_CLIENT: number = 256;

  /**
   * Group commit: accounting records (RADIUS Accounting-Requests, HTTP and rlm_rest accounting alike) arriving
   * within this many milliseconds of the first are applied in one transaction (each answered once it commits). 0: no deliberate wait (a group still gathers what arrives while
   * earlier groups are being applied).
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(50)
  RADIUS_GROUP_COMMIT_MS: number = 2;

  /** Group commit: at most this many accounting records in one transaction (1: each in its own). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  RADIUS_GROUP_COMMIT_MAX_RECORDS: number = 100;

  /**
   * Encrypts the NAS clients' RADIUS secrets at rest (AES-256-GCM, key derived from it). Unset: secrets
   * are stored as given, and the service refuses to start if encrypted ones exist.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  SECRETS_KEY?: string;

  /** The SECRETS_KEY before a rotation: secrets sealed under it are read and sealed again under SECRETS_KEY at start. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  SECRETS_KEY_PREVIOUS?: string;
}

export interface AppConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  publicUrl: string;
  migrationsRun: boolean;
  tokenLifetimeDefaultSeconds: number | null;
  logLevel: EnvironmentVariables['LOG_LEVEL'];
  logFormat: EnvironmentVariables['LOG_FORMAT'];
  databasePoolSize: number;
  accounting: AccountingConfig;
  trustProxy: TrustProxy;
  httpTimeouts: HttpTimeouts;
  /** Empty: CORS is closed. `['*']`: any origin. */
  corsOrigins: string[];
  rateLimits: RateLimitConfig;
  metricsToken: string | undefined;
  shutdownTimeoutSeconds: number;
  radius: RadiusConfig;
  /** SECRETS_KEY: encrypts NAS secrets at rest when set. */
  secretsKey: string | undefined;
  secretsKeyPrevious: string | undefined;
}

/**
 * Which hops of X-Forwarded-For are believed: none, the `hops` nearest ones (every request must come
 * through that many proxies), or those sent by the listed proxy addresses / networks.
 */
export type TrustProxy = false | { hops: number } | { proxies: string[] };

/** How long a client may take to send a request: its headers, and the whole request with its body. */
export interface HttpTimeouts {
  headersSeconds: number;
  requestSeconds: number;
}

/** Limits on login and failed authentication; 0 turns one off. */
export interface RateLimitConfig {
  windowSeconds: number;
  loginFailuresPerIp: number;
  loginFailuresPerUsername: number;
  authFailuresPerIp: number;
}

export interface AccountingConfig {
  intervalSeconds: number;
  scheduleEnabled: boolean;
  interimIntervalSeconds: number;
  staleAfterSeconds: number;
  batchSize: number;
  maxEventAgeSeconds: number;
  maxSessionSeconds: number;
  rejectedRetentionDays: number;
}

export interface RadiusConfig {
  /** The UDP listeners (the service only; CLI commands never listen). Disconnect-Requests are sent either way. */
  enabled: boolean;
  bind: string;
  authPort: number;
  acctPort: number;
  duplicateWindowSeconds: number;
  disconnectTimeoutMs: number;
  disconnectRetries: number;
  maxInFlight: number;
  maxInFlightPerClient: number;
  /** Group commit of Accounting-Requests: the window and the most records in one transaction. */
  groupCommitMs: number;
  groupCommitMaxRecords: number;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * When a value has the wrong type ("abc" for a port), only that is said: its range checks fail too
 * but would only repeat it ("must not be greater than 65535; must not be less than 0").
 */
function problemsOf(constraints: Record<string, string>): string[] {
  const typeChecks = Object.entries(constraints).filter(([name]) => name.startsWith('is') && name !== 'isIn');
  return (typeChecks.length > 0 ? typeChecks : Object.entries(constraints)).map(([, message]) => message);
}

const SECRET_VARIABLES = new Set(['METRICS_TOKEN', 'DATABASE_URL', 'SECRETS_KEY', 'SECRETS_KEY_PREVIOUS']);

/** Validates the environment and returns the typed configuration, or throws naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new EnvironmentVariables());
  const raw: Record<string, string> = {};
  for (const key of [...known, 'DATABASE_URL', 'PUBLIC_URL', 'ACCOUNTING_STALE_AFTER_SECONDS', 'METRICS_TOKEN', 'SECRETS_KEY', 'SECRETS_KEY_PREVIOUS']) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const vars = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(vars, { whitelist: false });
  if (errors.length > 0) {
    throw new ConfigValidationError(
      errors.map((error) => {
        // A secret is never echoed, not even a wrong one.
        const shown = SECRET_VARIABLES.has(error.property) ? '"***"' : JSON.stringify(raw[error.property]);
        return `${error.property}=${shown}: ${problemsOf(error.constraints ?? {}).join('; ')}`;
      }),
    );
  }
  if (vars.HTTP_HEADERS_TIMEOUT_SECONDS > vars.HTTP_REQUEST_TIMEOUT_SECONDS) {
    throw new ConfigValidationError([
      `HTTP_HEADERS_TIMEOUT_SECONDS="${vars.HTTP_HEADERS_TIMEOUT_SECONDS}": must not be greater than HTTP_REQUEST_TIMEOUT_SECONDS (${vars.HTTP_REQUEST_TIMEOUT_SECONDS})`,
    ]);
  }
  const publicUrl = (vars.PUBLIC_URL ?? `http://localhost:${vars.PORT}`).replace(/\/+$/, '');
  return {
    databaseUrl: vars.DATABASE_URL || undefined,
    dataDir: vars.DATA_DIR,
    port: vars.PORT,
    host: vars.HOST,
    publicUrl,
    migrationsRun: vars.MIGRATIONS_RUN,
    tokenLifetimeDefaultSeconds: vars.TOKEN_LIFETIME_DEFAULT_SECONDS,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    databasePoolSize: vars.DATABASE_POOL_SIZE,
    accounting: {
      intervalSeconds: vars.ACCOUNTING_INTERVAL_SECONDS,
      scheduleEnabled: vars.ACCOUNTING_SCHEDULE_ENABLED,
      interimIntervalSeconds: vars.ACCT_INTERIM_INTERVAL_SECONDS,
      staleAfterSeconds: vars.ACCOUNTING_STALE_AFTER_SECONDS ?? 3 * vars.ACCT_INTERIM_INTERVAL_SECONDS,
      batchSize: vars.ACCOUNTING_BATCH_SIZE,
      maxEventAgeSeconds: vars.ACCOUNTING_MAX_EVENT_AGE_SECONDS,
      maxSessionSeconds: vars.ACCOUNTING_MAX_SESSION_SECONDS,
      rejectedRetentionDays: vars.ACCOUNTING_REJECTED_RETENTION_DAYS,
    },
    trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    httpTimeouts: { headersSeconds: vars.HTTP_HEADERS_TIMEOUT_SECONDS, requestSeconds: vars.HTTP_REQUEST_TIMEOUT_SECONDS },
    corsOrigins: vars.CORS_ORIGINS.split(',').map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean),
    rateLimits: {
      windowSeconds: vars.RATE_LIMIT_WINDOW_SECONDS,
      loginFailuresPerIp: vars.LOGIN_RATE_LIMIT_PER_IP,
      loginFailuresPerUsername: vars.LOGIN_RATE_LIMIT_PER_USERNAME,
      authFailuresPerIp: vars.AUTH_FAILURE_RATE_LIMIT_PER_IP,
    },
    metricsToken: vars.METRICS_TOKEN,
    shutdownTimeoutSeconds: vars.SHUTDOWN_TIMEOUT_SECONDS,
    radius: {
      enabled: vars.RADIUS_ENABLED,
      bind: vars.RADIUS_BIND,
      authPort: vars.RADIUS_AUTH_PORT,
      acctPort: vars.RADIUS_ACCT_PORT,
      duplicateWindowSeconds: vars.RADIUS_DUPLICATE_WINDOW_SECONDS,
      disconnectTimeoutMs: vars.RADIUS_DISCONNECT_TIMEOUT_MS,
      disconnectRetries: vars.RADIUS_DISCONNECT_RETRIES,
      maxInFlight: vars.RADIUS_MAX_IN_FLIGHT,
      maxInFlightPerClient: vars.RADIUS_MAX_IN_FLIGHT_PER_CLIENT,
      groupCommitMs: vars.RADIUS_GROUP_COMMIT_MS,
      groupCommitMaxRecords: vars.RADIUS_GROUP_COMMIT_MAX_RECORDS,
    },
    secretsKey: vars.SECRETS_KEY,
    secretsKeyPrevious: vars.SECRETS_KEY_PREVIOUS,
  };
}

/** Names proxy-addr (Fastify's trustProxy) knows for the loopback, link-local and private ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `10.0.0.1`, `10.0.0.0/8`, `fd00::/8`, or a proxy-addr range name. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Why a TRUST_PROXY value is refused, or undefined when it is valid. */
function trustProxyProblem(value: unknown): string | undefined {
  const text = String(value).trim().toLowerCase();
  if (text === 'true' || text === 'yes' || text === 'on') {
    return 'true would believe every X-Forwarded-For hop, so any client could pick its own address and escape the per-IP limits: ' +
      'give the number of proxies in front of the service (e.g. 1) or their addresses / CIDRs (e.g. 10.0.0.5,10.1.0.0/16)';
  }
  if (['false', 'no', 'off', '0'].includes(text) || /^\d+$/.test(text)) return undefined;
  const bad = text.split(',').map((entry) => entry.trim()).filter((entry) => !isProxyAddress(entry));
  return bad.length === 0 ? undefined : `must be false, a number of proxies, or proxy addresses / CIDRs (not ${bad.map((entry) => JSON.stringify(entry)).join(', ')})`;
}

function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim().toLowerCase();
  if (['false', 'no', 'off', '0'].includes(text)) return false;
  if (/^\d+$/.test(text)) return { hops: Number(text) };
  return { proxies: text.split(',').map((entry) => entry.trim()) };
}
