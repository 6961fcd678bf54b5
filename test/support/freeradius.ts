import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Debian's FreeRADIUS 3.2 (`apt-get install freeradius freeradius-rest`), as .ci/run installs it. */
export const FREERADIUS_BINARY = '/usr/sbin/freeradius';
export const FREERADIUS_CONFIG = '/etc/freeradius/3.0';
export const RLM_REST = '/usr/lib/freeradius/rlm_rest.so';
/** The configuration this repository ships (deploy/freeradius/README.md). */
export const DEPLOY_DIR = resolve(import.meta.dirname, '../../deploy/freeradius');

/** Fails (never skips) when FreeRADIUS or its rlm_rest module is missing; bash .ci/run installs both. */
export function requireFreeradius(): void {
  const missing = [FREERADIUS_BINARY, RLM_REST].filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `FreeRADIUS is not installed (missing ${missing.join(', ')}), and test/freeradius-rest.e2e-spec.ts runs the real one: ` +
        '`apt-get install -y freeradius freeradius-rest freeradius-utils` (bash .ci/run installs them when missing).',
    );
  }
  try {
    accessSync(`${FREERADIUS_CONFIG}/radiusd.conf`, constants.R_OK);
  } catch (error) {
    throw new Error(
      `Cannot read ${FREERADIUS_CONFIG}/radiusd.conf (${(error as NodeJS.ErrnoException).code}), which the test copies: ` +
        'run the tests as root, or `sudo chmod -R o+rX /etc/freeradius` (bash .ci/run does it for a CI user that is not root).',
    );
  }
}

/** A UDP port of 127.0.0.1 that was free a moment ago (FreeRADIUS takes ports from its configuration, not 0). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Sets `name = value` in a configuration file, failing when the line is not there exactly once. */
function setItem(text: string, name: string, value: string, file: string): string {
  const pattern = new RegExp(`^(\\s*${name}\\s*=\\s*).*$`, 'gm');
  const found = text.match(pattern)?.length ?? 0;
  if (found !== 1) throw new Error(`${file}: expected one "${name} = …" line, found ${found}`);
  return text.replace(pattern, `$1${value}`);
}

export interface FreeradiusOptions {
  /** The service's base URL (rest's `connect_uri`). */
  serviceUrl: string;
  /** A gateway's key (rest's `api_token`). */
  apiToken: string;
  /** The shared secret of the one client, 127.0.0.1 (radclient). */
  secret: string;
  /** The process's time zone (rlm_rest prints dates in local time). */
  timeZone: string;
}

export interface FreeradiusProcess {
  authPort: number;
  acctPort: number;
  /** Everything FreeRADIUS printed so far (`-X`: every request, its attributes and rlm_rest's calls). */
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * A private copy of Debian's /etc/freeradius/3.0 with deploy/freeradius installed over it, the way
 * deploy/freeradius/README.md tells an operator to: the timegate site instead of `default` and
 * `inner-tunnel`, rest enabled, eap disabled (it refuses to start without a site using EAP). Only
 * the values an operator edits are changed: the listen address and ports (free ones of
 * 127.0.0.1), connect_uri, api_token and clients.conf; and it runs as the test's user.
 */
async function privateConfig(options: FreeradiusOptions, authPort: number, acctPort: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'timegate-freeradius-'));
  try {
    await cp(FREERADIUS_CONFIG, dir, { recursive: true, verbatimSymlinks: true });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`Cannot copy ${FREERADIUS_CONFIG} (run the tests as root, or \`sudo chmod -R o+rX /etc/freeradius\`): ${String(error)}`);
  }
  for (const site of await readdir(join(dir, 'sites-enabled'))) await unlink(join(dir, 'sites-enabled', site));
  await unlink(join(dir, 'mods-enabled', 'eap'));

  const sitePath = join(DEPLOY_DIR, 'sites-available', 'timegate');
  let site = await readFile(sitePath, 'utf8');
  site = setItem(site, 'listen_address', '127.0.0.1', sitePath);
  site = setItem(site, 'auth_port', String(authPort), sitePath);
  site = setItem(site, 'acct_port', String(acctPort), sitePath);
  await writeFile(join(dir, 'sites-available', 'timegate'), site);
  await symlink('../sites-available/timegate', join(dir, 'sites-enabled', 'timegate'));

  const restPath = join(DEPLOY_DIR, 'mods-available', 'rest');
  let rest = await readFile(restPath, 'utf8');
  rest = setItem(rest, 'connect_uri', JSON.stringify(options.serviceUrl), restPath);
  rest = setItem(rest, 'api_token', JSON.stringify(options.apiToken), restPath);
  await writeFile(join(dir, 'mods-available', 'rest'), rest);
  await unlink(join(dir, 'mods-enabled', 'rest')).catch(() => undefined);
  await symlink('../mods-available/rest', join(dir, 'mods-enabled', 'rest'));

  await writeFile(join(dir, 'clients.conf'), `client radclient {\n\tipaddr = 127.0.0.1\n\tsecret = ${JSON.stringify(options.secret)}\n}\n`);
  // Run as the test's user (the copy is the test's, not freerad's), no proxy socket (no home servers).
  const radiusdPath = join(dir, 'radiusd.conf');
  let radiusd = setItem(await readFile(radiusdPath, 'utf8'), 'proxy_requests', 'no', radiusdPath);
  radiusd = setItem(radiusd, 'user', '', radiusdPath).replace(/^\s*user\s*=\s*$/m, '');
  radiusd = setItem(radiusd, 'group', '', radiusdPath).replace(/^\s*group\s*=\s*$/m, '');
  // No 1 s delay before each Access-Reject (a brute-force brake for real NASes): the test sends many rejects.
  radiusd = setItem(radiusd, 'reject_delay', '0', radiusdPath);
  await writeFile(radiusdPath, radiusd);
  return dir;
}

/**
 * `freeradius -X -d <private copy>` in the foreground (a child of the test), ready once it prints
 * "Ready to process requests". Retries with other ports if one was taken in the meantime.
 */
export async function startFreeradius(options: FreeradiusOptions): Promise<FreeradiusProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const [authPort, acctPort] = [await freeUdpPort(), await freeUdpPort()];
    const dir = await privateConfig(options, authPort, acctPort);
    try {
      return await launch(dir, authPort, acctPort, options.timeZone);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      lastError = error;
      if (!(error instanceof PortTakenError)) throw error;
    }
  }
  throw lastError;
}

class PortTakenError extends Error {}

function launch(dir: string, authPort: number, acctPort: number, timeZone: string): Promise<FreeradiusProcess> {
  const child: ChildProcess = spawn(FREERADIUS_BINARY, ['-X', '-d', dir], {
    env: { ...process.env, TZ: timeZone },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop().then(() => reject(new Error(`FreeRADIUS did not print "Ready to process requests" within 20 s:\n${output.slice(-4000)}`)));
    }, 20000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to process requests')) {
        clearTimeout(timer);
        resolve({ authPort, acctPort, log: () => output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const message = `FreeRADIUS exited (${code ?? signal}) before it was ready:\n${output.slice(-4000)}`;
      reject(/Failed binding to|Address already in use/.test(output) ? new PortTakenError(message) : new Error(message));
    });
  });
}
