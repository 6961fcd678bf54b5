import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/app-config.js';
import { assertDatabaseReachable, resolveDatabase } from '../database/database-url.js';
import { runPendingMigrations } from '../database/migrate.js';
import { createRootLogger, nestLoggerFor } from '../observability/logging.js';
import type { BootedApp } from './runner.js';

/**
 * Starts what a command needs exactly as the service does (same settings, same database, same
 * migrations), but as a Nest application context: no HTTP server, no port.
 * `close` also stops the embedded PostgreSQL if this process started it (not if it joined the service's).
 */
export async function bootApplication(): Promise<BootedApp> {
  const config = loadConfig();
  // Logged as the service logs (LOG_LEVEL, LOG_FORMAT), on stderr: stdout is the command's result.
  const logger = createRootLogger(config, process.stderr);
  const log = logger.child({ context: 'Bootstrap' });
  const database = await resolveDatabase(config, (message) => log.info(message), 'command');
  try {
    await assertDatabaseReachable(database.url, config);
    if (config.migrationsRun) {
      const applied = await runPendingMigrations(database.url);
      if (applied.length > 0) log.info(`Applied migrations: ${applied.map((migration) => migration.name).join(', ')}`);
    }
    // A command is a one-off: it must not also start the service's in-process accounting schedule.
    const appConfig = { ...config, databaseUrl: database.url, accounting: { ...config.accounting, scheduleEnabled: false } };
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(appConfig), {
      logger: nestLoggerFor(logger),
    });
    return {
      app,
      config,
      close: async () => {
        try {
          await app.close();
        } finally {
          await database.stop();
        }
      },
    };
  } catch (error) {
    await database.stop();
    throw error;
  }
}
