import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TYPESCRIPT6_HOOK = path.resolve('test/support/openapi/typescript6.mjs');
const OPENAPI_TS = path.resolve('node_modules/@hey-api/openapi-ts/dist/run.mjs');
const TSC = path.resolve('node_modules/typescript/bin/tsc');

/**
 * Generates a TypeScript client (@hey-api/openapi-ts, fetch client) from `schema` into `directory`,
 * exactly as a user would from /api/schema/, and type-checks the generated code with the project's
 * TypeScript. Returns the directory of the generated client (index.ts: the SDK; client.gen.ts: its `client`).
 */
export async function generateClient(schema: unknown, directory: string): Promise<string> {
  await mkdir(directory, { recursive: true });
  const input = path.join(directory, 'openapi.json');
  await writeFile(input, JSON.stringify(schema));
  const output = path.join(directory, 'client');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.NODE_OPTIONS; // Jest's --experimental-vm-modules is not for the generator
  await run(process.execPath, ['--import', TYPESCRIPT6_HOOK, OPENAPI_TS, '--input', input, '--output', output, '--client', '@hey-api/client-fetch', '--silent', '--no-log-file'], { env });
  await writeFile(
    path.join(directory, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: true },
      include: ['client'],
    }),
  );
  try {
    await run(process.execPath, [TSC, '-p', path.join(directory, 'tsconfig.json')], { env });
  } catch (error) {
    throw new Error(`the generated client does not type-check:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
  }
  return output;
}
