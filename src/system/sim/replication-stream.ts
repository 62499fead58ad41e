/**
 * `zfs send` and `zfs receive` on the simulated appliance. A send stream is a small text
 * document (the snapshots it carries, with their GUIDs, and the size the real stream would have);
 * receive checks it the way ZFS does (the target's newest snapshot must be the stream's base,
 * -F rolls back, a full stream needs an absent target or -F on one without snapshots) and refuses
 * with the real tools' words. A stream cut short (a dropped connection, see replication-pipe.ts)
 * leaves, with -s, a resume token in `receive_resume_token`; `zfs send -t` sends the rest and
 * `zfs receive -A` forgets it. Holds are the simulator's existing `zfs hold/release/holds`.
 */
import { createHash } from 'node:crypto';
import type { RunResult } from '../host.js';
import { getopt, ok, ToolExit } from './common.js';
import type { SimModel, SimSnapshot } from './model.js';
import type { SimContext } from './zpool.js';

const MAGIC = 'CALYPSO-SIM-ZSTREAM 1';

export interface StreamSnapshot {
  short: string;
  guid: string;
  creation: number;
  referenced: number;
  /** Bytes of this snapshot's part of the stream. */
  bytes: number;
  userProps?: Record<string, string>;
}

export interface StreamMeta {
  source: string;
  /** Incremental base (its GUID must be the target's newest snapshot), or null for a full stream. */
  fromGuid: string | null;
  fromName: string | null;
  snapshots: StreamSnapshot[];
  properties: Record<string, string> | null;
  raw: boolean;
  /** A resumed stream starts this many bytes into its (single) snapshot. */
  resumeOffset: number;
}

/** Where an interrupted `receive -s` stopped, kept per target dataset. */
interface PartialReceive {
  toname: string;
  toguid: string;
  fromguid: string | null;
  bytes: number;
  createdTarget: boolean;
}

type ModelWithPartials = SimModel & { partialReceives?: Record<string, PartialReceive> };

function partials(ctx: SimContext): Record<string, PartialReceive> {
  const m = ctx.state.model as ModelWithPartials;
  return (m.partialReceives ??= {});
}

export function streamText(meta: StreamMeta, partialBytes?: number): string {
  return `${MAGIC}\n${JSON.stringify(meta)}\n${partialBytes === undefined ? 'END' : `PARTIAL ${partialBytes}`}\n`;
}

export function readStream(text: string | undefined): { meta: StreamMeta; partialBytes: number | null } | null {
  if (!text) return null;
  const [magic, json, end] = text.split('\n');
  if (magic !== MAGIC || !json) return null;
  try {
    const meta = JSON.parse(json) as StreamMeta;
    const partial = /^PARTIAL (\d+)$/.exec(end ?? '');
    if (!partial && end !== 'END') return null;
    return { meta, partialBytes: partial ? Number(partial[1]) : null };
  } catch {
    return null;
  }
}

export function streamBytes(meta: StreamMeta): number {
  return meta.snapshots.reduce((s, x) => s + x.bytes, 0) - meta.resumeOffset;
}

/** A token shaped like the real one (version-checksum-length-payload, hex). */
function encodeToken(p: Omit<PartialReceive, 'createdTarget'>): string {
  const payload = Buffer.from(JSON.stringify({ object: 1, offset: p.bytes, bytes: p.bytes, toguid: p.toguid, toname: p.toname, fromguid: p.fromguid }));
  const sum = createHash('sha256').update(payload).digest('hex').slice(0, 11);
  return `1-${sum}-${payload.length.toString(16)}-${payload.toString('hex')}`;
}

function decodeToken(token: string): { offset: number; toguid: string; toname: string; fromguid: string | null } | null {
  const m = /^1-([0-9a-f]+)-([0-9a-f]+)-([0-9a-f]+)$/.exec(token);
  if (!m) return null;
  const payload = Buffer.from(m[3]!, 'hex');
  if (createHash('sha256').update(payload).digest('hex').slice(0, 11) !== m[1]) return null;
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
}

const baseOf = (n: string) => n.slice(0, n.indexOf('@'));
const shortOf = (n: string) => n.slice(n.indexOf('@') + 1);
const SEND_USAGE =
  'usage:\n\tsend [-DLPbcehnpsvw] [-i|-I snapshot] <snapshot>\n\tsend [-DnPpvLecw] [-i snapshot|bookmark] <filesystem|volume|snapshot>\n\tsend [-DnPpvLec] -t <receive_resume_token>';
const RECV_USAGE =
  'usage:\n\treceive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ...\n\t    <filesystem|volume|snapshot>\n\treceive -A <filesystem|volume>';

/** The size the stream of `s` would have: all its data for a full stream, what changed since `prev` otherwise. */
function partBytes(s: SimSnapshot, prev: SimSnapshot | null): number {
  if (!prev) return Math.max(s.referenced, 10_240);
  return Math.max(4_096 + s.used, Math.abs(s.referenced - prev.referenced) + s.used);
}

function estimateLines(meta: StreamMeta): string {
  const lines: string[] = [];
  let prev = meta.fromName ? shortOf(meta.fromName) : null;
  for (const s of meta.snapshots) {
    const bytes = s.bytes - (meta.resumeOffset && s === meta.snapshots[0] ? meta.resumeOffset : 0);
    const to = `${meta.source}@${s.short}`;
    lines.push(prev ? `incremental\t${prev}\t${to}\t${bytes}` : `full\t${to}\t${bytes}`);
    prev = s.short;
  }
  lines.push(`size\t${streamBytes(meta)}`);
  return lines.map((l) => `${l}\n`).join('');
}

function zfsSend(ctx: SimContext, args: string[]): RunResult {
  const o = getopt(args, 'DLPbcehnpsvwR', 'iIt', SEND_USAGE);
  const verbose = o.flags.has('v') || o.flags.has('P');
  const token = o.values.get('t')?.[0];
  let meta: StreamMeta;
  if (token !== undefined) {
    const t = decodeToken(token);
    if (!t) throw new ToolExit('cannot resume send: resume token is corrupt (invalid format)');
    const snap = ctx.state.model.snapshots.find((s) => s.guid === t.toguid);
    if (!snap) throw new ToolExit(`cannot resume send: '${t.toname}' used in the initial send no longer exists`);
    const from = t.fromguid ? ctx.state.model.snapshots.find((s) => s.guid === t.fromguid && baseOf(s.name) === baseOf(snap.name)) : null;
    if (t.fromguid && !from) throw new ToolExit(`cannot resume send: incremental source 0x${BigInt(t.fromguid).toString(16)} no longer exists`);
    meta = {
      source: baseOf(snap.name),
      fromGuid: from?.guid ?? null,
      fromName: from?.name ?? null,
      snapshots: [
        {
          short: shortOf(snap.name),
          guid: snap.guid,
          creation: snap.creation,
          referenced: snap.referenced,
          bytes: partBytes(snap, from ?? null),
          ...(snap.userProps ? { userProps: snap.userProps } : {}),
        },
      ],
      properties: null,
      raw: o.flags.has('w'),
      resumeOffset: t.offset,
    };
  } else {
    const name = o.operands[0];
    if (name === undefined) throw new ToolExit(`missing snapshot argument\n${SEND_USAGE}`, 2);
    if (!name.includes('@')) throw new ToolExit(`Error: Unsupported flag with filesystem or bookmark.\n${SEND_USAGE}`, 2);
    const snap = ctx.state.snapshot(name);
    if (!snap) throw new ToolExit(`cannot open '${name}': dataset does not exist`);
    const fs = baseOf(name);
    const all = ctx.state.snapsOf.get(fs) ?? [];
    const fromArg = o.values.get('I')?.[0] ?? o.values.get('i')?.[0];
    let chain: SimSnapshot[] = [snap];
    let from: SimSnapshot | null = null;
    if (fromArg !== undefined) {
      const fromName = fromArg.startsWith('@') ? `${fs}${fromArg}` : fromArg;
      if (fromName.includes('@') && baseOf(fromName) !== fs) throw new ToolExit(`cannot send '${name}': not an earlier snapshot from the same fs`);
      from = ctx.state.snapshot(fromName) ?? null;
      if (!from) throw new ToolExit(`cannot open '${fromName}': dataset does not exist`);
      if (from.createtxg >= snap.createtxg) throw new ToolExit(`cannot send '${name}': not an earlier snapshot from the same fs`);
      if (o.values.has('I')) chain = all.filter((s) => s.createtxg > from!.createtxg && s.createtxg <= snap.createtxg);
    }
    const ds = ctx.state.dataset(fs)!;
    const parts: StreamSnapshot[] = [];
    let prev = from;
    for (const s of chain) {
      parts.push({
        short: shortOf(s.name),
        guid: s.guid,
        creation: s.creation,
        referenced: s.referenced,
        bytes: partBytes(s, prev),
        ...(s.userProps ? { userProps: s.userProps } : {}),
      });
      prev = s;
    }
    meta = {
      source: fs,
      fromGuid: from?.guid ?? null,
      fromName: from?.name ?? null,
      snapshots: parts,
      properties: o.flags.has('p') ? Object.fromEntries(Object.entries(ds.props).filter(([k]) => k !== 'mountpoint')) : null,
      raw: o.flags.has('w'),
      resumeOffset: 0,
    };
  }
  if (o.flags.has('n')) return ok(verbose ? estimateLines(meta) : '');
  return ok(streamText(meta), verbose ? estimateLines(meta) : '');
}

function abortReceive(ctx: SimContext, target: string): RunResult {
  const p = partials(ctx);
  const partial = p[target];
  if (!partial) throw new ToolExit(`'${target}' does not have any resumable receive state to abort`);
  delete p[target];
  if (partial.createdTarget && (ctx.state.snapsOf.get(target) ?? []).length === 0) ctx.state.removeDataset(target);
  ctx.state.touch();
  return ok();
}

/** Conditions of the simulated machine the tests and the demo can set (a read-only target pool). */
export interface SimStreamFaults {
  readOnlyPools: Set<string>;
}

const faults = new WeakMap<object, SimStreamFaults>();

export function simStreamFaults(host: object): SimStreamFaults {
  let f = faults.get(host);
  if (!f) faults.set(host, (f = { readOnlyPools: new Set() }));
  return f;
}

function zfsReceive(ctx: SimContext, args: string[], input: string | undefined, faults: SimStreamFaults): RunResult {
  const o = getopt(args, 'vMnsFhuAde', 'ox', RECV_USAGE);
  const target = o.operands[0];
  if (target === undefined) throw new ToolExit(`missing snapshot argument\n${RECV_USAGE}`, 2);
  if (o.flags.has('A')) return abortReceive(ctx, target);
  const stream = readStream(input);
  if (!stream) throw new ToolExit('cannot receive: failed to read from stream');
  const { meta, partialBytes } = stream;
  const kind = meta.resumeOffset ? 'resume' : meta.fromGuid ? 'incremental' : 'new filesystem';
  const refuse = (why: string) => new ToolExit(`cannot receive ${kind} stream: ${why}`);
  const pool = target.split('/')[0]!;
  if (!ctx.state.pool(pool)) throw new ToolExit(`cannot open '${pool}': dataset does not exist`);
  if (faults.readOnlyPools.has(pool)) throw refuse(`pool '${pool}' is read-only`);
  const p = partials(ctx);
  let ds = ctx.state.dataset(target);
  let createdTarget = false;
  if (meta.resumeOffset) {
    const partial = p[target];
    if (!partial || partial.toguid !== meta.snapshots[0]!.guid) throw refuse(`destination '${target}' has no resumable receive state for this stream`);
    delete p[target];
  } else if (p[target]) {
    throw refuse(`destination ${target} contains partially-complete state from "zfs receive -s".`);
  }
  const existing = ds ? (ctx.state.snapsOf.get(target) ?? []) : [];
  if (!meta.resumeOffset) {
    if (!meta.fromGuid) {
      if (ds && !o.flags.has('F')) throw refuse(`destination '${target}' exists\nmust specify -F to overwrite it`);
      if (ds && existing.length > 0) throw refuse(`destination has snapshots (eg. ${existing[0]!.name})\nmust destroy them to overwrite it`);
      if (!ds) {
        const parent = target.includes('/') ? target.slice(0, target.lastIndexOf('/')) : null;
        if (parent && !ctx.state.dataset(parent)) throw refuse(`parent of '${target}' does not exist`);
      }
    } else {
      if (!ds) throw refuse(`destination '${target}' does not exist`);
      const baseIdx = existing.findIndex((s) => s.guid === meta.fromGuid);
      if (baseIdx < 0) throw refuse(`most recent snapshot of ${target} does not\nmatch incremental source`);
      const newer = existing.slice(baseIdx + 1);
      if (newer.length > 0) {
        if (!o.flags.has('F')) throw refuse(`most recent snapshot of ${target} does not\nmatch incremental source`);
        const held = newer.find((s) => Object.keys(s.holds ?? {}).length > 0);
        if (held) throw refuse(`cannot destroy snapshot ${held.name}: dataset is busy`);
        if (newer.some((s) => ctx.state.clonesOf(s.name).length > 0)) throw refuse(`destination ${target} has clones of snapshots that would be rolled back`);
        ctx.state.removeSnapshots(new Set(newer.map((s) => s.name)));
      }
    }
  }
  for (const s of meta.snapshots) {
    if (ds && (ctx.state.snapsOf.get(target) ?? []).some((x) => shortOf(x.name) === s.short && x.guid !== s.guid))
      throw refuse(`destination ${target}@${s.short} exists`);
  }
  const nowSec = Math.floor(ctx.now / 1000);
  if (!ds) {
    ctx.state.addDataset({
      name: target,
      type: 'filesystem',
      guid: `${BigInt.asUintN(63, BigInt(`0x${createHash('sha256').update(`${target}${ctx.now}`).digest('hex').slice(0, 16)}`))}`,
      createtxg: ctx.state.nextTxg(),
      creation: nowSec,
      props: {},
      referenced: 98_304,
      unique: 98_304,
    });
    ds = ctx.state.dataset(target)!;
    createdTarget = true;
  } else if (!meta.fromGuid && !meta.resumeOffset) {
    ds.referenced = 98_304;
  }
  let received = 0;
  let budget = partialBytes === null ? Infinity : partialBytes + meta.resumeOffset;
  let prevGuid = meta.fromGuid;
  for (const s of meta.snapshots) {
    if (budget < s.bytes) {
      if (o.flags.has('s')) {
        const partial: PartialReceive = {
          toname: `${meta.source}@${s.short}`,
          toguid: s.guid,
          fromguid: prevGuid,
          bytes: Math.max(0, Math.floor(budget)),
          createdTarget,
        };
        p[target] = partial;
        ctx.state.touch();
        throw refuse(
          `checksum mismatch or incomplete stream.\nPartially received snapshot is saved.\nA resuming stream can be generated on the sending system by running:\n    zfs send -t ${encodeToken(partial)}`,
        );
      }
      if (createdTarget && received === 0) ctx.state.removeDataset(target);
      ctx.state.touch();
      throw refuse('checksum mismatch or incomplete stream');
    }
    budget -= s.bytes;
    ctx.state.addSnapshot({
      name: `${target}@${s.short}`,
      guid: s.guid,
      createtxg: ctx.state.nextTxg(),
      creation: s.creation,
      referenced: s.referenced,
      used: 0,
      ...(s.userProps ? { userProps: s.userProps } : {}),
    });
    ds.referenced = s.referenced;
    ds.unique = Math.max(ds.unique, s.referenced);
    received++;
    prevGuid = s.guid;
  }
  if (meta.properties) for (const [k, v] of Object.entries(meta.properties)) ds.props[k] = v;
  ctx.state.touch();
  return ok(
    '',
    o.flags.has('v')
      ? `receiving ${kind === 'new filesystem' ? 'full' : kind} stream of ${meta.source}@${meta.snapshots.at(-1)!.short} into ${target}@${meta.snapshots.at(-1)!.short}\n`
      : '',
  );
}

/** `zfs get ... receive_resume_token DATASET`: the token of an interrupted receive, or '-'. */
function resumeTokenGet(ctx: SimContext, args: string[]): RunResult | null {
  const o = getopt(args, 'rHp', 'odts', '');
  if (o.operands[0] !== 'receive_resume_token' || o.operands.length !== 2) return null;
  const name = o.operands[1]!;
  if (!ctx.state.dataset(name)) throw new ToolExit(`cannot open '${name}': dataset does not exist`);
  const partial = partials(ctx)[name];
  const value = partial ? encodeToken(partial) : '-';
  const fields = (o.values.get('o')?.join(',') ?? 'name,property,value,source').split(',');
  const row: Record<string, string> = { name, property: 'receive_resume_token', value, source: '-' };
  return ok(`${fields.map((f) => row[f] ?? '-').join(o.flags.has('H') ? '\t' : '  ')}\n`);
}

/** `zfs send`, `zfs receive`/`recv` and the resume token; null for every other command. */
export function simulateZfsStream(
  ctx: SimContext,
  tool: string,
  args: string[],
  input: string | undefined,
  faults: SimStreamFaults = { readOnlyPools: new Set() },
): RunResult | null {
  if (tool !== 'zfs') return null;
  const [verb, ...rest] = args;
  if (verb === 'send') return zfsSend(ctx, rest);
  if (verb === 'receive' || verb === 'recv') return zfsReceive(ctx, rest, input, faults);
  if (verb === 'get') return resumeTokenGet(ctx, rest);
  return null;
}
