import pg from 'pg';
import { StartupError } from '../common/errors/startup-error.js';
import type { AppConfig } from '../config/app-config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';

/**
 * DATABASE_URL when set; otherwise the embedded PostgreSQL under DATA_DIR: started by the service
 * (one per DATA_DIR), joined by a command while the service runs it.
 */
export async function resolveDatabase(
  config: AppConfig,
  log: (message: string) => void,
  role: 'service' | 'command',
): Promise<EmbeddedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, joined: false, stop: async () => undefined };
  return startEmbeddedPostgres(config.dataDir, { persistent: true, log, role });
}

/** The URL without its password, to name it in a message. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Fails the start with one line naming DATABASE_URL when the server cannot be reached or refuses us. */
export async function assertDatabaseReachable(url: string, config: AppConfig): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const detail = (error as Error).message;
    const setting = config.databaseUrl ? `DATABASE_URL (${redacted(url)})` : `the embedded PostgreSQL (${redacted(url)})`;
    throw new StartupError(`Cannot connect to the database in ${setting}: ${reason === detail ? detail : `${reason}, ${detail}`}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}
