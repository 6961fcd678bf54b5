import type { AppConfig } from '../config/app-config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under DATA_DIR (started or joined). */
export async function resolveDatabase(config: AppConfig, log: (message: string) => void): Promise<EmbeddedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, joined: false, stop: async () => undefined };
  return startEmbeddedPostgres(config.dataDir, { persistent: true, log });
}
