/**
 * The daemon with consoles attached (issue 10): `calypso serve` (compiled, simulated appliance,
 * SQLite) idle alone, then with N clients attached as a console attaches (logged in over the
 * socket, following the event stream, reading the open alerts and the dashboard's metrics every
 * few seconds). Reported: the daemon's RSS and CPU share over an idle window, for 0 and N. The
 * clients run in this process (an Ink console's own cost is its own process, measured by the
 * first-frame figures); what is measured is what the consoles cost the daemon.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpClient } from '../src/client/http.js';
import { monitoringContracts } from '../src/contracts/monitoring.js';

export interface DaemonIdleReport {
  consoles: number;
  windowSeconds: number;
  alone: { rssMb: number; cpuPercent: number };
  attached: { rssMb: number; cpuPercent: number };
  /** attached CPU - alone CPU, per console (percentage points of one core). */
  cpuPerConsole: number;
  rssPerConsoleMb: number;
}

const CLK_TCK = 100;

function procStat(pid: number): { cpuTicks: number; rssMb: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const rssPages = Number(fields[21]);
  return { cpuTicks, rssMb: Math.round(((rssPages * 4096) / 1024 ** 2) * 10) / 10 };
}

async function window(pid: number, seconds: number): Promise<{ rssMb: number; cpuPercent: number }> {
  const a = procStat(pid);
  const t = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = procStat(pid);
  const elapsed = (performance.now() - t) / 1000;
  return { rssMb: b.rssMb, cpuPercent: Math.round(((b.cpuTicks - a.cpuTicks) / CLK_TCK / elapsed) * 1000) / 10 };
}

export async function daemonIdle(opts: { root: string; consoles?: number; windowSeconds?: number; log?: (s: string) => void }): Promise<DaemonIdleReport> {
  const n = opts.consoles ?? 10;
  const seconds = opts.windowSeconds ?? 20;
  const log = opts.log ?? (() => undefined);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-bench-daemon-'));
  const socketPath = path.join(dataDir, 'calypso.sock');
  const password = 'bench-daemon-password-0123';
  const env: NodeJS.ProcessEnv = { ...process.env, CALYPSO_ADMIN_PASSWORD: password, NODE_ENV: 'production' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['bin/calypso.js', 'serve', '--host', 'sim', '--data', dataDir, '--listen', 'none'], {
    cwd: opts.root,
    env,
    stdio: 'ignore',
  });
  const clients: HttpClient[] = [];
  const stops: (() => void)[] = [];
  try {
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(socketPath)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the daemon did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Let the first collection and the start-up settle before measuring.
    await new Promise((r) => setTimeout(r, 5000));
    const alone = await window(child.pid!, seconds);
    log(`  daemon alone: RSS ${alone.rssMb} MB, CPU ${alone.cpuPercent}% over ${seconds} s\n`);
    for (let i = 0; i < n; i++) {
      const c = new HttpClient({ socketPath, userAgent: 'calypso-console/bench' });
      await c.login('admin', password);
      stops.push(c.subscribe(undefined, { onEvent: () => undefined }));
      clients.push(c);
    }
    // What an idle console asks for: the alert count (every 30 s, and on alert events) and the dashboard's samples.
    const poll = setInterval(() => {
      for (const c of clients) {
        void c.call(monitoringContracts['metrics.current'], {}).catch(() => undefined);
      }
    }, 2000);
    const alerts = setInterval(() => {
      for (const c of clients) void c.call(monitoringContracts['alerts.list'], {}).catch(() => undefined);
    }, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    const attached = await window(child.pid!, seconds);
    clearInterval(poll);
    clearInterval(alerts);
    log(`  daemon with ${n} consoles attached: RSS ${attached.rssMb} MB, CPU ${attached.cpuPercent}% over ${seconds} s\n`);
    return {
      consoles: n,
      windowSeconds: seconds,
      alone,
      attached,
      cpuPerConsole: Math.round(((attached.cpuPercent - alone.cpuPercent) / n) * 100) / 100,
      rssPerConsoleMb: Math.round(((attached.rssMb - alone.rssMb) / n) * 10) / 10,
    };
  } finally {
    for (const s of stops) s();
    for (const c of clients) await c.close().catch(() => undefined);
    spawnSync(process.execPath, ['bin/calypso.js', 'stop', '--data', dataDir], { cwd: opts.root, stdio: 'ignore', timeout: 90_000 });
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
