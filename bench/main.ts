/**
 * `npm run bench [-- poll ingest run radius]`: each scenario measures the service against a raw baseline
 * in the same run, on a dedicated database it creates and drops, on DATABASE_URL's server or an
 * embedded PostgreSQL. Prints a table per scenario and a final line of ratios.
 */
import { benchIngest } from './ingest.js';
import { benchPoll, type ScenarioResult } from './poll.js';
import { benchRadius } from './radius.js';
import { benchRun } from './run.js';
import { startBenchServer, type BenchServer } from './support/database.js';
import { log } from './support/report.js';

const SCENARIOS: Record<string, (server: BenchServer) => Promise<ScenarioResult>> = { poll: benchPoll, ingest: benchIngest, run: benchRun, radius: benchRadius };

async function main(): Promise<void> {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(SCENARIOS);
  const unknown = names.filter((name) => !(name in SCENARIOS));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; choose from ${Object.keys(SCENARIOS).join(', ')}`);
  const started = performance.now();
  const server = await startBenchServer();
  log(`# timegate-aaa benchmarks on ${server.describe}; node ${process.version}`);
  const results: ScenarioResult[] = [];
  try {
    for (const name of names) results.push(await SCENARIOS[name]!(server));
  } finally {
    await server.stop();
  }
  log(`\n## ratios (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
  for (const result of results) log(result.ratios);
  if (results.some((result) => !result.ok)) log('At least one target was missed (see MISSED above).');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
