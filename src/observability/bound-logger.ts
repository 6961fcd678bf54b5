import type { LoggerService } from '@nestjs/common';

/** A logger that adds the same fields to every line (e.g. `run_id`), like a pino child logger. */
export interface BoundLogger {
  log(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Binds fields to a Nest logger. Lines are objects (`{msg, ...bindings}`): the service's logger writes them as
 * JSON fields of the line; Nest's console logger (CLI, tests) prints the object.
 */
export function bindLogger(logger: LoggerService, bindings: Record<string, unknown>): BoundLogger {
  return {
    log: (msg, fields) => logger.log({ msg, ...bindings, ...fields }),
    warn: (msg, fields) => logger.warn({ msg, ...bindings, ...fields }),
    error: (msg, fields) => logger.error({ msg, ...bindings, ...fields }),
  };
}
