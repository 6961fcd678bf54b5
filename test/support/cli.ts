import { spawn } from 'node:child_process';
import path from 'node:path';

/** The compiled CLI (`npm test` builds dist/ first); TIMEGATE_CLI_MAIN points at another build. */
export const CLI_MAIN = path.resolve(process.env.TIMEGATE_CLI_MAIN ?? 'dist/src/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run cli -- <args>` as a child process, the way an operator does, with the test's
 * environment plus `env` (e.g. the test database's DATABASE_URL); `unset` removes variables.
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv, unset: readonly string[] = []): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  delete childEnv.NODE_OPTIONS; // Jest's --experimental-vm-modules is not for the child
  for (const name of unset) delete childEnv[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
