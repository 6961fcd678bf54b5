import type { INestApplicationContext } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';

/** One command-line option. Values are strings (`--name value` / `--name=value`) or boolean flags. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  /** How the value is shown in the usage line, e.g. `name` → `--username <name>`. */
  placeholder?: string;
  /** A missing required option is a usage error (exit 2), found before anything starts. */
  required?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed options as a command's `run` sees them: required strings are present, flags are booleans. */
export type ArgsOf<O extends OptionSpecs> = {
  [K in keyof O]: O[K]['type'] extends 'boolean' ? boolean : O[K]['required'] extends true ? string : string | undefined;
};

/** What a running command gets: the Nest application context (no HTTP server) and its output line writer. */
export interface CliContext {
  app: INestApplicationContext;
  config: AppConfig;
  /** Writes one line of the command's result to stdout. Diagnostics go to stderr (`log`). */
  print(line: string): void;
  log(line: string): void;
}

/** A registered command, its option types erased (see `defineCommand`). */
export interface CliCommand {
  name: string;
  /** One line, shown by `help`. */
  description: string;
  options: OptionSpecs;
  /** Checks option values before anything starts; throw UsageError (exit 2) for a bad value. */
  check?(args: Record<string, string | boolean | undefined>): void;
  run(ctx: CliContext, args: Record<string, string | boolean | undefined>): Promise<void>;
}

/**
 * Declares a command. The options' types flow into `run`, so `args.username` is a `string` when
 * the option is required. Add the result to `COMMANDS` in commands/index.ts to make it callable.
 */
export function defineCommand<const O extends OptionSpecs>(command: {
  name: string;
  description: string;
  options: O;
  check?(args: ArgsOf<O>): void;
  run(ctx: CliContext, args: ArgsOf<O>): Promise<void>;
}): CliCommand {
  return command as unknown as CliCommand;
}

/** Wrong invocation (unknown option, missing argument): printed with the usage, exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CliCommand,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const CLI_INVOCATION = 'npm run cli --';

/** `npm run cli -- users:create-staff --username <name> [--email <email>]` */
export function usageLine(command: CliCommand): string {
  const parts = Object.entries(command.options).map(([name, spec]) => {
    const flag = spec.type === 'boolean' ? `--${name}` : `--${name} <${spec.placeholder ?? 'value'}>`;
    return spec.required ? flag : `[${flag}]`;
  });
  return [CLI_INVOCATION, command.name, ...parts].join(' ');
}

/** The usage line and one line per option. */
export function commandHelp(command: CliCommand): string {
  const lines = [`Usage: ${usageLine(command)}`, '', command.description];
  const entries = Object.entries(command.options);
  if (entries.length > 0) {
    lines.push('', 'Options:');
    const labels = entries.map(([name, spec]) => `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` <${spec.placeholder ?? 'value'}>` : ''}`);
    const width = Math.max(...labels.map((label) => label.length));
    entries.forEach(([, spec], index) => lines.push(`  ${labels[index]!.padEnd(width)}  ${spec.description}${spec.required ? ' (required)' : ''}`));
  }
  return lines.join('\n');
}
