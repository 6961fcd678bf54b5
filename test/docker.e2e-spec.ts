import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { createTestDatabase } from './setup/test-database.js';

/**
 * Docker as the README documents it, checked without a Docker engine (there is none on CI machines):
 * the compose files and Dockerfile read statically, and the image's /app layout (dist/, production
 * node_modules, no src/ and no TypeScript compiler) rebuilt in a temp directory to run npm scripts in.
 */
interface ComposeService {
  env_file?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
}
const compose = (file: string) => loadYaml(readFileSync(file, 'utf8')) as { name?: string; services: Record<string, ComposeService> };

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Docker as documented', () => {
  it('docker-compose.yml: no top-level name (Compose v1 rejects it), every .env setting reaches the API (env_file), only the container\'s own three set over it', () => {
    const file = compose('docker-compose.yml');
    expect(file.name).toBeUndefined();
    const api = file.services.api!;
    expect([api.env_file].flat()).toEqual(['.env']);
    expect(Object.keys(api.environment ?? {}).sort()).toEqual(['DATABASE_URL', 'HOST', 'PORT']);
    expect(api.environment!.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(api.ports).toEqual(['${PORT:-3000}:3000']);
    expect(api.environment!.PORT).toBe('3000');
  });

  it('docker-compose.radius.yml turns RADIUS on, bound to every address, with both UDP ports published', () => {
    const api = compose('docker-compose.radius.yml').services.api!;
    expect(api.environment).toMatchObject({ RADIUS_ENABLED: 'true', RADIUS_BIND: '0.0.0.0' });
    const { RADIUS_AUTH_PORT: auth, RADIUS_ACCT_PORT: acct } = api.environment!;
    expect(api.ports).toEqual([`\${RADIUS_AUTH_PORT:-1812}:${auth}/udp`, `\${RADIUS_ACCT_PORT:-1813}:${acct}/udp`]);
  });

  it('the Dockerfile is on the current Node LTS and runs files the build produces', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    const cmd = /^CMD \[(.*)\]$/m.exec(dockerfile)![1]!.split(',').map((part) => JSON.parse(part.trim()) as string);
    expect(cmd).toEqual(['node', 'dist/src/main.js']);
    expect(existsSync(cmd[1]!)).toBe(true);
    expect(existsSync('dist/src/cli/main.js')).toBe(true);
    expect(existsSync('dist/ormconfig.js')).toBe(true);
    expect(dockerfile).toContain('COPY scripts/build-if-needed.mjs ./scripts/');
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((line) => line.trim());
    expect(ignored).not.toContain('scripts');
    // engines says what CI tests: Node 20 and newer.
    expect((JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node).toBe('>=20');
  });

  describe('in the image layout (dist/ and node_modules, no src/)', () => {
    let app: string;
    let database: { url: string; drop: () => Promise<void> };

    beforeAll(async () => {
      database = await createTestDatabase();
      app = await mkdtemp(path.join(tmpdir(), 'timegate-image-'));
      await cp('package.json', path.join(app, 'package.json'));
      await cp('dist', path.join(app, 'dist'), { recursive: true });
      await mkdir(path.join(app, 'scripts'));
      await cp('scripts/build-if-needed.mjs', path.join(app, 'scripts/build-if-needed.mjs'));
      await symlink(path.resolve('node_modules'), path.join(app, 'node_modules'));
    });
    afterAll(async () => {
      await rm(app, { recursive: true, force: true });
      await database?.drop();
    });

    it('`npm run cli -- …` runs the compiled CLI without building', async () => {
      const result = await npm(['run', '--silent', 'cli', '--', 'help'], app, { DATABASE_URL: database.url });
      expect(result).toMatchObject({ code: 0 });
      expect(result.stdout).toContain('timegate AAA command line');
      expect(existsSync(path.join(app, 'src'))).toBe(false);
    }, 60000);

    it('`npm run migration:run` runs the compiled data source without building', async () => {
      const result = await npm(['run', 'migration:run'], app, { DATABASE_URL: database.url });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('No migrations are pending');
      expect(result.stdout + result.stderr).not.toContain('tsc -p');
    }, 60000);
  });
});
