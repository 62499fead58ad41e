/**
 * The simulated appliance's chrony and clock: `chronyd -p -f FILE` (checks a configuration as
 * chronyd 4.3 does), `systemctl restart|start|stop|is-active chrony` (the unit reads
 * /etc/chrony/chrony.conf when it starts, as the real one does), `chronyc -c tracking|sources`
 * in chrony's CSV formats, and `timedatectl show|set-timezone`. A source whose name ends in
 * `.invalid` never answers (as the real one would not); every other one does, at stratum 2.
 * State (running or not, the sources the daemon started with, the zone, a clock offset tests
 * can set) lives in a JSON file on the simulated host.
 */
import { ownsUnitCommand } from './systemd.js';
import type { HostFiles, RunResult } from '../host.js';
import { fail, ok } from './common.js';

export const CHRONY_SIM_STATE = '/var/lib/calypso-sim/chrony.json';
export const SIM_CHRONY_CONF = '/etc/chrony/chrony.conf';
const UNITS = new Set(['chrony', 'chrony.service', 'chronyd', 'chronyd.service']);

interface RunningSource {
  host: string;
  kind: 'server' | 'pool' | 'peer';
  prefer: boolean;
  minpoll: number;
}

export interface ChronySimState {
  running: boolean;
  sources: RunningSource[];
  local: boolean;
  timezone: string;
  /** How far the simulated clock is from NTP time, in seconds (tests move it). */
  offsetSeconds: number;
}

const DEFAULTS: ChronySimState = {
  running: true,
  sources: [{ host: 'pool.ntp.org', kind: 'pool', prefer: false, minpoll: 6 }],
  local: false,
  timezone: 'Etc/UTC',
  offsetSeconds: 0.000012,
};

async function load(files: HostFiles): Promise<ChronySimState> {
  const text = await files.readIfExists(CHRONY_SIM_STATE);
  return text ? { ...DEFAULTS, ...(JSON.parse(text) as Partial<ChronySimState>) } : { ...DEFAULTS };
}

/** For tests and demos: the simulated clock drifts this far from NTP time. */
export async function setSimClockOffset(files: HostFiles, seconds: number): Promise<void> {
  const state = await load(files);
  state.offsetSeconds = seconds;
  await files.writeAtomic(CHRONY_SIM_STATE, JSON.stringify(state));
}

/** Directives chronyd 4.3 knows that a Calypso or Debian chrony.conf uses. */
const DIRECTIVES = new Set([
  'server',
  'pool',
  'peer',
  'allow',
  'deny',
  'driftfile',
  'ntsdumpdir',
  'logdir',
  'maxupdateskew',
  'rtcsync',
  'makestep',
  'leapsectz',
  'local',
  'bindaddress',
  'bindcmdaddress',
  'port',
  'cmdport',
  'pidfile',
  'keyfile',
  'sourcedir',
  'confdir',
  'include',
  'log',
  'minsources',
  'hwtimestamp',
]);
const SOURCE_FLAGS = new Set(['iburst', 'burst', 'prefer', 'noselect', 'trust', 'require', 'offline', 'auto_offline', 'xleave', 'nts']);
const SOURCE_VALUES = new Set(['minpoll', 'maxpoll', 'port', 'maxsources', 'polltarget', 'key', 'presend', 'minstratum', 'maxdelay']);

class Refused extends Error {}

/** The sources of a chrony.conf, or Refused with chronyd's own sentence. */
function parseConf(text: string, file: string): { sources: RunningSource[]; local: boolean } {
  const sources: RunningSource[] = [];
  let local = false;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/[#;!%].*$/, '').trim();
    if (!line) return;
    const [directive, ...words] = line.split(/\s+/);
    const at = `at line ${i + 1} in file ${file}`;
    if (!DIRECTIVES.has(directive!)) throw new Refused(`Fatal error : Invalid directive ${at}`);
    if (directive === 'local') local = true;
    if (directive !== 'server' && directive !== 'pool' && directive !== 'peer') return;
    const [host, ...opts] = words;
    const src: RunningSource = { host: host ?? '', kind: directive, prefer: false, minpoll: 6 };
    let bad = !host;
    for (let j = 0; j < opts.length; j++) {
      const o = opts[j]!;
      if (SOURCE_FLAGS.has(o)) src.prefer ||= o === 'prefer';
      else if (SOURCE_VALUES.has(o) && /^-?\d+$/.test(opts[j + 1] ?? '')) {
        if (o === 'minpoll') src.minpoll = Number(opts[j + 1]);
        j++;
      } else bad = true;
    }
    if (bad) throw new Refused(`Fatal error : Could not parse ${directive} directive ${at}`);
    sources.push(src);
  });
  return { sources, local };
}

const reachable = (s: RunningSource) => !/\.invalid\.?$/i.test(s.host);

/** A stable made-up address for a source name (the simulator has no DNS). */
function addressOf(host: string): string {
  if (/^[0-9.]+$/.test(host) || host.includes(':')) return host;
  let h = 0;
  for (const ch of host) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `192.0.2.${(h % 250) + 1}`;
}

function refIdOf(address: string): string {
  if (address.includes(':')) return 'A1B2C3D4';
  return address
    .split('.')
    .map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0'))
    .join('');
}

function tracking(state: ChronySimState, nowMs: number): string {
  const up = state.sources.filter(reachable);
  const chosen = up.find((s) => s.prefer) ?? up[0];
  const f9 = (n: number) => n.toFixed(9);
  if (!chosen) {
    if (state.local) return `7F7F0101,,10,${f9(nowMs / 1000)},0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,0.000000000,0.000000000,0.0,Normal\n`;
    return '00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,1.000000000,1.000000000,0.0,Not synchronised\n';
  }
  const address = addressOf(chosen.host);
  const off = state.offsetSeconds;
  const ref = nowMs / 1000 - 32;
  return `${refIdOf(address)},${address},3,${f9(ref)},${f9(off)},${f9(off / 2)},${f9(Math.abs(off) / 3)},-12.345,0.002,0.310,0.021000000,0.001500000,64.0,Normal\n`;
}

function sources(state: ChronySimState): string {
  const up = state.sources.filter(reachable);
  const chosen = up.find((s) => s.prefer) ?? up[0];
  const mode = (s: RunningSource) => (s.kind === 'peer' ? '=' : '^');
  return state.sources
    .map((s) => {
      const address = addressOf(s.host);
      if (!reachable(s)) return `${mode(s)},?,${address},0,${s.minpoll},0,4294967295,0.000000000,0.000000000,0.000000000`;
      const off = state.offsetSeconds.toFixed(9);
      return `${mode(s)},${s === chosen ? '*' : '+'},${address},2,${s.minpoll},377,33,${off},${off},0.004200000`;
    })
    .map((l) => `${l}\n`)
    .join('');
}

function chronyc(args: string[], state: ChronySimState, nowMs: number): RunResult {
  const rest = [...args];
  let command: string | undefined;
  while (rest.length) {
    const a = rest.shift()!;
    if (a === '-c' || a === '-n' || a === '-m') continue;
    if (a === '-h' || a === '-p') {
      rest.shift();
      continue;
    }
    command = a;
    break;
  }
  if (!state.running) return fail('506 Cannot talk to daemon');
  if (command === 'tracking') return ok(tracking(state, nowMs));
  if (command === 'sources') return ok(sources(state));
  return fail(`Unrecognized command`);
}

async function systemctl(args: string[], files: HostFiles, state: ChronySimState): Promise<RunResult> {
  const verb = args[0];
  if (verb === 'is-active') return state.running ? ok('active\n') : { code: 3, stdout: 'inactive\n', stderr: '' };
  if (verb === 'stop') {
    state.running = false;
    return ok();
  }
  if (verb === 'start' || verb === 'restart' || verb === 'reload-or-restart') {
    try {
      Object.assign(state, parseConf((await files.readIfExists(SIM_CHRONY_CONF)) ?? '', SIM_CHRONY_CONF));
      state.running = true;
      return ok();
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      state.running = false;
      return fail(
        'Job for chrony.service failed because the control process exited with error code.\nSee "systemctl status chrony.service" and "journalctl -xeu chrony.service" for details.',
      );
    }
  }
  if (verb === 'enable' || verb === 'disable') return ok();
  return fail(`Unknown command verb ${verb ?? ''}.`);
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function timedatectl(args: string[], state: ChronySimState, nowMs: number): RunResult {
  if (args[0] === 'set-timezone') {
    const zone = args[1] ?? '';
    if (!validZone(zone) || zone.startsWith('-')) return fail(`Failed to set time zone: Invalid or not installed time zone '${zone}'`);
    state.timezone = zone;
    return ok();
  }
  if (args[0] === 'show') {
    const props: Record<string, string> = {
      Timezone: state.timezone,
      NTP: 'yes',
      NTPSynchronized: state.sources.some(reachable) ? 'yes' : 'no',
      TimeUSec: new Date(nowMs).toUTCString(),
    };
    const i = args.indexOf('-p');
    const wanted = i >= 0 ? (args[i + 1] ?? '') : null;
    if (wanted !== null) return ok(args.includes('--value') ? `${props[wanted] ?? ''}\n` : `${wanted}=${props[wanted] ?? ''}\n`);
    return ok(
      Object.entries(props)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
  }
  return fail(`Unknown command verb ${args[0] ?? ''}.`);
}

/** Answers chronyd, chronyc, timedatectl and systemctl for the chrony unit; null for anything else. */
export async function simulateChronyTool(tool: string, args: string[], files: HostFiles, nowMs: number): Promise<RunResult | null> {
  // systemctl: only its own verbs on its own unit; `show`, and lists naming other units, are the simulated systemd's.
  if (tool === 'systemctl' && !ownsUnitCommand(args, UNITS)) return null;
  if (tool !== 'chronyd' && tool !== 'chronyc' && tool !== 'timedatectl' && tool !== 'systemctl') return null;
  const state = await load(files);
  const before = JSON.stringify(state);
  let result: RunResult;
  if (tool === 'chronyd') {
    const i = args.indexOf('-f');
    const file = args[i + 1];
    if (!args.includes('-p') || i < 0 || !file) return fail('chronyd: the simulated appliance only checks configurations (chronyd -p -f FILE)');
    const text = await files.readIfExists(file);
    if (text === null) return fail(`Fatal error : Could not open configuration file ${file} : No such file or directory`);
    try {
      parseConf(text, file);
      result = ok(text);
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      result = { code: 1, stdout: '', stderr: `${new Date(nowMs).toISOString().slice(0, 19)}Z ${err.message}\n` };
    }
  } else if (tool === 'chronyc') result = chronyc(args, state, nowMs);
  else if (tool === 'timedatectl') result = timedatectl(args, state, nowMs);
  else result = await systemctl(args, files, state);
  if (JSON.stringify(state) !== before) await files.writeAtomic(CHRONY_SIM_STATE, JSON.stringify(state));
  return result;
}

/** Whether the simulated chronyd runs (the simulated systemd shows chrony.service from this). */
export async function simulatedChronyRunning(files: HostFiles): Promise<boolean> {
  return (await load(files)).running;
}
