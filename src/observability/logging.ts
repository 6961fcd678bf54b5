import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import pino, { type Logger as PinoRootLogger } from 'pino';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';

/**
 * Never logged: credentials in headers, and any password/token/key field at the top level or one
 * level down of a logged object (request bodies are not logged at all).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'authorization',
  'password',
  'token',
  'key',
  '*.password',
  '*.token',
  '*.key',
  'req.body',
  'body',
];

const LEVELS: Record<AppConfig['logLevel'], pino.Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** The process's one pino logger: JSON lines on stdout, LOG_LEVEL mapped to pino's levels. */
export function createRootLogger(level: AppConfig['logLevel']): PinoRootLogger {
  return pino({ level: LEVELS[level], redact: { paths: REDACT_PATHS, censor: '[Redacted]' }, base: { pid: process.pid } });
}

/** An X-Request-Id a client or proxy sent is kept when it is a sane token; anything else is replaced. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * Paths probed every few seconds: not logged per request (their metrics still count them). The
 * captive-portal balance polls are too: thousands of gateways call them every 5-60 s per client, and
 * the request-logging middleware alone cost a fifth of their throughput (bench:poll).
 */
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);
const POLL_ROUTES = [
  { path: 'api/v1/balance', method: RequestMethod.GET },
  // The seed API's own poll: GET /api/v1/user_token/{id}/?balance=true. Writes to it are still logged.
  { path: 'api/v1/user_token/:id', method: RequestMethod.GET },
];

/** nestjs-pino: one line per request with its id, route and status; app logs during a request carry `request_id`. */
export function loggerParams(config: AppConfig): Params {
  return {
    // Every path (path-to-regexp v8 wildcard; nestjs-pino's default `{/*splat}` does not reach Fastify's middie routes here).
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    exclude: POLL_ROUTES,
    pinoHttp: {
      logger: createRootLogger(config.logLevel),
      // Fastify made the id (X-Request-Id or a UUID); @fastify/middie hands it over on the raw request.
      genReqId: (req: IncomingMessage & { id?: unknown }) => (typeof req.id === 'string' ? req.id : randomUUID()),
      customAttributeKeys: { reqId: 'request_id' },
      quietReqLogger: true,
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has((req.url ?? '').split('?')[0]!.replace(/\/+$/, '')) },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string; headers?: Record<string, unknown>; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          // Without the query string: it is client input and may be large.
          url: (req.url ?? '').split('?')[0],
          remoteAddress: req.remoteAddress,
          userAgent: req.headers?.['user-agent'],
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
