import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { configureApp, createFastifyAdapter } from './app.setup.js';
import { ConfigValidationError, loadConfig } from './config/app-config.js';
import { resolveDatabase } from './database/database-url.js';
import { runPendingMigrations } from './database/migrate.js';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = new Logger('Bootstrap');
  const database = await resolveDatabase(config, (message) => logger.log(message));
  if (config.migrationsRun) {
    const applied = await runPendingMigrations(database.url);
    logger.log(applied.length ? `Applied migrations: ${applied.map((m) => m.name).join(', ')}` : 'Database schema is up to date');
  } else {
    logger.log('MIGRATIONS_RUN=false: not applying migrations (run `npm run migration:run` separately)');
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ ...config, databaseUrl: database.url }),
    createFastifyAdapter(),
    { logger: logLevels(config.logLevel) },
  );
  configureApp(app, config);
  await app.listen(config.port, config.host);
  logger.log(`Listening on ${config.host}:${config.port}; public URL ${config.publicUrl}`);
  logger.log(`API schema: ${config.publicUrl}/api/schema/ · docs: ${config.publicUrl}/api/docs/`);
  logger.log('First time? Create an admin and get its token: npm run cli -- users:create-staff --username admin');
}

function logLevels(level: ReturnType<typeof loadConfig>['logLevel']) {
  const order = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
  return order.slice(0, order.indexOf(level) + 1);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
