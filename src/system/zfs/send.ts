/**
 * `zfs send` and `zfs receive`: the argument arrays, read like the tools' usage lines, and the
 * parsers of what they print (the `-nP` estimate on stdout, the `-vP` progress lines on stderr,
 * OpenZFS 2.x formats). zfs-fuse speaks an older dialect: send takes only -R -D -p -i -I,
 * receive only -v -n -F -u -d (no resumable receive, no estimate, no progress lines); the
 * builders leave out what it refuses and say so through `capabilities`.
 */
import { userArg } from '../host.js';
import type { Dialect } from './index.js';

export interface SendCapabilities {
  estimate: boolean;
  progressLines: boolean;
  resumable: boolean;
  raw: boolean;
  compressed: boolean;
  holds: boolean;
}

export function capabilities(dialect: Dialect): SendCapabilities {
  const modern = dialect === 'openzfs';
  return { estimate: modern, progressLines: modern, resumable: modern, raw: modern, compressed: modern, holds: modern };
}

export interface SendSpec {
  /** The snapshot to send: dataset@name. */
  snapshot: string;
  /** Incremental base: a snapshot of the same dataset (dataset@name or @name). */
  from?: string;
  /** -I (every snapshot between base and snapshot) rather than -i (the two only). */
  intermediates?: boolean;
  /** -p: the dataset's properties travel with it. */
  properties?: boolean;
  /** -w: raw, encrypted blocks as they are on disk (encrypted datasets). */
  raw?: boolean;
  /** -c -L -e: compressed, large blocks, embedded data as stored. */
  compressed?: boolean;
}

/** `zfs send [-n] [-v -P] [-w] [-p] [-c -L -e] [-i|-I base] snapshot`, or `zfs send [-n] [-v -P] -t token`. */
export function sendArgs(spec: SendSpec | { resumeToken: string }, dialect: Dialect, opts: { dryRun?: boolean; progress?: boolean } = {}): string[] {
  const caps = capabilities(dialect);
  const args = ['send'];
  if (opts.dryRun) {
    if (!caps.estimate) throw new Error('zfs-fuse cannot estimate a send (no zfs send -n)');
    args.push('-n');
  }
  if ((opts.progress || opts.dryRun) && caps.progressLines) args.push('-v', '-P');
  if ('resumeToken' in spec) {
    if (!caps.resumable) throw new Error('zfs-fuse cannot resume a send (no zfs send -t)');
    if (!/^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/i.test(spec.resumeToken)) throw new Error('not a resume token');
    return [...args, '-t', spec.resumeToken];
  }
  if (spec.raw) {
    if (!caps.raw) throw new Error('zfs-fuse cannot send raw (encrypted) streams');
    args.push('-w');
  }
  if (spec.properties) args.push('-p');
  if (spec.compressed && caps.compressed && !spec.raw) args.push('-c', '-L', '-e');
  if (spec.from) args.push(spec.intermediates ? '-I' : '-i', userArg(spec.from));
  args.push(userArg(spec.snapshot));
  return args;
}

export interface ReceiveSpec {
  /** The dataset that receives (it or its last snapshot must match the stream). */
  target: string;
  /** -s: an interrupted receive keeps its state and a resume token. */
  resumable?: boolean;
  /** -u: not mounted. */
  noMount?: boolean;
  /** -F: roll the target back to the stream's base first (destroys newer snapshots on the target). */
  force?: boolean;
}

/** `zfs receive [-s] [-u] [-F] target`. */
export function receiveArgs(spec: ReceiveSpec, dialect: Dialect): string[] {
  const caps = capabilities(dialect);
  const args = ['receive'];
  if (spec.resumable && caps.resumable) args.push('-s');
  if (spec.noMount) args.push('-u');
  if (spec.force) args.push('-F');
  args.push(userArg(spec.target));
  return args;
}

/** `zfs receive -A target`: forget an interrupted receive's state (its token no longer works). */
export function abortReceiveArgs(target: string): string[] {
  return ['receive', '-A', userArg(target)];
}

export interface SendEstimate {
  streams: { kind: 'full' | 'incremental'; from: string | null; to: string; bytes: number }[];
  /** The `size` line, or the sum of the streams when the tool printed none. */
  totalBytes: number;
}

/**
 * What `zfs send -nvP` prints (stdout): a line per stream, `full<TAB>pool/fs@snap<TAB>bytes` or
 * `incremental<TAB>base<TAB>pool/fs@snap<TAB>bytes`, then `size<TAB>bytes`. A resumed send
 * (`-t`) prints the same, with the bytes still to go.
 */
export function parseSendEstimate(text: string): SendEstimate {
  const streams: SendEstimate['streams'] = [];
  let total: number | null = null;
  for (const raw of text.split('\n')) {
    const f = raw.split('\t');
    if (f[0] === 'full' && f.length >= 3) streams.push({ kind: 'full', from: null, to: f[1]!, bytes: Number(f[f.length - 1]) || 0 });
    else if (f[0] === 'incremental' && f.length >= 4) streams.push({ kind: 'incremental', from: f[1]!, to: f[2]!, bytes: Number(f[f.length - 1]) || 0 });
    else if (f[0] === 'size' && f.length === 2 && /^\d+$/.test(f[1]!)) total = Number(f[1]);
  }
  return { streams, totalBytes: total ?? streams.reduce((s, x) => s + x.bytes, 0) };
}

export interface SendProgress {
  /** HH:MM:SS as the tool printed it (its local time). */
  time: string;
  /** Bytes of this snapshot's stream sent so far. */
  bytes: number;
  snapshot: string;
}

/** One progress line of `zfs send -vP` (stderr, every second): `HH:MM:SS<TAB>bytes<TAB>pool/fs@snap`. */
export function parseSendProgress(line: string): SendProgress | null {
  const m = /^(\d\d:\d\d:\d\d)\t(\d+)\t(\S+@\S+)$/.exec(line.trim());
  return m ? { time: m[1]!, bytes: Number(m[2]), snapshot: m[3]! } : null;
}

/**
 * Bytes sent of a whole `-I` send from its progress lines: each snapshot's stream counts from
 * zero, so the total is the finished streams' sizes plus the running one's bytes.
 */
export class SendProgressTracker {
  private readonly seen = new Map<string, number>();
  add(p: SendProgress): number {
    this.seen.set(p.snapshot, Math.max(this.seen.get(p.snapshot) ?? 0, p.bytes));
    return this.total();
  }
  total(): number {
    let sum = 0;
    for (const b of this.seen.values()) sum += b;
    return sum;
  }
}
