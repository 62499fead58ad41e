/**
 * The simulated appliance's zfs send / receive, the pipe between them and simulated SSH between
 * two simulated appliances: the same argument arrays and parsers the engine uses, the same
 * refusals as the real tools.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { addSimPeer, interruptTransfers, rotateSimPeerHostKey, simPeerHostKey, type SimPeer } from '../../../src/system/sim/replication-pipe.js';
import { abortReceiveArgs, parseSendEstimate, parseSendProgress, receiveArgs, sendArgs, SendProgressTracker } from '../../../src/system/zfs/send.js';
import { fingerprint, generateKeyPair, knownHostsLine, parsePublicKey, scanHostKeys, sshArgs, sshFailure } from '../../../src/system/ssh/index.js';
import { HostCommandError } from '../../../src/system/host.js';

let src: SimulatedHost;
let dst: SimulatedHost;

async function zfs(h: SimulatedHost, ...args: string[]) {
  return h.run('zfs', args);
}
async function snaps(h: SimulatedHost, ds: string): Promise<string[]> {
  const out = await h.run('zfs', ['list', '-H', '-p', '-t', 'snapshot', '-o', 'name,guid', '-s', 'createtxg', '-d', '1', ds]).catch(() => ({ stdout: '' }));
  return out.stdout.trim().split('\n').filter(Boolean);
}
const send = (snapshot: string, from?: string) => ({ command: 'zfs', args: sendArgs({ snapshot, from, intermediates: true }, 'openzfs', { progress: true }) });
const recv = (target: string, force = false) => ({ command: 'zfs', args: receiveArgs({ target, resumable: true, noMount: true, force }, 'openzfs') });

beforeEach(async () => {
  src = new SimulatedHost({ now: () => Date.UTC(2026, 10, 30, 12) });
  dst = src;
  await zfs(src, 'create', 'tank/data');
  for (const s of ['a', 'b', 'c']) await zfs(src, 'snapshot', `tank/data@${s}`);
});

describe('zfs send / receive on the simulator', () => {
  test('-nP estimate parses; full then incremental (-I) arrive with the same GUIDs', async () => {
    const est = parseSendEstimate(
      (await zfs(src, ...sendArgs({ snapshot: 'tank/data@c', from: '@a', intermediates: true }, 'openzfs', { dryRun: true }))).stdout,
    );
    expect(est.streams.map((s) => [s.kind, s.from, s.to])).toEqual([
      ['incremental', 'a', 'tank/data@b'],
      ['incremental', 'b', 'tank/data@c'],
    ]);
    expect(est.totalBytes).toBe(est.streams.reduce((n, s) => n + s.bytes, 0));

    const lines: string[] = [];
    const full = await src.pipe(send('tank/data@a'), recv('tank/copy'), { onStderr: (side, l) => lines.push(`${side} ${l}`) });
    expect([full.source.code, full.sink.code]).toEqual([0, 0]);
    expect(lines[0]).toMatch(/^source full\ttank\/data@a\t\d+$/);
    expect(lines.some((l) => parseSendProgress(l.slice(7))?.snapshot === 'tank/data@a')).toBe(true);
    const inc = await src.pipe(send('tank/data@c', '@a'), recv('tank/copy'));
    expect([inc.source.code, inc.sink.code]).toEqual([0, 0]);
    const guids = (l: string[]) => l.map((x) => x.split('\t')[1]);
    expect(guids(await snaps(dst, 'tank/copy'))).toEqual(guids(await snaps(src, 'tank/data')));
  });

  test('receive refuses like ZFS: existing target, diverged target, -F rolls back', async () => {
    await src.pipe(send('tank/data@a'), recv('tank/copy'));
    const again = await src.pipe(send('tank/data@a'), recv('tank/copy'));
    expect(again.sink.code).toBe(1);
    expect(again.sink.stderr).toMatch(/cannot receive new filesystem stream: destination 'tank\/copy' exists\nmust specify -F to overwrite it/);
    await zfs(dst, 'snapshot', 'tank/copy@local');
    const diverged = await src.pipe(send('tank/data@c', '@a'), recv('tank/copy'));
    expect(diverged.sink.stderr).toMatch(/most recent snapshot of tank\/copy does not\nmatch incremental source/);
    const forced = await src.pipe(send('tank/data@c', '@a'), recv('tank/copy', true));
    expect(forced.sink.code).toBe(0);
    expect((await snaps(dst, 'tank/copy')).map((l) => l.split('\t')[0])).toEqual(['tank/copy@a', 'tank/copy@b', 'tank/copy@c']);
  });

  test('an interrupted receive -s leaves a token; send -t resumes it; receive -A forgets it', async () => {
    await src.pipe(send('tank/data@a'), recv('tank/copy'));
    interruptTransfers(src, 0.6);
    const cut = await src.pipe(send('tank/data@c', '@a'), recv('tank/copy'));
    expect(cut.source.code).not.toBe(0);
    expect(cut.sink.stderr).toMatch(/Partially received snapshot is saved/);
    const token = (await zfs(dst, 'get', '-H', '-p', '-o', 'value', 'receive_resume_token', 'tank/copy')).stdout.trim();
    expect(token).toMatch(/^1-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/);
    const est = parseSendEstimate((await zfs(src, ...sendArgs({ resumeToken: token }, 'openzfs', { dryRun: true }))).stdout);
    expect(est.totalBytes).toBeGreaterThan(0);
    const resumed = await src.pipe({ command: 'zfs', args: sendArgs({ resumeToken: token }, 'openzfs', { progress: true }) }, recv('tank/copy'));
    expect([resumed.source.code, resumed.sink.code]).toEqual([0, 0]);
    expect((await zfs(dst, 'get', '-H', '-p', '-o', 'value', 'receive_resume_token', 'tank/copy')).stdout.trim()).toBe('-');

    await zfs(src, 'snapshot', 'tank/data@d');
    interruptTransfers(src, 0.1);
    await src.pipe(send('tank/data@d', '@c'), recv('tank/copy'));
    await expect(zfs(dst, ...abortReceiveArgs('tank/copy'))).resolves.toMatchObject({ code: 0 });
    await expect(zfs(dst, ...abortReceiveArgs('tank/copy'))).rejects.toThrow(/does not have any resumable receive state to abort/);
  });

  test('a token whose snapshot is gone is refused with the real words', async () => {
    await src.pipe(send('tank/data@a'), recv('tank/copy'));
    interruptTransfers(src, 0.5);
    await src.pipe(send('tank/data@b', '@a'), recv('tank/copy'));
    const token = (await zfs(dst, 'get', '-H', '-p', '-o', 'value', 'receive_resume_token', 'tank/copy')).stdout.trim();
    await zfs(src, 'destroy', 'tank/data@b');
    await expect(zfs(src, ...sendArgs({ resumeToken: token }, 'openzfs'))).rejects.toThrow(
      /cannot resume send: 'tank\/data@b' used in the initial send no longer exists/,
    );
  });

  test('progress lines count per snapshot; the tracker adds them up', () => {
    const t = new SendProgressTracker();
    t.add(parseSendProgress('12:00:01\t1000\ttank/data@b')!);
    t.add(parseSendProgress('12:00:02\t4000\ttank/data@b')!);
    expect(t.add(parseSendProgress('12:00:03\t500\ttank/data@c')!)).toBe(4500);
    expect(parseSendProgress('TIME        SENT   SNAPSHOT')).toBeNull();
  });
});

describe('the demo peer', () => {
  test('a simulated appliance with a data directory reaches backup.sim over simulated SSH; its host key persists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'calypso-sim-peer-'));
    try {
      const a = new SimulatedHost({ dataDir: dir });
      const [k1] = await scanHostKeys(a, { host: 'backup.sim', port: 22 });
      expect(k1?.type).toBe('ssh-ed25519');
      const [k2] = await scanHostKeys(new SimulatedHost({ dataDir: dir }), { host: 'backup.sim', port: 22 });
      expect(k2?.base64).toBe(k1!.base64);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('simulated SSH between two simulated appliances', () => {
  let peer: SimPeer;
  let key: string;
  const known = '/calypso/ssh/known_hosts';
  const endpoint = () => ({ host: 'backup2', port: 2222, user: 'calypso', keyPath: '/calypso/ssh/id_test', knownHostsPath: known });

  beforeEach(async () => {
    dst = new SimulatedHost({ now: () => Date.UTC(2026, 10, 30, 12) });
    peer = { host: dst, port: 2222, authorized: new Set() };
    addSimPeer(src, 'backup2', peer);
    key = await generateKeyPair(src, '/calypso/ssh/id_test', 'calypso@test');
  });

  test('unknown host key refused, pinned key works, changed key refused, foreign key refused', async () => {
    const run = () => src.run('ssh', sshArgs(endpoint(), ['zfs', 'list', '-H', '-o', 'name', 'tank']));
    (peer.authorized as Set<string>).add(parsePublicKey(key)!.base64);
    const unknown = await run().catch((e: HostCommandError) => e);
    expect(sshFailure((unknown as HostCommandError).stderr, 'backup2')?.kind).toBe('host-key-unknown');
    const [offered] = await scanHostKeys(src, { host: 'backup2', port: 2222 });
    expect(fingerprint(offered!)).toBe(fingerprint(parsePublicKey(await simPeerHostKey(peer))!));
    await src.files.writeAtomic(known, `${knownHostsLine('backup2', 2222, offered!)}\n`);
    await expect(run()).resolves.toMatchObject({ stdout: 'tank\n' });
    await rotateSimPeerHostKey(peer);
    const changed = await run().catch((e: HostCommandError) => e);
    expect(sshFailure((changed as HostCommandError).stderr, 'backup2')?.message).toBe('SSH host key changed for backup2: confirm the new fingerprint');
    const [fresh] = await scanHostKeys(src, { host: 'backup2', port: 2222 });
    await src.files.writeAtomic(known, `${knownHostsLine('backup2', 2222, fresh!)}\n`);
    peer.authorized = new Set();
    const denied = await run().catch((e: HostCommandError) => e);
    expect(sshFailure((denied as HostCommandError).stderr, 'backup2')?.kind).toBe('auth');
  });

  test('a push over ssh lands on the other appliance', async () => {
    (peer.authorized as Set<string>).add(parsePublicKey(key)!.base64);
    const [offered] = await scanHostKeys(src, { host: 'backup2', port: 2222 });
    await src.files.writeAtomic(known, `${knownHostsLine('backup2', 2222, offered!)}\n`);
    const r = await src.pipe(send('tank/data@c'), {
      command: 'ssh',
      args: sshArgs(endpoint(), ['zfs', ...receiveArgs({ target: 'tank/replica', resumable: true }, 'openzfs')]),
    });
    expect([r.source.code, r.sink.code]).toEqual([0, 0]);
    expect(await snaps(dst, 'tank/replica')).toHaveLength(1);
    expect(await snaps(src, 'tank/replica')).toHaveLength(0);
  });

  test('hostile values never reach ssh', () => {
    expect(() => sshArgs({ ...endpoint(), host: '-oProxyCommand=sh' }, [])).toThrow(/host name/);
    expect(() => sshArgs({ ...endpoint(), user: 'root;reboot' }, [])).toThrow(/user name/);
    expect(() => sshArgs(endpoint(), ['zfs', 'receive', 'tank/x;reboot'])).toThrow(/remote command word/);
    expect(() => sshArgs(endpoint(), ['zfs', 'receive', '$(reboot)'])).toThrow(/remote command word/);
  });
});
