import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createFastifyAdapter } from '../../src/app.setup.js';
import { Clock, FakeClock } from '../../src/common/time/clock.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { createTestDatabase } from '../setup/test-database.js';
import { Factories } from './factories.js';

export const TEST_PUBLIC_URL = 'http://testserver';

export interface TestApp {
  app: NestFastifyApplication;
  /** supertest bound to the app's HTTP server: `api().get('/api/...')`. */
  api: () => ReturnType<typeof request>;
  clock: FakeClock;
  dataSource: DataSource;
  databaseUrl: string;
  factories: Factories;
  close: () => Promise<void>;
}

/**
 * The whole service through its real HTTP stack (Fastify, guards, pipes, filter) on its own fresh
 * database cloned from the migrated template, with a fake clock.
 */
export async function createTestApp(
  overrides: Partial<AppConfig> = {},
  options: { databaseUrl?: string; clock?: FakeClock } = {},
): Promise<TestApp> {
  // A second instance on the same database (another "replica") shares it and does not drop it.
  const database = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => undefined }
    : await createTestDatabase();
  // The in-process schedule is off: tests run accounting explicitly, at fake-clock times.
  const base = loadConfig({ PUBLIC_URL: TEST_PUBLIC_URL, LOG_LEVEL: 'error', ACCOUNTING_SCHEDULE_ENABLED: 'false' });
  const config = { ...base, ...overrides, databaseUrl: database.url };
  const clock = options.clock ?? new FakeClock();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter({ trustProxy: config.trustProxy, timeouts: config.httpTimeouts }), {
    logger: ['error', 'warn'],
  });
  configureApp(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const dataSource = app.get(DataSource);
  return {
    app,
    api: () => request(app.getHttpServer()),
    clock,
    dataSource,
    databaseUrl: database.url,
    factories: new Factories(dataSource, clock),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
