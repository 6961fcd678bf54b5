import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import type { AppConfig } from '../config/app-config.js';
import { CLI_INVOCATION, commandHelp, UsageError, usageLine, type CliCommand } from './command.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Where lines go: `out` is the command's result (stdout), `err` everything else (stderr). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** The application the commands run against, and how to shut it (and a database it started) down. */
export interface BootedApp {
  app: INestApplicationContext;
  config: AppConfig;
  close(): Promise<void>;
}

export type Boot = () => Promise<BootedApp>;

export function generalHelp(commands: readonly CliCommand[]): string {
  const names = [...commands.map((command) => command.name), 'help'];
  const width = Math.max(...names.map((name) => name.length));
  return [
    'timegate AAA command line',
    '',
    `Usage: ${CLI_INVOCATION} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.description}`),
    `  ${'help'.padEnd(width)}  Show this list, or one command's options: help <command>`,
    '',
    'Settings come from the environment, as for the service (DATABASE_URL, DATA_DIR, PUBLIC_URL, ...).',
    'Without DATABASE_URL the embedded PostgreSQL under DATA_DIR is used: joined if the service is running, else started for the command.',
  ].join('\n');
}

/** The command's options from argv; `'help'` when `--help`/`-h` was given. Throws UsageError. */
export function parseCommandArgs(command: CliCommand, argv: string[]): Record<string, string | boolean | undefined> | 'help' {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), command);
  }
  if (values.help === true) return 'help';
  const args: Record<string, string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(command.options)) {
    const value = values[name];
    if (Array.isArray(value)) throw new UsageError(`option --${name} given more than once`, command);
    if (spec.required && value === undefined) throw new UsageError(`missing required option --${name}`, command);
    args[name] = spec.type === 'boolean' ? value === true : value;
  }
  return args;
}

/** An error as the operator should read it: a DomainError's field errors one `field: message` per line. */
export function describeError(error: unknown): string[] {
  if (error instanceof DomainError) {
    if (error.fieldErrors) {
      return Object.entries(error.fieldErrors).flatMap(([field, messages]) => messages.map((message) => `${field}: ${message}`));
    }
    return [error.message];
  }
  // Start-up problems are already one line naming the setting and the fix.
  if (error instanceof Error) return [['ConfigValidationError', 'StartupError'].includes(error.name) ? error.message : `error: ${error.message}`];
  return [`error: ${String(error)}`];
}

/**
 * Runs one command line and returns the exit status: 0 done, 1 the command failed, 2 wrong usage.
 * Usage is checked before `boot`, so a typo never starts a database.
 */
export async function runCli(argv: readonly string[], io: CliIo, boot: Boot, commands: readonly CliCommand[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(generalHelp(commands));
    return EXIT_USAGE;
  }
  const find = (wanted: string) => commands.find((command) => command.name === wanted);
  const unknown = (wanted: string) => {
    io.err(`Unknown command "${wanted}". Run \`${CLI_INVOCATION} help\` to list the commands.`);
    return EXIT_USAGE;
  };
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0];
    if (topic === undefined) {
      io.out(generalHelp(commands));
      return EXIT_OK;
    }
    const command = find(topic);
    if (!command) return unknown(topic);
    io.out(commandHelp(command));
    return EXIT_OK;
  }
  const command = find(name);
  if (!command) return unknown(name);

  let args: ReturnType<typeof parseCommandArgs>;
  try {
    args = parseCommandArgs(command, [...rest]);
    if (args !== 'help') command.check?.(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${command.name}: ${error.message}`);
    io.err(`Usage: ${usageLine(command)}`);
    return EXIT_USAGE;
  }
  if (args === 'help') {
    io.out(commandHelp(command));
    return EXIT_OK;
  }

  const log = (line: string) => io.err(line);
  let booted: BootedApp | undefined;
  try {
    booted = await boot();
    await command.run({ app: booted.app, config: booted.config, print: (line) => io.out(line), log }, args);
    return EXIT_OK;
  } catch (error) {
    for (const line of describeError(error)) io.err(line);
    return EXIT_FAILURE;
  } finally {
    await booted?.close().catch((error: unknown) => io.err(`warning: shutting down: ${error instanceof Error ? error.message : String(error)}`));
  }
}
