import { RequestMethod, type LoggerService } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger as PinoRootLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { Logger as NestPinoLogger, type Params } from 'nestjs-pino';
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

export type LogSettings = Pick<AppConfig, 'logLevel' | 'logFormat'>;

/** `auto` (the default): readable lines at a terminal, JSON lines when the output goes to a file or a pipe. */
export function resolveLogFormat(format: AppConfig['logFormat'], output: { isTTY?: boolean }): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return output.isTTY === true ? 'pretty' : 'json';
}

/** Readable lines: `12:00:01.234 INFO [Accounting] finished …`, coloured only at a terminal that allows it. */
function prettyStream(output: Writable & { isTTY?: boolean }): DestinationStream {
  const format = prettyFactory({
    colorize: output.isTTY === true && process.env.NO_COLOR === undefined,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
  // Formatted and written synchronously, like the JSON lines: nothing is lost at process.exit.
  return { write: (line: string) => void output.write(format(line)) };
}

/**
 * The process's one pino logger, LOG_LEVEL mapped to pino's levels: JSON lines or readable lines
 * (LOG_FORMAT) on `output` — stdout for the service, stderr for the CLI (its stdout is the result).
 */
export function createRootLogger(settings: LogSettings, output: Writable & { isTTY?: boolean; fd?: number } = process.stdout): PinoRootLogger {
  const options = { level: LEVELS[settings.logLevel], redact: { paths: REDACT_PATHS, censor: '[Redacted]' }, base: { pid: process.pid } };
  if (resolveLogFormat(settings.logFormat, output) === 'pretty') return pino(options, prettyStream(output));
  return pino(options, pino.destination({ fd: output.fd ?? 1, sync: true }));
}

/**
 * Nest's own start-up chatter — the route map ("Mapped {/api/…, GET} route") and one line per module
 * ("UsersModule dependencies initialized") — is only interesting when debugging.
 */
const ROUTE_MAP_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader']);

/** nestjs-pino's Nest logger, with Nest's start-up chatter moved to debug level. */
export class AppLogger extends NestPinoLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1);
    if (typeof context === 'string' && ROUTE_MAP_CONTEXTS.has(context)) {
      super.debug(message, ...optionalParams);
      return;
    }
    super.log(message, ...optionalParams);
  }
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
const requestPath = (url: string | undefined): string => (url ?? '').split('?')[0]!.replace(/\/+$/, '');
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
      logger: createRootLogger(config),
      // Fastify made the id (X-Request-Id or a UUID); @fastify/middie hands it over on the raw request.
      genReqId: (req: IncomingMessage & { id?: unknown }) => (typeof req.id === 'string' ? req.id : randomUUID()),
      customAttributeKeys: { reqId: 'request_id' },
      quietReqLogger: true,
      // @fastify/middie strips the matched prefix from req.url while middleware runs; originalUrl is the path asked for.
      autoLogging: { ignore: (req: IncomingMessage & { originalUrl?: string }) => QUIET_PATHS.has(requestPath(req.originalUrl ?? req.url)) },
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

/**
 * A Nest LoggerService writing through a pino logger: what the CLI gives Nest, so the services'
 * lines look as in the service (`{msg, …fields}` objects keep their fields).
 */
export function nestLoggerFor(root: PinoRootLogger): LoggerService {
  const write = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal') => (message: unknown, ...params: unknown[]) => {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const logger = context ? root.child({ context }) : root;
    if (message !== null && typeof message === 'object' && 'msg' in message) {
      const { msg, ...fields } = message as { msg: unknown } & Record<string, unknown>;
      logger[level](fields, String(msg));
    } else if (message instanceof Error) {
      logger[level]({ err: message }, message.message);
    } else {
      logger[level](String(message));
    }
  };
  return { verbose: write('trace'), debug: write('debug'), log: write('info'), warn: write('warn'), error: write('error'), fatal: write('fatal') };
}
