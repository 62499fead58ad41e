/**
 * Command line and environment: every option is also an environment variable.
 * Pure: parsing only, no side effects, so it is testable and `--help` is generated from the table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseTrustedEntry } from './api/client-address.js';
import { bcryptCostSetting } from './services/iam/passwords.js';

interface OptionSpec {
  name: string;
  env: string;
  description: string;
  default?: string;
}

export const OPTIONS: OptionSpec[] = [
  {
    name: 'host',
    env: 'CALYPSO_HOST',
    description: 'sim (simulated appliance) or local (this machine); default local when the real tools are present and running as root, otherwise sim',
  },
  {
    name: 'data',
    env: 'CALYPSO_DATA',
    description:
      'data directory: SQLite database, secrets, logs, simulated appliance state; default /var/lib/calypso when it exists (or Calypso is installed as a package), else the data folder of the Calypso checkout, whatever the current folder; user, sim and migrate never create one',
  },
  { name: 'port', env: 'CALYPSO_PORT', description: 'API port', default: '8080' },
  {
    name: 'listen',
    env: 'CALYPSO_LISTEN',
    description: 'API TCP listen address; none: no TCP, the API answers only on the Unix socket DATA/calypso.sock (serve always listens there)',
    default: '127.0.0.1',
  },
  { name: 'tls-cert', env: 'CALYPSO_TLS_CERT', description: 'PEM certificate for direct HTTPS' },
  { name: 'tls-key', env: 'CALYPSO_TLS_KEY', description: 'PEM private key for direct HTTPS' },
  {
    name: 'trust-proxy',
    env: 'CALYPSO_TRUST_PROXY',
    description: 'reverse proxies whose X-Forwarded-For is believed: addresses or CIDRs, comma-separated (127.0.0.1,::1); yes means loopback only; no: none',
    default: 'no',
  },
  {
    name: 'terminal-websocket',
    env: 'CALYPSO_TERMINAL_WEBSOCKET',
    description: 'yes: Admins may open a shell on the appliance over the API (a WebSocket with a one-time ticket); no: refused',
    default: 'no',
  },
  { name: 'log-level', env: 'CALYPSO_LOG_LEVEL', description: 'trace, debug, info, warn, error', default: 'info' },
  {
    name: 'socket',
    env: 'CALYPSO_SOCKET',
    description:
      "console: the daemon's Unix socket (default DATA/calypso.sock; the console starts a daemon when none answers there, but not on a socket given here)",
  },
  { name: 'idle-lock', env: 'CALYPSO_IDLE_LOCK', description: 'console: lock the screen after this many idle minutes (0: never)', default: '15' },
  {
    name: 'bcrypt-cost',
    env: 'CALYPSO_BCRYPT_COST',
    description: 'bcrypt cost of new password hashes; at least 12, lower only in test runs (NODE_ENV=test or CALYPSO_TEST=1)',
    default: '12',
  },
];

export const COMMANDS: [string, string][] = [
  ['console', 'the full-screen console and the API in one process (default)'],
  ['serve', 'the daemon: the API alone, headless (systemd, automation); locks the data directory and listens on DATA/calypso.sock'],
  ['stop', 'stop the calypso serve of the data directory (SIGTERM, then wait for it to exit)'],
  ['migrate', 'apply database migrations and exit'],
  ['user add NAME [--role R]...', 'create a user (password asked, or read from standard input)'],
  ['user passwd NAME', "reset a user's password"],
  ['user list', 'list users'],
  ['user disable NAME | user enable NAME', 'block or allow logins'],
  ['sim fault-disk DISK | heal-disk DISK | fill POOL PERCENT | reset | seed --datasets N --snapshots M', 'control the simulated appliance'],
];

export interface Config {
  command: string;
  args: string[];
  hostKind: 'sim' | 'local' | 'auto';
  dataDir: string;
  /** Where dataDir came from: --data, CALYPSO_DATA, the system path or the checkout's data folder. */
  dataDirSource: DataDirSource;
  port: number;
  listen: string;
  /** Whether the API listens on TCP (--listen none: only on the Unix socket). */
  tcp: boolean;
  databaseUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** Addresses/CIDRs of the reverse proxies trusted to say who the client is; empty: none. */
  trustProxy: string[];
  logLevel: string;
  idleLockMinutes: number;
  /** The WebSocket terminal is on (--terminal-websocket yes); off by default. */
  terminalWebsocket: boolean;
  /** bcrypt cost of new password hashes (12 or more outside tests). */
  bcryptCost: number;
  /** Extra flags of a subcommand (e.g. --role for user add). */
  flags: Record<string, string | boolean | string[] | undefined>;
  help: boolean;
  version: boolean;
}

export class ConfigError extends Error {}

export function helpText(version: string): string {
  const lines = [`calypso ${version}: management console and API of a backup appliance`, '', 'Usage: calypso [command] [options]', '', 'Commands:'];
  for (const [c, d] of COMMANDS) lines.push(`  ${c.padEnd(38)} ${d}`);
  lines.push('', 'Options (each also an environment variable):');
  for (const o of OPTIONS) lines.push(`  --${o.name.padEnd(12)} ${o.env.padEnd(20)} ${o.description}${o.default ? ` (default ${o.default})` : ''}`);
  lines.push(`  ${''.padEnd(14)} ${'DATABASE_URL'.padEnd(20)} postgres://user@host/db; default: SQLite in the data directory`);
  lines.push(
    `  ${''.padEnd(14)} ${'CALYPSO_ADMIN_PASSWORD'.padEnd(20)} password of the admin account created on first start (otherwise a random one is printed once)`,
  );
  lines.push('  --help, --version');
  return lines.join('\n');
}

export type DataDirSource = 'option' | 'env' | 'system' | 'checkout';

/** The system data directory of an installed appliance (deploy/calypso.service sets it too). */
export const SYSTEM_DATA_DIR = '/var/lib/calypso';

/** The folder holding Calypso's package.json (src/.. or dist/..), found upward from this module. */
export function installDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return path.dirname(fileURLToPath(import.meta.url));
}

export interface DataDirEnvironment {
  /** The folder relative paths are read from (process.cwd()). */
  cwd: string;
  /** Where Calypso itself is (installDir()). */
  installDir: string;
  exists(p: string): boolean;
}

/**
 * The data directory, never depending on the folder a command is typed in unless the caller
 * wrote a relative path: --data, else CALYPSO_DATA, else /var/lib/calypso when it exists or
 * Calypso is installed as a package (inside node_modules), else the data folder of the checkout
 * Calypso runs from (what `npm start` in the project has always used).
 */
export function resolveDataDir(option: string | undefined, envValue: string | undefined, where: DataDirEnvironment): { dir: string; source: DataDirSource } {
  if (option) return { dir: path.resolve(where.cwd, option), source: 'option' };
  if (envValue) return { dir: path.resolve(where.cwd, envValue), source: 'env' };
  const installed = where.installDir.split(path.sep).includes('node_modules');
  if (installed || where.exists(SYSTEM_DATA_DIR)) return { dir: SYSTEM_DATA_DIR, source: 'system' };
  return { dir: path.join(where.installDir, 'data'), source: 'checkout' };
}

/** How a data directory was chosen, in words, for messages. */
export function dataDirOrigin(source: DataDirSource): string {
  return {
    option: 'from --data',
    env: 'from CALYPSO_DATA',
    system: "the appliance's system data directory",
    checkout: "the default: the data folder of Calypso's checkout",
  }[source];
}

export function parseConfig(
  argv: string[],
  env: NodeJS.ProcessEnv,
  where: DataDirEnvironment = { cwd: process.cwd(), installDir: installDir(), exists: fs.existsSync },
): Config {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const o of OPTIONS) options[o.name] = { type: 'string' };
  Object.assign(options, {
    help: { type: 'boolean' },
    version: { type: 'boolean' },
    role: { type: 'string', multiple: true },
    'password-stdin': { type: 'boolean' },
    datasets: { type: 'string' },
    snapshots: { type: 'string' },
  });
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const get = (name: string): string | undefined => {
    const spec = OPTIONS.find((o) => o.name === name)!;
    return (v[name] as string | undefined) ?? env[spec.env] ?? spec.default;
  };
  const hostKind = get('host') ?? 'auto';
  if (!['sim', 'local', 'auto'].includes(hostKind)) throw new ConfigError(`--host must be sim or local, not ${hostKind}`);
  const port = Number(get('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be 0-65535, not ${get('port')}`);
  const idle = Number(get('idle-lock'));
  if (!Number.isFinite(idle) || idle < 0) throw new ConfigError('--idle-lock must be a number of minutes (0: never)');
  let bcryptCost: number;
  try {
    bcryptCost = bcryptCostSetting(get('bcrypt-cost'), env);
  } catch (err) {
    throw new ConfigError(`--bcrypt-cost: ${(err as Error).message}`);
  }
  const tlsCert = get('tls-cert');
  const tlsKey = get('tls-key');
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new ConfigError('--tls-cert and --tls-key go together');
  const terminalWs = (get('terminal-websocket') ?? 'no').trim().toLowerCase();
  if (!['yes', 'no', 'true', 'false', '1', '0'].includes(terminalWs)) throw new ConfigError(`--terminal-websocket must be yes or no, not ${terminalWs}`);
  const [command = 'console', ...args] = parsed.positionals;
  const data = resolveDataDir(v.data as string | undefined, env.CALYPSO_DATA || undefined, where);
  return {
    command,
    args,
    hostKind: hostKind as Config['hostKind'],
    dataDir: data.dir,
    dataDirSource: data.source,
    port,
    listen: get('listen')!,
    tcp: !/^none$/i.test(get('listen') ?? ''),
    databaseUrl: env.DATABASE_URL || undefined,
    tlsCert,
    tlsKey,
    trustProxy: parseTrustProxy(get('trust-proxy') ?? ''),
    logLevel: get('log-level')!,
    idleLockMinutes: idle,
    terminalWebsocket: ['yes', 'true', '1'].includes(terminalWs),
    bcryptCost,
    flags: v,
    help: Boolean(v.help),
    version: Boolean(v.version),
  };
}

/** Loopback, what `--trust-proxy yes` means: a proxy on this machine (nginx, caddy). */
const LOOPBACK_PROXIES = ['127.0.0.1', '::1'];

/**
 * `--trust-proxy`: no (none), yes (loopback only: a proxy on the same machine) or a comma-separated
 * list of addresses and CIDRs. Never "any address": the client would choose its own address.
 */
export function parseTrustProxy(value: string): string[] {
  const v = value.trim();
  if (/^(|0|no|false|off|none)$/i.test(v)) return [];
  if (/^(1|yes|true|on)$/i.test(v)) return [...LOOPBACK_PROXIES];
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of entries) {
    if (e === '*' || /^0\.0\.0\.0\/0$|^::\/0$/.test(e))
      throw new ConfigError(
        `--trust-proxy ${e}: trusting every address lets any client choose the address it is audited and throttled under; list your proxies' addresses`,
      );
    try {
      parseTrustedEntry(e);
    } catch (err) {
      throw new ConfigError(`--trust-proxy: ${(err as Error).message}; give no, yes (loopback) or proxy addresses/CIDRs separated by commas`);
    }
  }
  return entries;
}

/** local when ZFS tools are installed and we are root; otherwise the simulated appliance. */
export function detectHostKind(isRoot: boolean, exists: (p: string) => boolean = fs.existsSync): 'sim' | 'local' {
  const tools = ['/usr/sbin/zpool', '/sbin/zpool', '/usr/bin/zpool'];
  const hasZfs = tools.some(exists) && exists('/proc/spl/kstat/zfs/arcstats');
  return hasZfs && isRoot ? 'local' : 'sim';
}
