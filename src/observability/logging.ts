import type { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger as PinoRootLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { AppConfig } from '../config/app-config.js';
import { currentRequestLogger } from './request-logging.js';

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

/** An X-Request-Id a client or proxy sent is kept when it is a sane token; anything else is replaced. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * Nest's own start-up chatter — the route map ("Mapped {/api/…, GET} route") and one line per module
 * ("UsersModule dependencies initialized") — is only interesting when debugging.
 */
const STARTUP_CHATTER_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader']);

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * A Nest LoggerService writing through a pino logger: Nest's `Logger` in every service writes here.
 * During an HTTP request a line goes through that request's logger, so it carries `request_id`
 * (see request-logging.ts). The context (`new Logger('Accounting')`) is the line's `context`; an
 * object message keeps its fields (`{msg, run_id, …}`); an Error is logged as `err`, and so is the
 * stack Nest's own exception handlers pass as a second argument. `startupChatter: 'debug'` moves Nest's
 * route map and module lines to debug (the service; the CLI keeps them).
 */
export function nestLoggerFor(root: PinoRootLogger, options: { startupChatter?: 'debug' } = {}): LoggerService {
  const write = (asked: PinoLevel) => (message: unknown, ...params: unknown[]) => {
    const context = params.length > 0 ? params.at(-1) : undefined;
    const extra = params.slice(0, -1);
    const chatter = options.startupChatter === 'debug' && typeof context === 'string' && STARTUP_CHATTER_CONTEXTS.has(context);
    const level = chatter && asked === 'info' ? 'debug' : asked;
    const logger = currentRequestLogger() ?? root;
    if (message instanceof Error) {
      logger[level]({ context, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      logger[level]({ context, ...(message as Record<string, unknown>) });
    } else if (level === 'error' && typeof extra[0] === 'string' && /\n\s*at /.test(extra[0])) {
      logger[level]({ context, err: { message: String(message), stack: extra[0] } }, String(message));
    } else {
      logger[level]({ context }, String(message));
    }
  };
  return { verbose: write('trace'), debug: write('debug'), log: write('info'), warn: write('warn'), error: write('error'), fatal: write('fatal') };
}
