import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { register } from 'prom-client';
import radius from 'radius';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { CoaService } from '../../src/radius/coa.service.js';
import { DisconnectService } from '../../src/radius/disconnect.service.js';
import { RadiusServer } from '../../src/radius/radius-server.js';
import type { TestApp } from './test-app.js';

/**
 * The RADIUS tests drive the service with FreeRADIUS's real `radclient`. Without it they fail (CI
 * installs Debian's freeradius-utils in .ci/run), they are never skipped.
 */
export function requireRadclient(): void {
  const probe = spawnSync('radclient', ['-v'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'radclient (FreeRADIUS) is not installed, and the RADIUS tests need it: `apt-get install -y freeradius-utils` ' +
        '(bash .ci/run installs it when missing).',
    );
  }
}

/** RADIUS on, on free ports of 127.0.0.1, with quick Disconnect-Request retries. */
export function radiusTestConfig(overrides: Partial<AppConfig['radius']> = {}): Pick<AppConfig, 'radius'> {
  return {
    radius: { ...loadConfig({}).radius, enabled: true, bind: '127.0.0.1', authPort: 0, acctPort: 0, disconnectTimeoutMs: 500, disconnectRetries: 2, ...overrides },
  };
}

export function radiusPorts(t: TestApp): { auth: number; acct: number } {
  const server = t.app.get(RadiusServer);
  return { auth: server.port('auth')!, acct: server.port('acct')! };
}

export function disconnectsIdle(t: TestApp): Promise<void> {
  return t.app.get(DisconnectService).whenIdle();
}

export function coaIdle(t: TestApp): Promise<void> {
  return t.app.get(CoaService).whenIdle();
}

export interface RadclientResult {
  command: string;
  exitCode: number;
  /** The code of the reply received (`Access-Accept`, …), if any. */
  reply?: string;
  /** The reply's attributes, as radclient printed them (strings unquoted). */
  attributes: Record<string, string>;
  stdout: string;
  stderr: string;
}

/** Attribute lines for radclient's stdin: strings quoted, everything else as is. */
export function attributeList(attributes: Record<string, string | number>): string {
  return Object.entries(attributes)
    .map(([name, value]) => `${name} = ${typeof value === 'number' || /^0x[0-9a-f]*$/i.test(value) ? value : JSON.stringify(value)}`)
    .join('\n');
}

/**
 * Runs `radclient -x -t <timeout> -r <retries> 127.0.0.1:<port> <type> <secret>` with the attributes on stdin
 * (default -t 5 -r 3: a retransmit on a loaded machine gets the cached answer).
 */
export function radclient(
  port: number,
  type: 'auth' | 'acct',
  secret: string,
  attributes: Record<string, string | number>,
  options: { timeout?: number; retries?: number } = {},
): Promise<RadclientResult> {
  const args = ['-x', '-t', String(options.timeout ?? 5), '-r', String(options.retries ?? 3), `127.0.0.1:${port}`, type, secret];
  return new Promise((resolve, reject) => {
    const child = spawn('radclient', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ command: `radclient ${args.join(' ')}`, exitCode: code ?? -1, ...parseReply(stdout), stdout, stderr }));
    child.stdin.end(`${attributeList(attributes)}\n`);
  });
}

function parseReply(stdout: string): { reply?: string; attributes: Record<string, string> } {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Received '));
  if (start < 0) return { attributes: {} };
  const reply = /^Received (\S+)/.exec(lines[start]!)![1];
  const attributes: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^\s+([\w-]+) = (.*)$/.exec(line);
    if (!match) break;
    attributes[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return { reply, attributes };
}

/** A UDP socket in the test, e.g. a NAS's CoA port, or a client sending crafted packets. */
export class UdpPeer {
  readonly received: { message: Buffer; remote: RemoteInfo }[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('message', (message, remote) => {
      this.received.push({ message, remote });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async bind(address = '127.0.0.1', onMessage?: (peer: UdpPeer, message: Buffer, remote: RemoteInfo) => void): Promise<UdpPeer> {
    const socket = createSocket('udp4');
    const peer = new UdpPeer(socket);
    if (onMessage) socket.on('message', (message, remote) => onMessage(peer, message, remote));
    await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
    return peer;
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(message: Buffer, port: number, address = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(message, port, address, (error) => (error ? reject(error) : resolve())));
  }

  /** Resolves once `count` datagrams have arrived in all (no fixed sleep); rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} datagram(s), got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/**
 * A NAS's CoA port answering every request with `answer` (a NAK with Error-Cause
 * Session-Context-Not-Found), signed with `answerSecret` (default: the secret; another one forges it).
 */
export async function coaListener(
  secret: string,
  answer: 'Disconnect-ACK' | 'Disconnect-NAK' | 'CoA-ACK' | 'CoA-NAK' | 'none',
  address = '127.0.0.1',
  answerSecret = secret,
) {
  return UdpPeer.bind(address, (peer, message, remote) => {
    if (answer === 'none') return;
    const request = radius.decode({ packet: message, secret });
    const response = radius.encode_response({
      packet: request,
      code: answer,
      secret: answerSecret,
      attributes: answer.endsWith('-NAK') ? [['Error-Cause', 'Session-Context-Not-Found']] : [],
    });
    peer.socket.send(response, remote.port, remote.address);
  });
}

/** A counter's value on prom-client's default registry, for one label set. */
export async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const found = values.find((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted));
  return found?.value ?? 0;
}
