import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, type TestApp } from './support/test-app.js';

const run = promisify(execFile);
const REDOCLY = path.resolve('node_modules/@redocly/cli/bin/cli.js');

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: 'error' | 'warn'; message: string; location: { pointer: string }[] }[];
}

/**
 * `redocly lint` with the recommended rules (redocly.yaml: trailing-slash rule off, DRF paths end in
 * a slash) on the live document. Also run alone by `npm run lint:openapi` (CI).
 */
describe('redocly lint of the live /api/schema/', () => {
  let t: TestApp;
  let directory: string;

  beforeAll(async () => {
    t = await createTestApp();
    directory = await mkdtemp(path.join(os.tmpdir(), 'timegate-openapi-'));
  });
  afterAll(async () => {
    await t?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('reports no error, and no warning but the probes having no 4xx response', async () => {
    const file = path.join(directory, 'openapi.json');
    await writeFile(file, (await t.api().get('/api/schema/').expect(200)).text);
    const env: NodeJS.ProcessEnv = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
    delete env.NODE_OPTIONS;
    // Exit status 1 when there are errors: the report on stdout says which.
    const output = await run(process.execPath, [REDOCLY, 'lint', '--config', path.resolve('redocly.yaml'), '--format=json', file], { env }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    const report = JSON.parse(output.stdout) as LintReport;
    const problems = report.problems.map((problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer}: ${problem.message}`);
    expect(report.totals.errors).toBe(0);
    // Liveness and readiness answer every request (200 or 503): there is no client error to document.
    expect(problems).toEqual([
      'warn operation-4xx-response #/paths/~1health~1live/get/responses: Operation must have at least one `4XX` response.',
      'warn operation-4xx-response #/paths/~1health~1ready/get/responses: Operation must have at least one `4XX` response.',
    ]);
  });
});
