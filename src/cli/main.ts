import 'reflect-metadata';
import { COMMANDS } from './commands/index.js';
import { runCli } from './runner.js';

// stdout carries only the command's result, so scripts can parse it: anything a library logs
// through the console goes to stderr with the diagnostics.
console.log = console.error.bind(console);
console.info = console.error.bind(console);
console.debug = console.error.bind(console);

const code = await runCli(
  process.argv.slice(2),
  { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
  // Loaded only when a command runs, so `help` and usage errors answer without loading the whole service.
  async () => (await import('./bootstrap.js')).bootApplication(),
  COMMANDS,
);
// Exit explicitly, once both streams are flushed: a stray handle (the embedded PostgreSQL's pipes)
// must not keep the CLI alive.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
process.exit(code);
