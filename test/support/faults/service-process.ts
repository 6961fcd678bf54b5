import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { RawHttpClient } from '../fuzz/raw-http.js';

/**
 * The compiled service entry the fault tests start as real processes. `npm test` builds dist/ first;
 * to run these tests without touching the shared dist/, build privately
 * (`npx tsc -p tsconfig.build.json --outDir dist-h`) and set TIMEGATE_SERVICE_ENTRY=dist-h/src/main.js.
 */
export function serviceEntry(): string {
  const entry = path.resolve(import.meta.dirname, '../../..', process.env.TIMEGATE_SERVICE_ENTRY ?? 'dist/src/main.js');
  if (!existsSync(entry)) throw new Error(`No compiled service at ${entry}: build first (npm test does), or set TIMEGATE_SERVICE_ENTRY`);
  return entry;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One real service process (`node dist/src/main.js`) with its own port and captured output. */
export class ServiceProcess {
  private output = '';
  readonly client: RawHttpClient;
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.capture(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.capture(chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.client = new RawHttpClient('127.0.0.1', port);
  }

  static async start(env: Record<string, string>): Promise<ServiceProcess> {
    const port = await freePort();
    const { NODE_OPTIONS: _ignored, ...inherited } = process.env;
    const child = spawn(process.execPath, ['--enable-source-maps', serviceEntry()], {
      env: { ...inherited, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(child, port);
    await service.waitUntilLive();
    return service;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The last 4 KB of what the process printed (for failure messages). */
  get log(): string {
    return this.output;
  }

  private capture(chunk: Buffer): void {
    this.output = (this.output + chunk.toString('utf8')).slice(-4096);
  }

  private async waitUntilLive(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`service exited with ${this.child.exitCode} at start:\n${this.output}`);
      const response = await this.client.send({ method: 'GET', path: '/health/live' }).catch(() => undefined);
      if (response?.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`service on port ${this.port} not live after ${timeoutMs} ms:\n${this.output}`);
  }

  /** SIGTERM, then wait for the exit (SIGKILL after `timeoutMs`); the exit code, or null when it had to be killed. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    this.client.close();
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
