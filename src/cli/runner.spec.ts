import type { INestApplicationContext } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { loadConfig } from '../config/app-config.js';
import { defineCommand, usageLine, type CliCommand } from './command.js';
import { COMMANDS } from './commands/index.js';
import { describeError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseCommandArgs, runCli, type Boot } from './runner.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) }, out, err };
}

const greet = defineCommand({
  name: 'test:greet',
  description: 'Says hello',
  options: {
    name: { type: 'string', placeholder: 'who', required: true, description: 'Who to greet' },
    shout: { type: 'boolean', short: 's', description: 'Upper case' },
    title: { type: 'string', description: 'Optional title' },
  },
  async run(ctx, args) {
    // Typed: args.name is a string, args.shout a boolean, args.title string | undefined.
    const text = `hello ${args.title ? `${args.title} ` : ''}${args.name}`;
    ctx.print(args.shout ? text.toUpperCase() : text);
    ctx.log('greeted');
  },
});

const failing = defineCommand({
  name: 'test:fail',
  description: 'Always fails',
  options: {},
  async run() {
    throw DomainError.validation({ username: ['Bad name.'], email: ['Bad email.'] });
  },
});

const commands: CliCommand[] = [greet, failing];

/** A boot that records whether it ran and was closed, without any database. */
function fakeBoot() {
  const state = { booted: 0, closed: 0 };
  const boot: Boot = async () => {
    state.booted += 1;
    return { app: {} as INestApplicationContext, config: loadConfig({}), close: async () => void (state.closed += 1) };
  };
  return { boot, state };
}

describe('CLI runner', () => {
  it('lists the commands with their descriptions on help, exit 0, without booting', async () => {
    const { boot, state } = fakeBoot();
    for (const argv of [['help'], ['--help'], ['-h']]) {
      const { io, out } = capture();
      expect(await runCli(argv, io, boot, commands)).toBe(EXIT_OK);
      const text = out.join('\n');
      expect(text).toContain('test:greet');
      expect(text).toContain('Says hello');
      expect(text).toContain('test:fail');
    }
    expect(state.booted).toBe(0);
  });

  it('shows one command\'s usage with help <command> and <command> --help', async () => {
    const { boot, state } = fakeBoot();
    for (const argv of [['help', 'test:greet'], ['test:greet', '--help']]) {
      const { io, out } = capture();
      expect(await runCli(argv, io, boot, commands)).toBe(EXIT_OK);
      expect(out[0]).toBe(
        [
          'Usage: npm run cli -- test:greet --name <who> [--shout] [--title <value>]',
          '',
          'Says hello',
          '',
          'Options:',
          '  --name <who>     Who to greet (required)',
          '  -s, --shout      Upper case',
          '  --title <value>  Optional title',
        ].join('\n'),
      );
    }
    expect(state.booted).toBe(0);
  });

  it('answers an unknown command or no command with exit 2 on stderr', async () => {
    const { boot } = fakeBoot();
    const unknown = capture();
    expect(await runCli(['nope'], unknown.io, boot, commands)).toBe(EXIT_USAGE);
    expect(unknown.out).toEqual([]);
    expect(unknown.err.join('\n')).toContain('Unknown command "nope"');
    const none = capture();
    expect(await runCli([], none.io, boot, commands)).toBe(EXIT_USAGE);
    expect(none.err.join('\n')).toContain('Commands:');
    const unknownHelp = capture();
    expect(await runCli(['help', 'nope'], unknownHelp.io, boot, commands)).toBe(EXIT_USAGE);
  });

  it('rejects a missing required option, an unknown option or a stray argument with exit 2 before booting', async () => {
    const { boot, state } = fakeBoot();
    for (const argv of [['test:greet'], ['test:greet', '--name', 'x', '--bogus'], ['test:greet', '--name', 'x', 'extra'], ['test:greet', '--name']]) {
      const { io, out, err } = capture();
      expect(await runCli(argv, io, boot, commands)).toBe(EXIT_USAGE);
      expect(out).toEqual([]);
      expect(err.at(-1)).toBe(`Usage: ${usageLine(greet)}`);
    }
    expect(state.booted).toBe(0);
  });

  it('runs a command: result on stdout, diagnostics on stderr, the app closed, exit 0', async () => {
    const { boot, state } = fakeBoot();
    const { io, out, err } = capture();
    expect(await runCli(['test:greet', '--name=jane', '-s', '--title', 'dr'], io, boot, commands)).toBe(EXIT_OK);
    expect(out).toEqual(['HELLO DR JANE']);
    expect(err).toEqual(['greeted']);
    expect(state).toEqual({ booted: 1, closed: 1 });
  });

  it('prints field errors as `field: message` and exits 1, still closing the app', async () => {
    const { boot, state } = fakeBoot();
    const { io, out, err } = capture();
    expect(await runCli(['test:fail'], io, boot, commands)).toBe(EXIT_FAILURE);
    expect(out).toEqual([]);
    expect(err).toEqual(['username: Bad name.', 'email: Bad email.']);
    expect(state.closed).toBe(1);
  });

  it('exits 1 when the application cannot start', async () => {
    const { io, err } = capture();
    const boot: Boot = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    };
    expect(await runCli(['test:greet', '--name', 'x'], io, boot, commands)).toBe(EXIT_FAILURE);
    expect(err).toEqual(['error: connect ECONNREFUSED 127.0.0.1:5432']);
  });

  it('parses flags to booleans and leaves absent strings undefined', () => {
    expect(parseCommandArgs(greet, ['--name', 'a'])).toEqual({ name: 'a', shout: false, title: undefined });
    expect(parseCommandArgs(greet, ['--name', 'a', '-h'])).toBe('help');
  });

  it('describes other errors by message', () => {
    expect(describeError(DomainError.notFound())).toEqual(['Not found.']);
    expect(describeError('boom')).toEqual(['error: boom']);
  });

  it('registers the users commands with unique names', () => {
    const names = COMMANDS.map((command) => command.name);
    expect(names).toEqual(expect.arrayContaining(['users:create-staff', 'users:list']));
    expect(new Set(names).size).toBe(names.length);
  });
});
