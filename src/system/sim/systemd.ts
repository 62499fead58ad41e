/**
 * The simulated appliance's systemd: `systemctl show/is-active/start/stop/restart/enable/disable`
 * and `journalctl -u UNIT -n N -o json`, in the real tools' formats and words, for the appliance's
 * units. A unit can be made to fail (`calypso sim`, sim.failService): it goes to failed at once,
 * its journal says why, and starting it fails until it is repaired. smbd's running state is the
 * sharing simulator's (one truth for smbcontrol and systemctl). State lives in a JSON file on the
 * simulated host, so a demo survives a restart.
 */
import type { HostFiles, RunResult } from '../host.js';
import { simulatedSmbdRunning } from '../sim-shares/index.js';
import { simulatedChronyRunning } from './chrony.js';
import { simulatedSnmpdRunning } from './snmp.js';

export const SERVICES_SIM_STATE = '/var/lib/calypso-sim/services.json';

/** Units of the simulated appliance and their descriptions (as their unit files say). */
const UNITS: Record<string, string> = {
  'smbd.service': 'Samba SMB Daemon',
  'nfs-server.service': 'NFS server and services',
  'scst.service': 'SCST - A Generic SCSI Target Subsystem',
  'bacula-dir.service': 'Bacula Director Daemon service',
  'bacula-sd.service': 'Bacula Storage Daemon service',
  'bacula-fd.service': 'Bacula File Daemon service',
  'ceph-radosgw@rgw.calypso.service': 'Ceph rados gateway',
  'chrony.service': 'chrony, an NTP client/server',
  'snmpd.service': 'Simple Network Management Protocol (SNMP) Daemon.',
  'ssh.service': 'OpenBSD Secure Shell server',
  'calypso.service': 'Calypso backup appliance management daemon',
};

interface SimUnit {
  active: 'active' | 'inactive' | 'failed';
  enabled: boolean;
  sinceMs: number;
  inactiveSinceMs: number | null;
  pid: number;
  result: string;
  /** A fault: starting it fails until it is repaired. */
  broken: boolean;
}

interface SimJournalLine {
  atMs: number;
  priority: number;
  unit: string;
  message: string;
  /** The entry's sequence number (the `i=` of its cursor); older states number theirs at load. */
  seq?: number;
}

interface ServicesState {
  units: Record<string, SimUnit>;
  journal: SimJournalLine[];
  nextPid: number;
  nextSeq?: number;
}

/** The simulated journal file's id and boot id (the `s=` and `b=` of a cursor). */
const SIM_JOURNAL_ID = '5ca1ab1e0c0ffee05ca1ab1e0c0ffee0';
const SIM_BOOT_ID = 'b007b007b007b007b007b007b007b007';

/** A journald cursor for a simulated entry, in journald's form (s=;i=;b=;m=;t=;x=). */
function cursorOf(l: SimJournalLine): string {
  const usec = (l.atMs * 1000).toString(16);
  return `s=${SIM_JOURNAL_ID};i=${(l.seq ?? 0).toString(16)};b=${SIM_BOOT_ID};m=${usec};t=${usec};x=${((l.seq ?? 0) * 2654435761).toString(16).slice(-16)}`;
}

/** The sequence number in a cursor of this journal (null: not one of its cursors). */
function cursorSeq(cursor: string): number | null {
  const fields = new Map(cursor.split(';').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)] as const));
  const i = fields.get('i');
  if (fields.get('s') !== SIM_JOURNAL_ID || !i || !/^[0-9a-f]{1,16}$/.test(i)) return null;
  return parseInt(i, 16);
}

const JOURNAL_MAX = 2000;

const ok = (stdout = ''): RunResult => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string, code = 1): RunResult => ({ code, stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` });

/** "smbd" -> "smbd.service"; other suffixes (.socket, .timer) are kept. */
export function unitName(name: string): string {
  return /\.(service|socket|timer|target|mount|path)$/.test(name) ? name : `${name}.service`;
}

function fresh(now: number): ServicesState {
  const units: Record<string, SimUnit> = {};
  let pid = 700;
  const journal: SimJournalLine[] = [];
  const boot = now - 3 * 3600_000;
  journal.push(
    { atMs: boot - 2000, priority: 5, unit: 'kernel', message: 'Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) #49-Ubuntu SMP PREEMPT_DYNAMIC' },
    { atMs: boot - 1900, priority: 6, unit: 'kernel', message: 'Command line: BOOT_IMAGE=/vmlinuz-6.8.0-49-generic root=/dev/mapper/vg0-root ro' },
    { atMs: boot - 1200, priority: 4, unit: 'kernel', message: 'ACPI Warning: SystemIO range 0x0000000000000B00-0x0000000000000B08 conflicts with OpRegion' },
    { atMs: boot - 800, priority: 6, unit: 'systemd-journald.service', message: 'Journal started' },
  );
  for (const [unit, description] of Object.entries(UNITS)) {
    units[unit] = { active: 'active', enabled: true, sinceMs: boot, inactiveSinceMs: null, pid: pid++, result: 'success', broken: false };
    journal.push({ atMs: boot, priority: 6, unit, message: `Started ${unit} - ${description}.` });
  }
  // Three hours of an appliance's life: cron every quarter hour, an SSH login, a chrony source change.
  for (let t = boot + 15 * 60_000; t < now; t += 15 * 60_000) {
    journal.push({ atMs: t, priority: 6, unit: 'cron.service', message: `(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)` });
  }
  journal.push(
    {
      atMs: boot + 40 * 60_000,
      priority: 6,
      unit: 'ssh.service',
      message: 'Accepted publickey for admin from 192.0.2.10 port 52144 ssh2: ED25519 SHA256:3q2+7w0bCTkSg5PBtXjSx0Ff1UrZHBdgOyvm6eFzXvk',
    },
    { atMs: boot + 41 * 60_000, priority: 5, unit: 'ssh.service', message: 'Invalid user oracle from 203.0.113.77 port 40022' },
    { atMs: boot + 70 * 60_000, priority: 6, unit: 'chrony.service', message: 'Selected source 192.0.2.123 (pool.ntp.org)' },
  );
  journal.sort((a, b) => a.atMs - b.atMs);
  return { units, journal, nextPid: pid };
}

async function load(files: HostFiles, now: number): Promise<ServicesState> {
  const text = await files.readIfExists(SERVICES_SIM_STATE);
  const state = text ? (JSON.parse(text) as ServicesState) : fresh(now);
  let seq = state.nextSeq ?? 1;
  for (const l of state.journal) if (l.seq === undefined) l.seq = seq++;
  state.nextSeq = seq;
  return state;
}

/** systemd's timestamp format, in UTC ("Mon 2026-11-30 06:38:01 UTC"). */
function stamp(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  return `${day} ${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC`;
}

/** The units named on a command line (options skipped). */
const unitArgs = (args: string[]) => args.slice(1).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '-p');

/** Answers systemctl and journalctl (null: not mine). */
export async function simulateServiceTool(tool: string, args: string[], ctx: { files: HostFiles; now: number }): Promise<RunResult | null> {
  if (tool !== 'systemctl' && tool !== 'journalctl') return null;
  const state = await load(ctx.files, ctx.now);
  const before = JSON.stringify(state);
  const result = tool === 'systemctl' ? await systemctl(args, state, ctx) : journalctl(args, state);
  const after = JSON.stringify(state);
  if (after !== before || !(await ctx.files.exists(SERVICES_SIM_STATE))) await ctx.files.writeAtomic(SERVICES_SIM_STATE, after);
  return result;
}

/**
 * Units whose daemon another simulator runs (the sharing simulator's smbd, the time and SNMP
 * simulators' chronyd and snmpd): they answer systemctl's verbs for them, and their running
 * state is what systemctl show and is-active report here.
 */
const RUN_ELSEWHERE: Record<string, (files: HostFiles) => Promise<boolean>> = {
  'smbd.service': simulatedSmbdRunning,
  'chrony.service': simulatedChronyRunning,
  'snmpd.service': simulatedSnmpdRunning,
};

/**
 * Whether a simulator that runs some units' daemons answers this systemctl command: a verb of its
 * own (not show) naming only its units. Anything else is the simulated systemd's.
 */
export function ownsUnitCommand(args: string[], units: ReadonlySet<string>): boolean {
  const named = args.slice(1).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '-p');
  return args[0] !== 'show' && named.length > 0 && named.every((a) => units.has(a));
}

/** The unit's view, with the running state of a daemon another simulator runs taken from it. */
async function view(unit: string, state: ServicesState, files: HostFiles): Promise<SimUnit | null> {
  const u = state.units[unit];
  if (!u) return null;
  const elsewhere = RUN_ELSEWHERE[unit];
  if (elsewhere) {
    const running = await elsewhere(files);
    if (running && u.active !== 'active') return { ...u, active: 'active', result: 'success' };
    if (!running && u.active === 'active') return { ...u, active: 'inactive', inactiveSinceMs: u.inactiveSinceMs ?? u.sinceMs };
  }
  return u;
}

function log(state: ServicesState, now: number, unit: string, priority: number, message: string): void {
  state.journal.push({ atMs: now, priority, unit, message, seq: state.nextSeq ?? 1 });
  state.nextSeq = (state.nextSeq ?? 1) + 1;
  if (state.journal.length > JOURNAL_MAX) state.journal.splice(0, state.journal.length - JOURNAL_MAX);
}

function start(state: ServicesState, unit: string, now: number): RunResult | null {
  const u = state.units[unit]!;
  const description = UNITS[unit] ?? unit;
  if (u.broken) {
    u.active = 'failed';
    u.result = 'exit-code';
    u.inactiveSinceMs = now;
    u.pid = 0;
    log(state, now, unit, 3, `${unit}: Main process exited, code=exited, status=1/FAILURE`);
    log(state, now, unit, 4, `${unit}: Failed with result 'exit-code'.`);
    log(state, now, unit, 3, `Failed to start ${unit} - ${description}.`);
    return fail(
      `Job for ${unit} failed because the control process exited with error code.\nSee "systemctl status ${unit}" and "journalctl -xeu ${unit}" for details.`,
    );
  }
  if (u.active !== 'active') {
    u.active = 'active';
    u.result = 'success';
    u.sinceMs = now;
    u.pid = state.nextPid++;
    log(state, now, unit, 6, `Started ${unit} - ${description}.`);
  }
  return null;
}

function stop(state: ServicesState, unit: string, now: number): void {
  const u = state.units[unit]!;
  if (u.active === 'inactive') return;
  log(state, now, unit, 6, `Stopping ${unit} - ${UNITS[unit] ?? unit}...`);
  u.active = 'inactive';
  u.inactiveSinceMs = now;
  u.pid = 0;
  if (u.result !== 'exit-code') u.result = 'success';
  log(state, now, unit, 6, `${unit}: Deactivated successfully.`);
  log(state, now, unit, 6, `Stopped ${unit} - ${UNITS[unit] ?? unit}.`);
}

async function systemctl(args: string[], state: ServicesState, ctx: { files: HostFiles; now: number }): Promise<RunResult> {
  const verb = args[0];
  const units = unitArgs(args).map(unitName);
  switch (verb) {
    case 'show': {
      const props = args
        .find((a) => a.startsWith('--property='))
        ?.slice('--property='.length)
        .split(',');
      const blocks: string[] = [];
      for (const unit of units) {
        const u = await view(unit, state, ctx.files);
        const all: Record<string, string> = u
          ? {
              MainPID: String(u.active === 'active' ? u.pid : 0),
              Result: u.result,
              Id: unit,
              Description: UNITS[unit] ?? unit,
              LoadState: 'loaded',
              ActiveState: u.active,
              SubState: u.active === 'active' ? 'running' : u.active === 'failed' ? 'failed' : 'dead',
              ActiveEnterTimestamp: stamp(u.sinceMs),
              InactiveEnterTimestamp: stamp(u.inactiveSinceMs),
              UnitFileState: u.enabled ? 'enabled' : 'disabled',
            }
          : {
              MainPID: '0',
              Result: 'success',
              Id: unit,
              Description: unit,
              LoadState: 'not-found',
              ActiveState: 'inactive',
              SubState: 'dead',
              ActiveEnterTimestamp: '',
              InactiveEnterTimestamp: '',
              UnitFileState: '',
            };
        blocks.push(
          Object.entries(all)
            .filter(([k]) => !props || props.includes(k))
            .map(([k, v]) => `${k}=${v}\n`)
            .join(''),
        );
      }
      return ok(blocks.join('\n'));
    }
    case 'is-active': {
      // One line per unit; exit 0 only when every unit is active (systemd's rule).
      const lines: string[] = [];
      for (const unit of units) lines.push((await view(unit, state, ctx.files))?.active ?? 'inactive');
      return { code: lines.every((l) => l === 'active') ? 0 : 3, stdout: lines.map((l) => `${l}\n`).join(''), stderr: '' };
    }
    case 'start':
    case 'stop':
    case 'restart':
    case 'enable':
    case 'disable': {
      if (!units.length) return fail(`Too few arguments.`);
      for (const unit of units) {
        if (!state.units[unit]) {
          if (verb === 'enable' || verb === 'disable') return fail(`Failed to ${verb} unit: Unit file ${unit} does not exist.`);
          return fail(`Failed to ${verb} ${unit}: Unit ${unit} not found.`, 5);
        }
      }
      for (const unit of units) {
        const u = state.units[unit]!;
        if (verb === 'enable' || verb === 'disable') {
          const want = verb === 'enable';
          if (u.enabled !== want) {
            u.enabled = want;
            log(
              state,
              ctx.now,
              'init.scope',
              6,
              want
                ? `Reloading... Created symlink /etc/systemd/system/multi-user.target.wants/${unit}.`
                : `Removed "/etc/systemd/system/multi-user.target.wants/${unit}".`,
            );
          }
          continue;
        }
        if (verb === 'stop' || verb === 'restart') stop(state, unit, ctx.now);
        if (verb === 'start' || verb === 'restart') {
          const refused = start(state, unit, ctx.now);
          if (refused) return refused;
        }
      }
      return ok();
    }
    case 'reboot':
    case 'poweroff': {
      // The simulated machine: every unit stops; after a reboot the enabled ones start again.
      log(state, ctx.now, 'systemd-logind.service', 6, verb === 'reboot' ? 'System is rebooting.' : 'System is powering down.');
      for (const unit of Object.keys(state.units)) stop(state, unit, ctx.now);
      if (verb === 'reboot') {
        log(state, ctx.now, 'kernel', 5, 'Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) #49-Ubuntu SMP PREEMPT_DYNAMIC');
        for (const [unit, u] of Object.entries(state.units)) if (u.enabled) start(state, unit, ctx.now);
      }
      return ok();
    }
    default:
      return fail(`Unknown command verb '${verb ?? ''}'.`);
  }
}

/** journalctl's time argument ("2026-11-30 07:02:13.000000 UTC", "2026-11-30 07:02:13"), as epoch ms. */
function journalArgTime(text: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?(?: UTC)?$/.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}Z`);
  return Number.isNaN(ms) ? null : ms;
}

function journalctl(args: string[], state: ServicesState): RunResult {
  const at = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const output = at('-o');
  if (output !== undefined && output !== 'json' && output !== 'short') return fail(`Unsupported output mode in the simulated appliance: ${output}`);
  const unitArg = at('-u');
  const n = Number(at('-n') ?? 100);
  if (!Number.isInteger(n) || n < 0) return fail(`Failed to parse lines '${at('-n')}'.`);
  const priority = Number(at('-p') ?? 7);
  if (!Number.isInteger(priority) || priority < 0 || priority > 7) return fail(`Failed to parse priority value: ${at('-p')}`);
  const since = at('--since');
  const until = at('--until');
  const sinceMs = since === undefined ? null : journalArgTime(since);
  const untilMs = until === undefined ? null : journalArgTime(until);
  if (since !== undefined && sinceMs === null) return fail(`Failed to parse timestamp: ${since}`);
  if (until !== undefined && untilMs === null) return fail(`Failed to parse timestamp: ${until}`);
  // --after-cursor=CURSOR or --after-cursor CURSOR: only entries after that one.
  const afterArg = args.find((a) => a.startsWith('--after-cursor='))?.slice('--after-cursor='.length) ?? at('--after-cursor');
  const afterSeq = afterArg === undefined ? null : cursorSeq(afterArg);
  if (afterArg !== undefined && afterSeq === null) return fail('Failed to seek to cursor: Invalid argument');
  const grep = at('-g');
  let pattern: RegExp | null = null;
  if (grep !== undefined) {
    try {
      // journalctl's smart case: a pattern without capitals matches case-insensitively.
      pattern = new RegExp(grep, grep === grep.toLowerCase() ? 'i' : '');
    } catch {
      return fail(`Bad pattern "${grep}"`);
    }
  }
  const unit = unitArg === undefined ? null : unitName(unitArg);
  const picked = state.journal.filter(
    (l) =>
      (unit === null || l.unit === unit) &&
      l.priority <= priority &&
      (sinceMs === null || l.atMs >= sinceMs) &&
      (untilMs === null || l.atMs <= untilMs) &&
      (afterSeq === null || (l.seq ?? 0) > afterSeq) &&
      (pattern === null || pattern.test(l.message)),
  );
  // -n counts from the newest; -r prints newest first.
  let lines = picked.slice(-n);
  if (args.includes('-r')) lines = lines.reverse();
  if (pattern && !lines.length) return { code: 1, stdout: '', stderr: '' };
  if (output !== 'json') return ok(lines.map((l) => `${stamp(l.atMs)} appliance ${l.unit}: ${l.message}\n`).join('') || '-- No entries --\n');
  return ok(
    lines
      .map((l) =>
        JSON.stringify({
          __CURSOR: cursorOf(l),
          __REALTIME_TIMESTAMP: String(l.atMs * 1000),
          PRIORITY: String(l.priority),
          ...(l.unit === 'kernel' ? { _TRANSPORT: 'kernel' } : { _SYSTEMD_UNIT: l.unit }),
          SYSLOG_IDENTIFIER: l.unit.replace(/\.service$/, ''),
          MESSAGE: l.message,
        }),
      )
      .map((l) => `${l}\n`)
      .join(''),
  );
}

/** An entry in the simulated journal, as a service would log it (for demos and tests). */
export async function logSimulatedJournal(files: HostFiles, now: number, entry: { unit: string; priority: number; message: string }): Promise<void> {
  const state = await load(files, now);
  log(state, now, unitName(entry.unit), entry.priority, entry.message);
  await files.writeAtomic(SERVICES_SIM_STATE, JSON.stringify(state));
}

/** A fault for demos and tests: the unit fails now and will not start until repaired. */
export async function failSimulatedService(files: HostFiles, now: number, name: string): Promise<void> {
  const state = await load(files, now);
  const unit = unitName(name);
  const u = state.units[unit];
  if (!u) throw new Error(`the simulated appliance has no unit ${unit}`);
  u.broken = true;
  u.active = 'failed';
  u.result = 'exit-code';
  u.inactiveSinceMs = now;
  u.pid = 0;
  log(state, now, unit, 3, `${unit}: Main process exited, code=killed, status=11/SEGV`);
  log(state, now, unit, 4, `${unit}: Failed with result 'signal'.`);
  await files.writeAtomic(SERVICES_SIM_STATE, JSON.stringify(state));
}

/** Undoes the fault: the unit stays failed until someone starts it. */
export async function repairSimulatedService(files: HostFiles, now: number, name: string): Promise<void> {
  const state = await load(files, now);
  const unit = unitName(name);
  const u = state.units[unit];
  if (!u) throw new Error(`the simulated appliance has no unit ${unit}`);
  u.broken = false;
  await files.writeAtomic(SERVICES_SIM_STATE, JSON.stringify(state));
}
