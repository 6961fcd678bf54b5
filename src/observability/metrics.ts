import { collectDefaultMetrics, Counter, Gauge, Histogram, register, type Metric } from 'prom-client';

/**
 * The service's Prometheus metrics, on prom-client's default (global) registry, which GET /metrics
 * serves; other modules add theirs to the same registry. Defined once per process: a second app in
 * the same process (tests) reuses them.
 */
function once<T extends Metric>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export function ensureDefaultMetrics(): void {
  if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
}

export const httpRequestDuration = once(
  'http_request_duration_seconds',
  () =>
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template, method and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
);

export const authFailures = once(
  'timegate_auth_failures_total',
  () =>
    new Counter({
      name: 'timegate_auth_failures_total',
      help: 'Failed authentications by reason (not_authenticated, invalid_token, token_expired, user_inactive, invalid_credentials).',
      labelNames: ['reason'] as const,
    }),
);

export const rateLimited = once(
  'timegate_rate_limited_total',
  () =>
    new Counter({
      name: 'timegate_rate_limited_total',
      help: 'Password or token checks refused (429, or too_many_attempts on authorize and RADIUS), by limit (username, client_ip, calling_station, auth_failures_ip).',
      labelNames: ['limit'] as const,
    }),
);

export const transactionRetries = once(
  'timegate_transaction_retries_total',
  () =>
    new Counter({
      name: 'timegate_transaction_retries_total',
      help: 'Transactions run again after a transient conflict, by SQLSTATE (40P01 deadlock, 40001 serialization, 23503 parent deleted meanwhile).',
      labelNames: ['sqlstate'] as const,
    }),
);

export const transactionsGivenUp = once(
  'timegate_transactions_given_up_total',
  () =>
    new Counter({
      name: 'timegate_transactions_given_up_total',
      help: 'Transactions still conflicting after every retry (answered 503 with Retry-After).',
    }),
);

export const accountingRuns = once(
  'timegate_accounting_runs_total',
  () =>
    new Counter({
      name: 'timegate_accounting_runs_total',
      help: 'Accounting runs by trigger and outcome (finished, failed, skipped).',
      labelNames: ['trigger', 'outcome'] as const,
    }),
);

export const accountingRunDuration = once(
  'timegate_accounting_run_duration_seconds',
  () =>
    new Histogram({
      name: 'timegate_accounting_run_duration_seconds',
      help: 'Wall-clock duration of accounting runs, by trigger and outcome.',
      labelNames: ['trigger', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    }),
);

export const accountingRunRows = once(
  'timegate_accounting_run_rows_total',
  () =>
    new Counter({
      name: 'timegate_accounting_run_rows_total',
      help: 'Rows changed by accounting runs, by kind (sessions_charged, sessions_stopped, stale_closed, tokens_expired).',
      labelNames: ['kind'] as const,
    }),
);

export const accountingSecondsCharged = once(
  'timegate_accounting_seconds_charged_total',
  () => new Counter({ name: 'timegate_accounting_seconds_charged_total', help: 'Net seconds charged by accounting runs.' }),
);

export const accountingRunErrors = once(
  'timegate_accounting_run_errors_total',
  () => new Counter({ name: 'timegate_accounting_run_errors_total', help: 'Accounting runs that failed or were stopped before finishing.' }),
);

export const tokensExpired = once(
  'timegate_tokens_expired_total',
  () => new Counter({ name: 'timegate_tokens_expired_total', help: 'Auth tokens deleted by accounting runs because their lifetime ran out.' }),
);

export const accountingLastSuccess = once(
  'timegate_accounting_last_success_timestamp_seconds',
  () =>
    new Gauge({
      name: 'timegate_accounting_last_success_timestamp_seconds',
      help: 'When the last accounting run this process ran finished without error (Unix time).',
    }),
);

/** Where the open-sessions gauge gets its value at scrape time (one COUNT query); set by MetricsService. */
let openSessionsSource: (() => Promise<number>) | undefined;

export function setOpenSessionsSource(source: (() => Promise<number>) | undefined): void {
  openSessionsSource = source;
}

export const openSessions = once(
  'timegate_accounting_open_sessions',
  () =>
    new Gauge({
      name: 'timegate_accounting_open_sessions',
      help: 'Accounting sessions currently open (counted at scrape time).',
      async collect() {
        if (!openSessionsSource) return;
        try {
          this.set(await openSessionsSource());
        } catch {
          // The database is unreachable: keep the last value; readiness reports the outage.
        }
      },
    }),
);

export const accountingAttributesIgnored = once(
  'timegate_accounting_attributes_ignored_total',
  () =>
    new Counter({
      name: 'timegate_accounting_attributes_ignored_total',
      help: 'Informational accounting attributes that did not parse and were ignored (the record was kept), by attribute.',
      labelNames: ['attribute'] as const,
    }),
);

export const accountingTimestampFallbacks = once(
  'timegate_accounting_event_timestamp_fallbacks_total',
  () =>
    new Counter({
      name: 'timegate_accounting_event_timestamp_fallbacks_total',
      help: 'Event-Timestamps in a zone that names no single offset (CST, IST, …): arrival time minus Acct-Delay-Time was used.',
    }),
);

export const accountingSessionTimeClamped = once(
  'timegate_accounting_session_time_clamped_total',
  () =>
    new Counter({
      name: 'timegate_accounting_session_time_clamped_total',
      help: 'Accounting records whose Acct-Session-Time was longer than the session can have lasted, and was clamped.',
    }),
);

export const authorizeDecisions = once(
  'timegate_authorize_decisions_total',
  () =>
    new Counter({
      name: 'timegate_authorize_decisions_total',
      help: 'Authorize decisions (POST /api/v1/authorize/ and RADIUS Access-Request) by source (http, radius), result (accept, reject) and reason (none for accept; invalid_credentials, inactive_user, token_expired, voucher_expired, no_balance, too_many_sessions, too_many_attempts).',
      labelNames: ['source', 'result', 'reason'] as const,
    }),
);

export const accountingRecords = once(
  'timegate_accounting_records_total',
  () =>
    new Counter({
      name: 'timegate_accounting_records_total',
      help: 'Accounting records applied (HTTP and RADIUS), by Acct-Status-Type and result (started, updated, created, stopped, duplicate, ignored, nas_reboot).',
      labelNames: ['status_type', 'result'] as const,
    }),
);

export const accountingRejected = once(
  'timegate_accounting_rejected_total',
  () =>
    new Counter({
      name: 'timegate_accounting_rejected_total',
      help: 'Accounting records refused (invalid_attributes), not applied (apply_failed) or for another organization\'s subscriber (other_organization), by source; kept in accounting_rejected unless stored="false".',
      labelNames: ['source', 'reason', 'stored'] as const,
    }),
);

export const accountingReplays = once(
  'timegate_accounting_replays_total',
  () =>
    new Counter({
      name: 'timegate_accounting_replays_total',
      help: 'Replays of refused accounting records, by result (applied, failed).',
      labelNames: ['result'] as const,
    }),
);
