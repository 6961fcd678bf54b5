import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { configureApp, createFastifyAdapter } from './app.setup.js';
import { StartupError } from './common/errors/startup-error.js';
import { ConfigValidationError, loadConfig, type AppConfig } from './config/app-config.js';
import { assertDatabaseReachable, resolveDatabase } from './database/database-url.js';
import { runPendingMigrations } from './database/migrate.js';
import { createRootLogger, nestLoggerFor } from './observability/logging.js';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const root = createRootLogger(config);
  const log = root.child({ context: 'Bootstrap' });
  const database = await resolveDatabase(config, (message) => log.info(message), 'service');
  let app: NestFastifyApplication;
  try {
    await assertDatabaseReachable(database.url, config);
    if (config.migrationsRun) {
      const applied = await runPendingMigrations(database.url);
      log.info(applied.length ? `Applied migrations: ${applied.map((m) => m.name).join(', ')}` : 'Database schema is up to date');
    } else {
      log.info('MIGRATIONS_RUN=false: not applying migrations (run `npm run migration:run` separately)');
    }
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ ...config, databaseUrl: database.url }),
      createFastifyAdapter({ trustProxy: config.trustProxy, timeouts: config.httpTimeouts }),
      { bufferLogs: true },
    );
    app.useLogger(nestLoggerFor(root, { startupChatter: 'debug' }));
    configureApp(app, config, root);
    handleShutdownSignals(app, config, () => database.stop(), log);
    await listen(app, config);
  } catch (error) {
    await database.stop();
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info(`Listening on ${config.host}:${port}; public URL ${config.publicUrl}`);
  log.info(`API schema: ${config.publicUrl}/api/schema/ · docs: ${config.publicUrl}/api/docs/`);
  log.info('First time? Create an admin and get its token: npm run cli -- users:create-staff --username admin');
}

/** app.listen, with the usual reasons it fails said in terms of PORT and HOST. */
async function listen(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${config.host}:${config.port}`;
    if (code === 'EADDRINUSE') throw new StartupError(`PORT ${config.port} is already in use on ${config.host} (${where}): set PORT to a free port, or stop the process using it`);
    if (code === 'EACCES') throw new StartupError(`PORT ${config.port} needs privileges this process does not have: set PORT to 1024 or above`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new StartupError(`HOST ${config.host} is not an address of this machine: set HOST (0.0.0.0 listens on every address)`);
    throw error;
  }
}

/**
 * SIGTERM / SIGINT / SIGHUP: readiness turns 503, the accounting schedule stops and a run in progress stops
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
  // This sequence stops the embedded server itself (stopDatabase) after the app. SIGHUP (the
  // terminal running `npm start` closed) too: by default it would end the process at once.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, shutdown);
}

bootstrap().catch((error: unknown) => {
  // A known cause is said in one line (it names the setting and the fix); anything else with its stack.
  if (error instanceof ConfigValidationError || error instanceof StartupError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
