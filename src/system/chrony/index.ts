/**
 * chrony, the appliance's NTP client and server: its configuration file rendered from the
 * desired state, and its status read from `chronyc -c tracking` and `chronyc -c sources`
 * (comma-separated; chrony 4.3's formats, captured in test/fixtures/chrony).
 */
import type { Host } from '../host.js';
import { ToolOutputError, userArg } from '../host.js';

export interface NtpSource {
  /** Host name or address. */
  host: string;
  /** `server` is one machine; `pool` resolves to several. */
  kind: 'server' | 'pool';
  iburst: boolean;
  prefer: boolean;
  /** UDP port (null: 123). */
  port: number | null;
  /** log2 of the shortest and longest poll interval in seconds (null: chrony's default). */
  minpoll: number | null;
  maxpoll: number | null;
}

export interface ChronyConfig {
  sources: NtpSource[];
  /** Networks whose clients may sync from the appliance (CIDR); empty: it serves nobody. */
  allow: string[];
}

/** What a Debian or Ubuntu chrony.conf holds besides the sources (the package's defaults). */
export const DEFAULT_CHRONY_BASE = [
  'driftfile /var/lib/chrony/chrony.drift',
  'ntsdumpdir /var/lib/chrony',
  'logdir /var/log/chrony',
  'maxupdateskew 100.0',
  'rtcsync',
  'makestep 1 3',
  'leapsectz right/UTC',
];

/**
 * A host name, IPv4 or IPv6 address as chrony takes it: letters, digits, dots, dashes and
 * colons only. Anything else (spaces, quotes, newlines) could add a word or a line to the file.
 */
export const NTP_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:.]+)$/;

function assertToken(what: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value) || value.startsWith('-')) throw new Error(`refusing to render ${what} ${JSON.stringify(value)} into chrony.conf`);
  return value;
}

const CIDR = /^[0-9A-Fa-f:.]+(?:\/\d{1,3})?$/;

/** chrony.conf: the deployment's base lines, then one line per source, then who may sync from us. */
export function renderChronyConf(config: ChronyConfig, base: string[] = DEFAULT_CHRONY_BASE): string {
  const lines = ['# Written by Calypso: changes made here are replaced at the next apply.', ...base, ''];
  for (const s of config.sources) {
    const words: string[] = [s.kind, assertToken('the NTP source', s.host, NTP_HOST)];
    if (s.iburst) words.push('iburst');
    if (s.prefer) words.push('prefer');
    if (s.port !== null) words.push('port', String(Math.trunc(s.port)));
    if (s.minpoll !== null) words.push('minpoll', String(Math.trunc(s.minpoll)));
    if (s.maxpoll !== null) words.push('maxpoll', String(Math.trunc(s.maxpoll)));
    lines.push(words.join(' '));
  }
  for (const net of config.allow) lines.push(`allow ${assertToken('the client network', net, CIDR)}`);
  return `${lines.join('\n')}\n`;
}

export const LEAP_STATUSES = ['Normal', 'Insert second', 'Delete second', 'Not synchronised'] as const;
export type LeapStatus = (typeof LEAP_STATUSES)[number];

export interface ChronyTracking {
  /** The reference ID in hex (00000000: none; 7F7F0101: the local clock). */
  referenceId: string;
  /** The source the clock follows (empty when none). */
  reference: string;
  stratum: number;
  /** When the last good measurement was taken (epoch seconds; 0: never). */
  referenceTime: number;
  /** How far the system clock is from NTP time, in seconds (positive: ahead). */
  systemTimeOffset: number;
  lastOffset: number;
  rmsOffset: number;
  frequencyPpm: number;
  residualFrequencyPpm: number;
  skewPpm: number;
  rootDelay: number;
  rootDispersion: number;
  updateIntervalSeconds: number;
  leapStatus: LeapStatus;
  /** chrony follows a source (not "Not synchronised", and a reference other than none). */
  synchronised: boolean;
}

function num(tool: string, field: string, text: string | undefined): number {
  const v = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(v)) throw new ToolOutputError(tool, `${field} is ${JSON.stringify(text)}, not a number`);
  return v;
}

/** `chronyc -c tracking`: one line of 14 comma-separated fields. */
export function parseTracking(text: string): ChronyTracking {
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (!line) throw new ToolOutputError('chronyc', 'tracking printed nothing');
  const f = line.split(',');
  if (f.length !== 14) throw new ToolOutputError('chronyc', `tracking has ${f.length} fields, expected 14`);
  const leap = f[13]!.trim() as LeapStatus;
  if (!LEAP_STATUSES.includes(leap)) throw new ToolOutputError('chronyc', `unknown leap status ${JSON.stringify(leap)}`);
  const t = (i: number, name: string) => num('chronyc', name, f[i]);
  const referenceId = f[0]!.toUpperCase();
  if (!/^[0-9A-F]{8}$/.test(referenceId)) throw new ToolOutputError('chronyc', `reference id ${JSON.stringify(f[0])}`);
  return {
    referenceId,
    reference: f[1]!,
    stratum: t(2, 'stratum'),
    referenceTime: t(3, 'reference time'),
    systemTimeOffset: t(4, 'system time'),
    lastOffset: t(5, 'last offset'),
    rmsOffset: t(6, 'RMS offset'),
    frequencyPpm: t(7, 'frequency'),
    residualFrequencyPpm: t(8, 'residual frequency'),
    skewPpm: t(9, 'skew'),
    rootDelay: t(10, 'root delay'),
    rootDispersion: t(11, 'root dispersion'),
    updateIntervalSeconds: t(12, 'update interval'),
    leapStatus: leap,
    synchronised: leap !== 'Not synchronised' && referenceId !== '00000000',
  };
}

/** The second column of `chronyc sources`, in words. */
export const SOURCE_STATES = {
  '*': 'synced',
  '+': 'combined',
  '-': 'not-combined',
  '?': 'unreachable',
  x: 'falseticker',
  '~': 'too-variable',
} as const;
export type SourceState = (typeof SOURCE_STATES)[keyof typeof SOURCE_STATES];

export const SOURCE_MODES = { '^': 'server', '=': 'peer', '#': 'refclock' } as const;
export type SourceMode = (typeof SOURCE_MODES)[keyof typeof SOURCE_MODES];

export interface ChronySource {
  mode: SourceMode;
  state: SourceState;
  address: string;
  stratum: number;
  /** log2 of the poll interval in seconds. */
  poll: number;
  /** The reach register as chrony prints it (octal, 377: the last eight polls answered). */
  reach: string;
  /** Seconds since the last sample (null: never). */
  lastRxSeconds: number | null;
  /** The last sample's offset, adjusted and as measured, and its error bound, in seconds. */
  offset: number;
  measuredOffset: number;
  error: number;
}

/** chrony prints 2^32 - 1 as the age of a sample never received. */
const NEVER = 4294967295;

/** `chronyc -c sources`: one line per source, 10 comma-separated fields. */
export function parseSources(text: string): ChronySource[] {
  const out: ChronySource[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(',');
    if (f.length !== 10) throw new ToolOutputError('chronyc', `a sources line has ${f.length} fields, expected 10: ${JSON.stringify(line)}`);
    const mode = SOURCE_MODES[f[0] as keyof typeof SOURCE_MODES];
    const state = SOURCE_STATES[f[1] as keyof typeof SOURCE_STATES];
    if (!mode || !state) throw new ToolOutputError('chronyc', `unknown source mode or state in ${JSON.stringify(line)}`);
    const lastRx = num('chronyc', 'last rx', f[6]);
    out.push({
      mode,
      state,
      address: f[2]!,
      stratum: num('chronyc', 'stratum', f[3]),
      poll: num('chronyc', 'poll', f[4]),
      reach: f[5]!,
      lastRxSeconds: lastRx === NEVER ? null : lastRx,
      offset: num('chronyc', 'offset', f[7]),
      measuredOffset: num('chronyc', 'measured offset', f[8]),
      error: num('chronyc', 'error', f[9]),
    });
  }
  return out;
}

export interface ChronycTarget {
  /** chronyd's command address and port (null: chronyc's defaults, the Unix socket first). */
  host: string | null;
  port: number | null;
}

/** chronyd and chronyc, as their usage lines read. */
export class ChronyAdapter {
  constructor(
    private readonly host: Host,
    private readonly target: ChronycTarget = { host: null, port: null },
  ) {}

  private chronyc(command: string): Promise<string> {
    const args = ['-c', '-n'];
    if (this.target.host) args.push('-h', userArg(this.target.host));
    if (this.target.port) args.push('-p', String(this.target.port));
    args.push(command);
    return this.host.run('chronyc', args, { timeoutMs: 10_000 }).then((r) => r.stdout);
  }

  async tracking(): Promise<ChronyTracking> {
    return parseTracking(await this.chronyc('tracking'));
  }

  async sources(): Promise<ChronySource[]> {
    return parseSources(await this.chronyc('sources'));
  }

  /** `chronyd -p -f FILE`: chronyd parses the file and prints it, or exits 1 naming the line it refuses. */
  async validate(file: string): Promise<void> {
    await this.host.run('chronyd', ['-p', '-f', userArg(file)], { timeoutMs: 10_000 });
  }
}
