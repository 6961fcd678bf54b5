import { spawn, spawnSync } from 'node:child_process';
import { chmod, cp, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';

/** Debian's FreeRADIUS 3.2 (packages freeradius, freeradius-postgresql, freeradius-utils). */
const STOCK_CONFIG = '/etc/freeradius/3.0';
const BINARY = '/usr/sbin/freeradius';
const SCHEMA = `${STOCK_CONFIG}/mods-config/sql/main/postgresql/schema.sql`;

/** The modules the peer's site uses; every other stock module is disabled (EAP needs certificates, …). */
const MODULES = ['always', 'expr', 'pap', 'preprocess', 'attr_filter'];

export interface FreeRadiusPeer {
  pid: number;
  stop(): Promise<void>;
}

export function requireFreeRadius(): void {
  const probe = spawnSync(BINARY, ['-v'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('FreeRADIUS is not installed: apt-get install -y freeradius freeradius-postgresql freeradius-utils (with a policy-rc.d that exits 101)');
  }
}

/** FreeRADIUS's own PostgreSQL schema (radcheck, radacct, …), as shipped by the package. */
export async function createFreeRadiusSchema(client: pg.Client): Promise<void> {
  await client.query(await readFile(SCHEMA, 'utf8'));
}

/**
 * Starts FreeRADIUS as operators deploy it with rlm_sql + sqlcounter: a private copy of the stock
 * configuration with the `sql` module on `databaseUrl` (PostgreSQL dialect, stock queries),
 * `noresetcounter` answering Session-Timeout from radcheck's `Max-All-Session` minus the sum of
 * radacct's session times, PAP against radcheck's Cleartext-Password, and the stock `acct_unique`
 * policy. Listens on 127.0.0.1 only; logs to the returned output, not to /var/log.
 */
export async function startFreeRadius(options: {
  databaseUrl: string;
  authPort: number;
  acctPort: number;
  secret: string;
  requireMessageAuthenticator: boolean;
}): Promise<FreeRadiusPeer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'timegate-freeradius-'));
  await chmod(dir, 0o755);
  const raddb = path.join(dir, 'raddb');
  await cp(STOCK_CONFIG, raddb, { recursive: true, verbatimSymlinks: true });

  for (const folder of ['mods-enabled', 'sites-enabled']) {
    for (const entry of await readdir(path.join(raddb, folder))) await unlink(path.join(raddb, folder, entry));
  }
  for (const module of MODULES) await cp(path.join(raddb, 'mods-available', module), path.join(raddb, 'mods-enabled', module));

  const db = new URL(options.databaseUrl);
  await writeFile(
    path.join(raddb, 'mods-enabled', 'sql'),
    `sql {
  dialect = "postgresql"
  driver = "rlm_sql_postgresql"
  server = "${db.hostname}"
  port = ${db.port || 5432}
  login = "${decodeURIComponent(db.username)}"
  password = "${decodeURIComponent(db.password)}"
  radius_db = "${db.pathname.slice(1)}"
  acct_table1 = "radacct"
  acct_table2 = "radacct"
  postauth_table = "radpostauth"
  authcheck_table = "radcheck"
  groupcheck_table = "radgroupcheck"
  authreply_table = "radreply"
  groupreply_table = "radgroupreply"
  usergroup_table = "radusergroup"
  read_groups = no
  delete_stale_sessions = yes
  read_clients = no
  client_table = "nas"
  group_attribute = "SQL-Group"
  pool {
    start = 8
    min = 8
    max = 32
    spare = 16
    uses = 0
    retry_delay = 30
    lifetime = 0
    idle_timeout = 60
  }
  $INCLUDE \${modconfdir}/\${.:name}/main/\${dialect}/queries.conf
}
`,
  );
  await writeFile(
    path.join(raddb, 'mods-enabled', 'sqlcounter'),
    `sqlcounter noresetcounter {
  sql_module_instance = sql
  dialect = \${modules.sql.dialect}
  counter_name = Max-All-Session-Time
  check_name = Max-All-Session
  reply_name = Session-Timeout
  key = User-Name
  reset = never
  $INCLUDE \${modconfdir}/sql/counter/\${dialect}/\${.:instance}.conf
}
`,
  );
  await writeFile(
    path.join(raddb, 'clients.conf'),
    `client bench {
  ipaddr = 127.0.0.1
  secret = "${options.secret}"
  require_message_authenticator = ${options.requireMessageAuthenticator ? 'yes' : 'no'}
}
`,
  );
  await writeFile(
    path.join(raddb, 'sites-enabled', 'bench'),
    `server bench {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${options.authPort}
  }
  listen {
    type = acct
    ipaddr = 127.0.0.1
    port = ${options.acctPort}
  }
  authorize {
    preprocess
    sql
    noresetcounter
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
    }
  }
  preacct {
    preprocess
    acct_unique
  }
  accounting {
    sql
  }
  post-auth {
  }
}
`,
  );
  // Run as the invoking user (no switch to `freerad`, who could not read this directory), log to stdout.
  const conf = path.join(raddb, 'radiusd.conf');
  const text = (await readFile(conf, 'utf8'))
    .replace(/^\s*user = freerad\s*$/m, '')
    .replace(/^\s*group = freerad\s*$/m, '')
    .replace(/^(\s*)proxy_requests\s*=\s*yes/m, '$1proxy_requests = no')
    .replace(/^\$INCLUDE proxy.conf$/m, '');
  await writeFile(conf, text.replace(/^run_dir = .*$/m, `run_dir = ${dir}`).replace(/^logdir = .*$/m, `logdir = ${dir}`));

  const child = spawn(BINARY, ['-f', '-d', raddb, '-l', 'stdout'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`FreeRADIUS did not start within 30 s:\n${output}`)), 30_000);
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes('Ready to process requests')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`FreeRADIUS exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid!, stop };
}
