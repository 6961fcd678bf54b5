import { DataSource, type Migration } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options.js';

/** Any constant works; it only has to be the same in every replica. */
const MIGRATION_LOCK_KEY = 724_100_001;

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so replicas starting together
 * migrate once and the others wait and then find nothing to do.
 */
export async function runPendingMigrations(url: string): Promise<Migration[]> {
  const dataSource = new DataSource(buildDataSourceOptions(url, 2));
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}
