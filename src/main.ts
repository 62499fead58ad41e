/**
 * The composition root: reads the configuration, picks the host, opens the database,
 * builds the services and starts the faces. The only module that wires things together.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { ConfigError, dataDirOrigin, detectHostKind, helpText, parseConfig, type Config } from './config.js';
import { prepareConsoleEnv } from './console-env.js';
import { loadConsole } from './console-loader.js';
import { CLI_META, createCalypso, ensureAdmin, publicMessage, type Calypso } from './services/index.js';
import { describeDb, migrate, openDb } from './services/db.js';
import { redactUrlsDeep } from './services/core/redact.js';
import { allPages } from './services/core/list.js';
import { createApi, listen, type RunningServer } from './api/server.js';
import { eventsMount } from './api/events.js';
import { metricsMount } from './api/metrics.js';
import { startMonitoring, startScheduler } from './services/index.js';
import type { Host } from './system/host.js';
import { LocalHost } from './system/local-host.js';
import { processAlive } from './system/pid.js';
import { ensurePrivateFile, securePrivateDir, type ModeCorrection } from './system/private-dir.js';
import { SimulatedHost } from './system/sim/simulated-host.js';

const VERSION: string = JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), findUp('package.json')), 'utf8')).version;

function findUp(name: string): string {
  let rel = name;
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (fs.existsSync(path.join(here, rel))) return rel;
    rel = `../${rel}`;
  }
  return name;
}

/** Logs go to a file in the data directory (and stdout for `serve`), never to the console's terminal. */
function makeLogger(cfg: Config, alsoStdout: boolean): Logger {
  ensurePrivateFile(path.join(cfg.dataDir, 'calypso.log'));
  const file = pino.destination({ dest: path.join(cfg.dataDir, 'calypso.log'), mkdir: true, sync: true });
  const streams: pino.StreamEntry[] = [{ stream: file, level: cfg.logLevel as pino.Level }];
  if (alsoStdout) streams.push({ stream: process.stdout, level: cfg.logLevel as pino.Level });
  return pino(
    {
      level: cfg.logLevel,
      // Credentials in URLs (webhooks, DATABASE_URL) never reach the log.
      formatters: { log: (obj) => redactUrlsDeep(obj) },
      redact: {
        paths: ['password', '*.password', 'newPassword', '*.newPassword', 'currentPassword', '*.currentPassword', 'refreshToken', '*.refreshToken', 'accessToken', '*.accessToken', 'secret', '*.secret', '*.headers.authorization', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.multistream(streams),
  );
}

/** The JWT signing key: generated once, kept in the data directory, readable by its owner only. */
function loadSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = crypto.randomBytes(48).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

interface Booted {
  app: Calypso;
  log: Logger;
  hostKind: 'sim' | 'local';
  dbDescription: string;
  admin: Awaited<ReturnType<typeof ensureAdmin>>;
  /** This process holds DATA/calypso.pid: it recovers jobs and runs the scheduler. */
  owns: boolean;
}

/**
 * Scheduled runs (scrubs, SMART tests) fire in the owner only, so two consoles never double a
 * run. Issue 10: once `calypso serve` is the one daemon and consoles are its clients, the daemon
 * starts the scheduler unconditionally and this rule goes away with takeOwnership.
 */
async function startOwnedScheduler(b: Booted): Promise<void> {
  if (!b.owns) return;
  await startScheduler(b.app).catch((err: unknown) => b.log.error({ err }, 'the scheduler did not start'));
}

/**
 * serve and console own the data directory: the first to start holds DATA/calypso.pid and
 * recovers interrupted jobs. Another console or a CLI command beside it does not.
 */
function takeOwnership(dataDir: string): boolean {
  const file = path.join(dataDir, 'calypso.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      process.on('exit', () => {
        if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
      });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (pid && pid !== process.pid && processAlive(pid)) return false;
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

/** Logs each mode the start corrected in the data directory (files 0600, directories 0700). */
function warnCorrected(log: Logger, corrected: ModeCorrection[]): void {
  for (const c of corrected) log.warn({ path: c.path, was: c.was.toString(8), now: c.now.toString(8) }, 'corrected the mode of a data directory entry (readable by others)');
}

async function boot(cfg: Config, alsoStdout: boolean, owner = false): Promise<Booted> {
  const corrected = securePrivateDir(cfg.dataDir);
  const log = makeLogger(cfg, alsoStdout);
  warnCorrected(log, corrected);
  const hostKind = cfg.hostKind === 'auto' ? detectHostKind(process.getuid?.() === 0) : cfg.hostKind;
  const host: Host = hostKind === 'sim' ? new SimulatedHost({ dataDir: path.join(cfg.dataDir, 'sim') }) : new LocalHost();
  const db = openDb({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
  const recoverJobs = owner && takeOwnership(cfg.dataDir);
  const app = await createCalypso({ db, host, log, jwtSecret: loadSecret(cfg.dataDir), recoverJobs });
  const admin = await ensureAdmin(app, process.env.CALYPSO_ADMIN_PASSWORD || undefined);
  log.info({ hostKind, db: describeDb({ url: cfg.databaseUrl, dataDir: cfg.dataDir }), version: VERSION }, 'calypso started');
  return { app, log, hostKind, dbDescription: describeDb({ url: cfg.databaseUrl, dataDir: cfg.dataDir }), admin, owns: recoverJobs };
}

function announce(b: Booted, cfg: Config, write: (s: string) => void): void {
  write(`Calypso ${VERSION} on the ${b.hostKind === 'sim' ? 'SIMULATED appliance (no real disks are touched)' : 'local machine'}${cfg.hostKind === 'auto' ? ' (chosen automatically; --host to override)' : ''}\n`);
  write(`Database: ${b.dbDescription}; data directory ${cfg.dataDir} (${dataDirOrigin(cfg.dataDirSource)}); log ${path.join(cfg.dataDir, 'calypso.log')}\n`);
  if (b.admin?.generated) write(`Created the admin account. Its password, shown only this once: ${b.admin.password}\n`);
  else if (b.admin) write('Created the admin account with the password from CALYPSO_ADMIN_PASSWORD.\n');
}

async function startApi(b: Booted, cfg: Config): Promise<RunningServer> {
  const koa = createApi(b.app, { log: b.log, version: VERSION, trustProxy: cfg.trustProxy }, [eventsMount(b.app), metricsMount(b.app)]);
  return listen(koa, { port: cfg.port, host: cfg.listen, tlsCert: cfg.tlsCert, tlsKey: cfg.tlsKey });
}

/** SIGTERM/SIGINT/SIGHUP: stop accepting, finish what is in flight, close the database. */
function onShutdown(run: (signal: string) => Promise<void>): void {
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      run(sig).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

async function serve(cfg: Config): Promise<void> {
  const b = await boot(cfg, true, true);
  await startMonitoring(b.app);
  await startOwnedScheduler(b);
  announce(b, cfg, (s) => process.stderr.write(s));
  const server = await startApi(b, cfg);
  process.stderr.write(`API listening on ${server.url}/api/v1 (OpenAPI: ${server.url}/api/v1/openapi.json)\n`);
  onShutdown(async (sig) => {
    b.log.info({ sig }, 'shutting down');
    await server.close();
    await b.app.close();
  });
}

async function consoleFace(cfg: Config): Promise<void> {
  prepareConsoleEnv();
  // The console's modules load while the database opens.
  const tui = loadConsole();
  tui.catch(() => undefined);
  const b = await boot(cfg, false, true);
  // The console owns the terminal: what `serve` announces goes to the log, and a busy port
  // shows in the console's status line instead of stopping it.
  let server: RunningServer | null = null;
  let apiError: string | undefined;
  try {
    server = await startApi(b, cfg);
  } catch (err) {
    apiError = (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? `port ${cfg.port} is in use` : publicMessage(err) === 'internal error' ? (err as Error).message : publicMessage(err);
    b.log.warn({ err }, 'the API did not start; the console runs without it');
  }
  const { startConsole } = await tui;
  const ui = startConsole(b.app, {
    version: VERSION, hostKind: b.hostKind, dbDescription: b.dbDescription,
    apiUrl: server?.url, apiError, idleLockMinutes: cfg.idleLockMinutes,
    generatedAdminPassword: b.admin?.generated ? b.admin.password : undefined,
    logFile: path.join(cfg.dataDir, 'calypso.log'),
  });
  // After the first frame: the first collection runs every probe. The console works without it.
  await startMonitoring(b.app).catch((err: unknown) => b.log.error({ err }, 'monitoring did not start'));
  await startOwnedScheduler(b);
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      ui.stop();
      await ui.done;
      await server?.close();
      await b.app.close();
    })());
  onShutdown(close);
  await ui.done;
  await close();
  process.exit(0);
}

async function readPassword(cfg: Config, prompt: string): Promise<string> {
  if (cfg.flags['password-stdin'] || !process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').split('\n')[0];
  }
  const ask = (q: string) =>
    new Promise<string>((resolve) => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
      // Echo nothing while the password is typed.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.includes(q)) process.stdout.write(q);
      };
      rl.question(q, (answer) => {
        rl.close();
        process.stdout.write('\n');
        resolve(answer);
      });
    });
  const first = await ask(prompt);
  const second = await ask('Again: ');
  if (first !== second) throw new ConfigError('the passwords do not match');
  return first;
}

/**
 * user, sim and migrate act on an existing instance. None creates a data directory, and user and
 * sim do not create a database either: typed in the wrong folder or with a mistyped --data, they
 * would start a second appliance with its own admin and secret. They refuse, naming the directory
 * they looked at and how it was chosen.
 */
export function requireExistingData(cfg: Config, exists: (p: string) => boolean = fs.existsSync): void {
  const what = `calypso ${cfg.command}${cfg.args[0] ? ` ${cfg.args[0]}` : ''}`;
  const fix = 'pass --data DIR (or set CALYPSO_DATA) to the data directory of the running instance, or start one first with `calypso serve` or `calypso console`';
  if (cfg.command === 'migrate' && cfg.databaseUrl) return; // the database is elsewhere; the data directory is not needed
  if (!exists(cfg.dataDir)) {
    throw new ConfigError(`${what}: no data directory at ${cfg.dataDir} (${dataDirOrigin(cfg.dataDirSource)}); it works on an existing instance and creates none: ${fix}`);
  }
  if (cfg.command !== 'migrate' && !cfg.databaseUrl && !exists(path.join(cfg.dataDir, 'calypso.db'))) {
    throw new ConfigError(`${what}: ${cfg.dataDir} (${dataDirOrigin(cfg.dataDirSource)}) holds no database (calypso.db); it works on an existing instance and creates none: ${fix}`);
  }
}

async function userCommand(cfg: Config): Promise<void> {
  requireExistingData(cfg);
  const b = await boot(cfg, false);
  try {
    const [sub, name] = cfg.args;
    const out = (s: string) => process.stdout.write(`${s}\n`);
    switch (sub) {
      case 'add': {
        if (!name) throw new ConfigError('usage: calypso user add NAME [--role Admin|Operator|ReadOnly]...');
        const password = await readPassword(cfg, `Password for ${name}: `);
        const roles = (cfg.flags.role as string[] | undefined) ?? ['ReadOnly'];
        await b.app.call('iam.users.create', { username: name, password, roles }, CLI_META);
        out(`created ${name} (${roles.join(', ')})`);
        break;
      }
      case 'passwd': {
        if (!name) throw new ConfigError('usage: calypso user passwd NAME');
        const password = await readPassword(cfg, `New password for ${name}: `);
        await b.app.call('iam.users.password', { username: name, password }, CLI_META);
        out(`password of ${name} changed; their sessions were ended`);
        break;
      }
      case 'disable':
      case 'enable': {
        if (!name) throw new ConfigError(`usage: calypso user ${sub} NAME`);
        await b.app.call('iam.users.update', { username: name, enabled: sub === 'enable' }, CLI_META);
        out(`${name} ${sub}d`);
        break;
      }
      case 'list':
      case undefined: {
        const res = await allPages((p) => b.app.call<{ items: { username: string; enabled: boolean; roles: string[]; lastLoginAt: string | null }[] }>('iam.users.list', p, CLI_META), { limit: 1_000_000 });
        out(`${'USERNAME'.padEnd(20)} ${'ENABLED'.padEnd(8)} ${'ROLES'.padEnd(30)} LAST LOGIN`);
        for (const u of res.items) out(`${u.username.padEnd(20)} ${(u.enabled ? 'yes' : 'no').padEnd(8)} ${u.roles.join(',').padEnd(30)} ${u.lastLoginAt ?? '-'}`);
        break;
      }
      default:
        throw new ConfigError(`unknown user command ${sub}; see calypso --help`);
    }
  } finally {
    await b.app.close();
  }
}

async function simCommand(cfg: Config): Promise<void> {
  if (cfg.hostKind === 'local') throw new ConfigError('sim commands act on the simulated appliance only');
  requireExistingData(cfg);
  const b = await boot({ ...cfg, hostKind: 'sim' }, false);
  try {
    const [sub, a, c] = cfg.args;
    const calls: Record<string, () => [string, unknown]> = {
      'fault-disk': () => ['sim.faultDisk', { disk: a }],
      'heal-disk': () => ['sim.healDisk', { disk: a }],
      fill: () => ['sim.fill', { pool: a, percent: Number(c) }],
      reset: () => ['sim.reset', {}],
      seed: () => ['sim.seed', { datasets: Number(cfg.flags.datasets ?? 0), snapshots: Number(cfg.flags.snapshots ?? 0) }],
    };
    const make = calls[sub ?? ''];
    if (!make) throw new ConfigError(`unknown sim command ${sub ?? ''}; one of: ${Object.keys(calls).join(', ')}`);
    const [op, input] = make();
    const result = await b.app.call(op, input, CLI_META);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await b.app.close();
  }
}

async function migrateCommand(cfg: Config): Promise<void> {
  requireExistingData(cfg);
  // With DATABASE_URL the data directory may not exist yet: migrate creates nothing there.
  const corrected = cfg.databaseUrl && !fs.existsSync(cfg.dataDir) ? [] : securePrivateDir(cfg.dataDir);
  for (const c of corrected) process.stderr.write(`calypso: corrected the mode of ${c.path} from ${c.was.toString(8)} to ${c.now.toString(8)} (it was readable by others)\n`);
  const db = openDb({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
  try {
    await migrate(db);
    process.stdout.write(`migrated ${describeDb({ url: cfg.databaseUrl, dataDir: cfg.dataDir })}\n`);
  } finally {
    await db.destroy();
  }
}

export async function main(argv: string[]): Promise<void> {
  let cfg: Config;
  try {
    cfg = parseConfig(argv, process.env);
  } catch (err) {
    process.stderr.write(`calypso: ${(err as Error).message}\n\n${helpText(VERSION)}\n`);
    process.exit(2);
  }
  if (cfg.help) return void process.stdout.write(`${helpText(VERSION)}\n`);
  if (cfg.version) return void process.stdout.write(`${VERSION}\n`);
  const commands: Record<string, (c: Config) => Promise<void>> = {
    console: consoleFace, serve, migrate: migrateCommand, user: userCommand, sim: simCommand,
  };
  const run = commands[cfg.command];
  if (!run) {
    process.stderr.write(`calypso: unknown command ${cfg.command}\n\n${helpText(VERSION)}\n`);
    process.exit(2);
  }
  try {
    await run(cfg);
  } catch (err) {
    process.stderr.write(`calypso: ${err instanceof ConfigError ? err.message : publicMessage(err) === 'internal error' ? (err as Error).stack : publicMessage(err)}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main(process.argv.slice(2));
}
