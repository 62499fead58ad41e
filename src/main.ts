/**
 * The composition root: reads the configuration, picks the host, opens the database,
 * builds the services and starts the faces. The only module that wires things together.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { ConfigError, dataDirOrigin, detectHostKind, helpText, installDir, parseConfig, type Config } from './config.js';
import { prepareConsoleEnv } from './console-env.js';
import { loadConsole } from './console-loader.js';
import { setBcryptCost } from './services/iam/passwords.js';
import { CLI_META, createCalypso, ensureAdmin, publicMessage, type Calypso } from './services/index.js';
import { describeDb, migrate, openDb } from './services/db.js';
import { redactUrlsDeep } from './services/core/redact.js';
import { allPages } from './contracts/list.js';
import { createApi, listen, type RunningServer } from './api/server.js';
import { terminalUpgrade } from './api/terminal-ws.js';
import { socketPeer } from './system/socket-peer.js';
import { eventsMount } from './api/events.js';
import { logStreamMount } from './api/log-stream.js';
import { metricsMount } from './api/metrics.js';
import { supportMount } from './api/support.js';
import { startMonitoring, startScheduler } from './services/index.js';
import type { Host } from './system/host.js';
import { LocalHost } from './system/local-host.js';
import { acquireDataLock, DataDirLocked, lockHolder, type DataLock } from './system/data-lock.js';
import { nowIso } from './contracts/time.js';
import { within } from './lib/within.js';
import { ensurePrivateFile, securePrivateDir, type ModeCorrection } from './system/private-dir.js';
import { SimulatedHost } from './system/sim/simulated-host.js';

const VERSION: string = JSON.parse(fs.readFileSync(path.join(installDir(), 'package.json'), 'utf8')).version;

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
        paths: [
          'password',
          '*.password',
          'newPassword',
          '*.newPassword',
          'currentPassword',
          '*.currentPassword',
          'refreshToken',
          '*.refreshToken',
          'accessToken',
          '*.accessToken',
          'secret',
          '*.secret',
          '*.headers.authorization',
          'headers.authorization',
        ],
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
}

/**
 * DATA/calypso.pid, for people and messages (the OS lock of src/system/data-lock.ts decides who
 * owns the directory): written by the daemon after it took the lock, removed when it exits.
 */
function writePidFile(dataDir: string): void {
  const file = path.join(dataDir, 'calypso.pid');
  fs.writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  process.on('exit', () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  });
}

/** Logs each mode the start corrected in the data directory (files 0600, directories 0700). */
function warnCorrected(log: Logger, corrected: ModeCorrection[]): void {
  for (const c of corrected)
    log.warn({ path: c.path, was: c.was.toString(8), now: c.now.toString(8) }, 'corrected the mode of a data directory entry (readable by others)');
}

/** Builds the service layer. `daemon`: this is calypso serve, holding the data directory's lock (it recovers jobs). */
async function boot(cfg: Config, alsoStdout: boolean, daemon = false): Promise<Booted> {
  const corrected = securePrivateDir(cfg.dataDir);
  const log = makeLogger(cfg, alsoStdout);
  warnCorrected(log, corrected);
  const hostKind = cfg.hostKind === 'auto' ? detectHostKind(process.getuid?.() === 0) : cfg.hostKind;
  const host: Host = hostKind === 'sim' ? new SimulatedHost({ dataDir: path.join(cfg.dataDir, 'sim') }) : new LocalHost();
  const db = openDb({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
  const about = {
    version: VERSION,
    database: describeDb({ url: cfg.databaseUrl, dataDir: cfg.dataDir }),
    apiUrl: null,
    logFile: path.join(cfg.dataDir, 'calypso.log'),
  };
  const replication = hostKind === 'sim' ? {} : { sshDir: path.join(cfg.dataDir, 'ssh') };
  const terminal = { websocket: cfg.terminalWebsocket, demoDir: path.join(cfg.dataDir, 'sim', 'demo-shell') };
  const appliance = { configExportDir: path.join(cfg.dataDir, 'config-exports') };
  const app = await createCalypso({ db, host, log, jwtSecret: loadSecret(cfg.dataDir), recoverJobs: daemon, about, replication, terminal, appliance });
  const admin = await ensureAdmin(app, process.env.CALYPSO_ADMIN_PASSWORD || undefined);
  log.info({ hostKind, db: describeDb({ url: cfg.databaseUrl, dataDir: cfg.dataDir }), version: VERSION }, 'calypso started');
  return { app, log, hostKind, dbDescription: describeDb({ url: cfg.databaseUrl, dataDir: cfg.dataDir }), admin };
}

function announce(b: Booted, cfg: Config, write: (s: string) => void): void {
  write(
    `Calypso ${VERSION} on the ${b.hostKind === 'sim' ? 'SIMULATED appliance (no real disks are touched)' : 'local machine'}${cfg.hostKind === 'auto' ? ' (chosen automatically; --host to override)' : ''}\n`,
  );
  write(`Database: ${b.dbDescription}; data directory ${cfg.dataDir} (${dataDirOrigin(cfg.dataDirSource)}); log ${path.join(cfg.dataDir, 'calypso.log')}\n`);
  if (b.admin?.generated && process.stderr.isTTY) write(`Created the admin account. Its password, shown only this once: ${b.admin.password}\n`);
  else if (b.admin?.generated) {
    // Not on a terminal (started by a console, or by systemd): the password must not go to a log.
    // The console that started this daemon shows it on its login screen and removes the file.
    fs.writeFileSync(path.join(cfg.dataDir, INITIAL_PASSWORD_FILE), `${b.admin.password}\n`, { mode: 0o600 });
    write(
      `Created the admin account. Its generated password is in ${path.join(cfg.dataDir, INITIAL_PASSWORD_FILE)} (readable by this user only; the console that started this daemon shows it once and removes the file)\n`,
    );
  } else if (b.admin) write('Created the admin account with the password from CALYPSO_ADMIN_PASSWORD.\n');
}

/** The first start's generated admin password, when it could not be shown on a terminal. */
const INITIAL_PASSWORD_FILE = 'initial-admin-password';

/** The daemon's Unix socket: the same API as TCP, in the data directory. */
function socketPathOf(dataDir: string): string {
  return path.join(dataDir, 'calypso.sock');
}

/** The daemon's API: on TCP (unless --listen none) and always on DATA/calypso.sock. */
async function startApi(b: Booted, cfg: Config): Promise<RunningServer> {
  const koa = createApi(b.app, { log: b.log, version: VERSION, trustProxy: cfg.trustProxy, socketPeer }, [
    eventsMount(b.app),
    logStreamMount(b.app),
    metricsMount(b.app),
    supportMount(b.app),
  ]);
  const upgrade = terminalUpgrade(b.app, { trustProxy: cfg.trustProxy });
  return listen(koa, {
    onUpgrade: upgrade,
    port: cfg.port,
    host: cfg.listen,
    tlsCert: cfg.tlsCert,
    tlsKey: cfg.tlsKey,
    tcp: cfg.tcp,
    socketPath: socketPathOf(cfg.dataDir),
  });
}

/** How long a stopping daemon waits for running jobs to finish before marking them interrupted. */
const SHUTDOWN_JOB_GRACE_MS = 10_000;

/**
 * Graceful stop of the daemon: both listeners stop accepting and requests in flight finish
 * (streams are cut after 5 s); monitoring and the scheduler stop; running jobs get
 * SHUTDOWN_JOB_GRACE_MS to finish, and those still running then are marked interrupted (the
 * next start would do it anyway, this says so now); the database closes; the socket file is
 * gone; the lock is released last, so a new serve never starts beside a dying one.
 */
async function stopDaemon(b: Booted, server: RunningServer, lock: DataLock, sig: string): Promise<void> {
  b.log.info({ sig }, 'shutting down');
  try {
    b.app.events.shutdown();
    await server.close();
    const closed = b.app.close();
    if (await within(closed, SHUTDOWN_JOB_GRACE_MS)) await closed;
    else {
      const ids = b.app.jobs.runningIds();
      await b.app
        .db('jobs')
        .whereIn('id', ids)
        .where({ state: 'running' })
        .update({ state: 'interrupted', finished_at: nowIso(), error: 'Calypso stopped while the job was running' });
      b.log.warn({ jobs: ids }, 'jobs still running at shutdown were marked interrupted');
    }
  } finally {
    await lock.release();
  }
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

/**
 * The daemon. Before anything else it takes the data directory's OS lock (src/system/data-lock.ts):
 * a second serve on the same directory stops here, naming the directory and the holder's pid.
 */
async function serve(cfg: Config): Promise<void> {
  fs.mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  let lock: DataLock;
  try {
    lock = await acquireDataLock(cfg.dataDir);
  } catch (err) {
    if (err instanceof DataDirLocked) throw new ConfigError(err.message);
    throw err;
  }
  // Started by a console, stdout is the log file already: the log is written there once.
  writePidFile(cfg.dataDir);
  const b = await boot(cfg, !process.env.CALYPSO_STARTED_BY_CONSOLE, true);
  await startMonitoring(b.app);
  await startScheduler(b.app).catch((err: unknown) => b.log.error({ err }, 'the scheduler did not start'));
  announce(b, cfg, (s) => process.stderr.write(s));
  const server = await startApi(b, cfg);
  if (cfg.tcp) b.app.about.apiUrl = server.url;
  if (cfg.tcp) process.stderr.write(`API listening on ${server.url}/api/v1 (OpenAPI: ${server.url}/api/v1/openapi.json)\n`);
  else process.stderr.write('API not on TCP (--listen none)\n');
  process.stderr.write(`API listening on the Unix socket ${server.socketPath} (pid ${process.pid}; calypso stop --data ${cfg.dataDir} stops it)\n`);
  onShutdown((sig) => stopDaemon(b, server, lock, sig));
}

/** How long `calypso stop` waits for the daemon to exit after SIGTERM. */
const STOP_WAIT_MS = 60_000;

/** `calypso stop`: SIGTERM to the daemon holding the data directory's lock, then wait for the lock to be free. */
async function stopCommand(cfg: Config): Promise<void> {
  const dir = cfg.dataDir;
  if (!fs.existsSync(dir)) throw new ConfigError(`no data directory at ${dir} (${dataDirOrigin(cfg.dataDirSource)}), so no calypso serve runs on it`);
  const pid = await lockHolder(dir);
  if (pid === null) throw new ConfigError(`no calypso serve runs on ${dir} (${dataDirOrigin(cfg.dataDirSource)})`);
  if (pid === 0) throw new ConfigError(`${dir} is locked by a process that did not say its pid; find it with: ss -xlp | grep calypso-lock`);
  try {
    process.kill(pid, 'SIGTERM');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'EPERM' ? `calypso serve (pid ${pid}) on ${dir} belongs to another user: not allowed to stop it` : `could not signal pid ${pid}: ${code}`,
    );
  }
  process.stdout.write(`sent SIGTERM to calypso serve (pid ${pid}) on ${dir}; waiting for it to exit\n`);
  const deadline = Date.now() + STOP_WAIT_MS;
  while ((await lockHolder(dir)) !== null) {
    if (Date.now() > deadline)
      throw new ConfigError(
        `calypso serve (pid ${pid}) on ${dir} is still running ${STOP_WAIT_MS / 1000} s after SIGTERM; see ${path.join(dir, 'calypso.log')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stdout.write(`calypso serve (pid ${pid}) stopped\n`);
}

/** Whether a daemon answers on the socket (its /healthz). */
async function daemonAnswers(socketPath: string): Promise<boolean> {
  const http = await import('node:http');
  return new Promise((resolve) => {
    const req = http.request({ socketPath, path: '/healthz', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** How long a console waits for the daemon it started to answer. */
const DAEMON_START_MS = 60_000;

/**
 * Starts `calypso serve` on the data directory, detached (its own session, output to
 * DATA/calypso.log), with the options this console was given, and waits until its socket
 * answers. The daemon keeps running after the console quits: it is the appliance, and its jobs
 * and schedules go on (`calypso stop` stops it).
 */
async function startDaemon(cfg: Config, argv: string[], socketPath: string): Promise<number> {
  const { spawn } = await import('node:child_process');
  fs.mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  ensurePrivateFile(path.join(cfg.dataDir, 'calypso.log'));
  const out = fs.openSync(path.join(cfg.dataDir, 'calypso.log'), 'a');
  // The same program and options, `serve` for the command; the console's own are harmless to serve.
  const args = argv.filter((a) => a !== 'console');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'serve', ...args], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, CALYPSO_STARTED_BY_CONSOLE: '1' },
  });
  fs.closeSync(out);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + DAEMON_START_MS;
  while (!(await daemonAnswers(socketPath))) {
    if (exited !== null) {
      // Another console may have started it at the same moment: then its daemon answers.
      if (await daemonAnswers(socketPath)) break;
      throw new ConfigError(`the daemon (calypso serve) did not start (exit ${exited}); see ${path.join(cfg.dataDir, 'calypso.log')}`);
    }
    if (Date.now() > deadline)
      throw new ConfigError(
        `the daemon (calypso serve, pid ${child.pid}) did not answer within ${DAEMON_START_MS / 1000} s; see ${path.join(cfg.dataDir, 'calypso.log')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  return child.pid ?? 0;
}

/**
 * A daemon that holds the data directory's lock but did not answer the first probe (starting, or
 * slow on a loaded machine) is waited for, not doubled: a second serve would only find the lock
 * taken and exit. When nobody holds the lock, one is started. Returns the pid it started, or null.
 */
async function daemonOrStart(cfg: Config, argv: string[], socketPath: string): Promise<number | null> {
  const deadline = Date.now() + DAEMON_START_MS;
  for (;;) {
    const holder = await lockHolder(cfg.dataDir);
    if (holder === null) return startDaemon(cfg, argv, socketPath);
    if (await daemonAnswers(socketPath)) return null;
    if (Date.now() > deadline)
      throw new ConfigError(
        `the daemon on ${cfg.dataDir} (calypso serve, pid ${holder || 'unknown'}) holds its lock but did not answer within ${DAEMON_START_MS / 1000} s; see ${path.join(cfg.dataDir, 'calypso.log')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first start's generated admin password, left by the daemon for the console that started it (read once, then removed). */
function takeInitialPassword(dataDir: string): string | undefined {
  const file = path.join(dataDir, INITIAL_PASSWORD_FILE);
  try {
    const pw = fs.readFileSync(file, 'utf8').trim();
    fs.rmSync(file, { force: true });
    return pw || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The console: a client of the daemon over its Unix socket. It opens no database and builds no
 * service; when no daemon answers on the data directory's socket it starts one.
 */
async function consoleFace(cfg: Config, argv: string[] = []): Promise<void> {
  prepareConsoleEnv();
  // The console's modules load while the daemon is found (or started).
  const tui = loadConsole();
  tui.catch(() => undefined);
  const explicit = (cfg.flags.socket as string | undefined) ?? process.env.CALYPSO_SOCKET;
  const socketPath = explicit ? path.resolve(explicit) : socketPathOf(cfg.dataDir);
  let notice: string | undefined;
  if (!(await daemonAnswers(socketPath))) {
    if (explicit)
      throw new ConfigError(
        `no Calypso daemon answers on ${socketPath} (from ${cfg.flags.socket ? '--socket' : 'CALYPSO_SOCKET'}); start one with calypso serve`,
      );
    const pid = await daemonOrStart(cfg, argv, socketPath);
    if (pid !== null) notice = `Started the Calypso daemon (pid ${pid}); it keeps running after you quit (calypso stop ends it).`;
  }
  const { HttpClient } = await import('./client/http.js');
  const client = new HttpClient({ socketPath, userAgent: `calypso-console/${VERSION}` });
  const { startConsole, releaseDeadTerminal, Appliance } = await tui;
  const appliance = new Appliance(client);
  const ui = startConsole(appliance, {
    version: VERSION,
    connection: `unix:${socketPath}`,
    idleLockMinutes: cfg.idleLockMinutes,
    hostKind: cfg.hostKind === 'auto' ? undefined : cfg.hostKind,
    generatedAdminPassword: explicit ? undefined : takeInitialPassword(cfg.dataDir),
    notice,
  });
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      ui.stop();
      await ui.done;
      await appliance.close();
    })());
  // A hang-up (SIGHUP, or EIO/EPIPE on the terminal: an SSH drop) ends the console quietly: it
  // stopped drawing, nothing more is written to the dead terminal, and the exit code is 129, as
  // for SIGHUP. The daemon and its jobs are not touched.
  const finish = (failed: boolean): never => {
    if (ui.hangup) {
      releaseDeadTerminal();
      process.exit(129);
    }
    process.exit(failed ? 1 : 0);
  };
  // SIGHUP is not among these: the console watches for it with the terminal's errors.
  let signalled = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (signalled) return;
      signalled = true;
      close().then(
        () => finish(false),
        () => finish(true),
      );
    });
  }
  await ui.done;
  let failed = false;
  try {
    await close();
  } catch {
    failed = true;
  }
  finish(failed);
}

async function readPassword(cfg: Config, prompt: string): Promise<string> {
  if (cfg.flags['password-stdin'] || !process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').split('\n')[0];
  }
  // Loaded here, not with every command: Ink is the console's, and serve never prompts.
  const { promptPassword, PromptCancelled } = await import('./tui/password-prompt.js');
  const ask = async (q: string) => {
    try {
      return await promptPassword(q);
    } catch (err) {
      if (err instanceof PromptCancelled) throw new ConfigError('cancelled');
      throw err;
    }
  };
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
function requireExistingData(cfg: Config, exists: (p: string) => boolean = fs.existsSync): void {
  const what = `calypso ${cfg.command}${cfg.args[0] ? ` ${cfg.args[0]}` : ''}`;
  const fix =
    'pass --data DIR (or set CALYPSO_DATA) to the data directory of the running instance, or start one first with `calypso serve` or `calypso console`';
  if (cfg.command === 'migrate' && cfg.databaseUrl) return; // the database is elsewhere; the data directory is not needed
  if (!exists(cfg.dataDir)) {
    throw new ConfigError(
      `${what}: no data directory at ${cfg.dataDir} (${dataDirOrigin(cfg.dataDirSource)}); it works on an existing instance and creates none: ${fix}`,
    );
  }
  if (cfg.command !== 'migrate' && !cfg.databaseUrl && !exists(path.join(cfg.dataDir, 'calypso.db'))) {
    throw new ConfigError(
      `${what}: ${cfg.dataDir} (${dataDirOrigin(cfg.dataDirSource)}) holds no database (calypso.db); it works on an existing instance and creates none: ${fix}`,
    );
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
        const res = await allPages(
          (p) => b.app.call<{ items: { username: string; enabled: boolean; roles: string[]; lastLoginAt: string | null }[] }>('iam.users.list', p, CLI_META),
          { limit: 1_000_000 },
        );
        out(`${'USERNAME'.padEnd(20)} ${'ENABLED'.padEnd(8)} ${'ROLES'.padEnd(30)} LAST LOGIN`);
        for (const u of res.items)
          out(`${u.username.padEnd(20)} ${(u.enabled ? 'yes' : 'no').padEnd(8)} ${u.roles.join(',').padEnd(30)} ${u.lastLoginAt ?? '-'}`);
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
      'tape-fault': () => ['sim.tapeFault', { library: a, kind: c, drive: Number(cfg.flags.drive ?? 0), slot: Number(cfg.flags.slot ?? 1) }],
      'tape-mail-slot': () => ['sim.tapeMailSlot', { library: a, barcode: c }],
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
  for (const c of corrected)
    process.stderr.write(`calypso: corrected the mode of ${c.path} from ${c.was.toString(8)} to ${c.now.toString(8)} (it was readable by others)\n`);
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
  setBcryptCost(cfg.bcryptCost);
  if (cfg.help) return void process.stdout.write(`${helpText(VERSION)}\n`);
  if (cfg.version) return void process.stdout.write(`${VERSION}\n`);
  const commands: Record<string, (c: Config) => Promise<void>> = {
    console: (c) => consoleFace(c, argv),
    serve,
    stop: stopCommand,
    migrate: migrateCommand,
    user: userCommand,
    sim: simCommand,
  };
  const run = commands[cfg.command];
  if (!run) {
    process.stderr.write(`calypso: unknown command ${cfg.command}\n\n${helpText(VERSION)}\n`);
    process.exit(2);
  }
  try {
    await run(cfg);
  } catch (err) {
    process.stderr.write(
      `calypso: ${err instanceof ConfigError ? err.message : publicMessage(err) === 'internal error' ? (err as Error).stack : publicMessage(err)}\n`,
    );
    process.exit(1);
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main(process.argv.slice(2));
}
