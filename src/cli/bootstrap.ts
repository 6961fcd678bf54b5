import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/app-config.js';
import { resolveDatabase } from '../database/database-url.js';
import { runPendingMigrations } from '../database/migrate.js';
import type { BootedApp } from './runner.js';

/** Nest's logger, but every level on stderr (it prints warnings to stdout), so stdout stays the command's result. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

/**
 * Starts what a command needs exactly as the service does (same settings, same database, same
 * migrations), but as a Nest application context: no HTTP server, no port.
 * `close` also stops the embedded PostgreSQL if this process started it (not if it joined the service's).
 */
export async function bootApplication(log: (line: string) => void): Promise<BootedApp> {
  const config = loadConfig();
  const database = await resolveDatabase(config, log, 'command');
  try {
    if (config.migrationsRun) {
      const applied = await runPendingMigrations(database.url);
      if (applied.length > 0) log(`Applied migrations: ${applied.map((migration) => migration.name).join(', ')}`);
    }
    // A command is a one-off: it must not also start the service's in-process accounting schedule.
    const appConfig = { ...config, databaseUrl: database.url, accounting: { ...config.accounting, scheduleEnabled: false } };
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(appConfig), {
      logger: new StderrLogger({ logLevels: ['error', 'warn'] }),
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
