import { createServer, type Server } from 'node:net';
import { findFreePort } from '../src/database/embedded-postgres.js';
import { createTestDatabase } from './setup/test-database.js';
import { spawnService } from './support/service-process.js';

/** Runs the compiled service until it exits; its exit code and stderr. */
async function startUntilExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const service = await spawnService({ LOG_LEVEL: 'log', LOG_FORMAT: 'json', ...env });
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 30000);
  try {
    const { code } = await service.exited;
    return { code, stderr: service.stderr(), stdout: service.stdout.join('\n') };
  } finally {
    clearTimeout(timer);
  }
}

/** A start that cannot succeed stops with one line naming the setting to change, not a stack. */
describe('start-up errors name the setting', () => {
  it('PORT=abc: one problem, the type, not its range checks too', async () => {
    const result = await startUntilExit({ PORT: 'abc' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Invalid configuration:\n  - PORT="abc": PORT must be an integer number');
  });

  it('a database that cannot be reached: one line naming DATABASE_URL, without its password', async () => {
    const port = await findFreePort();
    const result = await startUntilExit({ DATABASE_URL: `postgres://timegate:s3cret-pw@127.0.0.1:${port}/timegate` });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      new RegExp(`^Cannot connect to the database in DATABASE_URL \\(postgres://timegate:\\*\\*\\*@127\\.0\\.0\\.1:${port}/timegate\\): ECONNREFUSED, .+$`),
    );
    expect(result.stderr + result.stdout).not.toContain('s3cret-pw');
  });

  describe('with a database', () => {
    let database: { url: string; drop: () => Promise<void> };
    let occupant: Server;
    let busyPort: number;

    beforeAll(async () => {
      database = await createTestDatabase();
      occupant = createServer();
      busyPort = await new Promise<number>((resolve) =>
        occupant.listen(0, '127.0.0.1', () => resolve((occupant.address() as { port: number }).port)),
      );
    });
    afterAll(async () => {
      await new Promise((resolve) => occupant?.close(resolve));
      await database?.drop();
    });

    it('a busy port: one line naming PORT', async () => {
      const result = await startUntilExit({ DATABASE_URL: database.url, MIGRATIONS_RUN: 'false', HOST: '127.0.0.1', PORT: String(busyPort) });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `PORT ${busyPort} is already in use on 127.0.0.1 (127.0.0.1:${busyPort}): set PORT to a free port, or stop the process using it`,
      );
    }, 60000);
  });
});
