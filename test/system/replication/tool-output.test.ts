/**
 * Parsers and classifiers of replication's tools on captured output (test/fixtures/replication,
 * see its README for versions): ssh-keyscan, ssh's refusals, zfs-fuse's receive refusals, and the
 * OpenZFS send estimate and progress formats.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { fingerprint, parseKeyscan, parsePublicKey, sshFailure } from '../../../src/system/ssh/index.js';
import { parseSendEstimate, parseSendProgress, SendProgressTracker } from '../../../src/system/zfs/send.js';
import { explainTransfer } from '../../../src/services/replication/engine.js';

const fx = (name: string) => readFileSync(new URL(`../../fixtures/replication/${name}`, import.meta.url), 'utf8');
const pipeResult = (sink: string, source = '', sinkCode = 1) => ({
  source: { code: 0, stderr: source },
  sink: { code: sinkCode, stderr: sink, stdout: '' },
  bytes: 0,
  cancelled: false,
  startedAtMs: 0,
  endedAtMs: 0,
});

describe('OpenSSH', () => {
  test('ssh-keyscan: the key for [host]:port, comments skipped; its fingerprint is the one ssh-keygen -l prints', () => {
    const keys = parseKeyscan(fx('ssh-keyscan.out'), '127.0.0.1', 22977);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.type).toBe('ssh-ed25519');
    const old = parsePublicKey(fx('host-key-old.pub'))!;
    expect(keys[0]!.base64).toBe(old.base64);
    expect(parseKeyscan(fx('ssh-keyscan.out'), '127.0.0.1', 22)).toEqual([]);
  });

  test('a changed host key: the message with the next step; the fingerprint ssh shows is the new key', () => {
    const text = fx('ssh-host-key-changed.err');
    expect(sshFailure(text, 'backup2')).toEqual({ kind: 'host-key-changed', message: 'SSH host key changed for backup2: confirm the new fingerprint' });
    expect(text).toContain(fingerprint(parsePublicKey(fx('host-key-new.pub'))!));
  });

  test.each([
    ['ssh-unknown-host-key.err', 'host-key-unknown', /not pinned: scan it and confirm its fingerprint/],
    ['ssh-permission-denied.err', 'auth', /refused Calypso's key: add the connection's public key/],
    ['ssh-connection-refused.err', 'unreachable', /cannot reach backup2: ssh: connect to host 127.0.0.1 port 1: Connection refused/],
    ['ssh-unresolved.err', 'unreachable', /Could not resolve hostname/],
  ])('%s is %s', (file, kind, message) => {
    const f = sshFailure(fx(file), 'backup2');
    expect(f?.kind).toBe(kind);
    expect(f?.message).toMatch(message);
  });

  test('what is not a public key is refused', () => {
    expect(parsePublicKey('ssh-ed25519 AAAA; rm -rf /')).toBeNull();
    expect(parsePublicKey('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAICOcTjnOboxEmoDn+ZC/4ZHDCiAAcseiFnX6gECK1rK3')).toBeNull();
  });
});

describe('zfs receive refusals in words', () => {
  test('zfs-fuse: a target with newer snapshots waits for rollback or removal', () => {
    const stop = explainTransfer(pipeResult(fx('zfs-fuse-receive-not-matching.err')), 'repldst/copy', null);
    expect([stop.state, stop.message]).toEqual([
      'waiting',
      'Waiting: the target has snapshots newer than the last common one; allow rollback of the target or remove them',
    ]);
  });
  test('zfs-fuse: an existing target without common snapshots', () => {
    expect(explainTransfer(pipeResult(fx('zfs-fuse-receive-exists.err')), 'repldst/copy', null).message).toMatch(/exists and shares no snapshot/);
  });
  test('an ssh failure on the receiving side names the peer and the step', () => {
    const stop = explainTransfer(pipeResult(fx('ssh-host-key-changed.err'), '', 255), 'tank/x', 'backup2');
    expect([stop.state, stop.transient]).toEqual(['waiting', false]);
    const net = explainTransfer(pipeResult(fx('ssh-connection-refused.err'), '', 255), 'tank/x', 'backup2');
    expect([net.state, net.transient]).toEqual(['failed', true]);
  });
});

describe('OpenZFS send output', () => {
  test('-nvP estimate of an -I send', () => {
    expect(parseSendEstimate(fx('openzfs-send-nvP.txt'))).toEqual({
      streams: [
        { kind: 'incremental', from: 'auto-2026-11-30_08-00', to: 'tank/data@auto-2026-11-30_09-00', bytes: 1290200 },
        { kind: 'incremental', from: 'auto-2026-11-30_09-00', to: 'tank/data@auto-2026-11-30_10-00', bytes: 31240 },
      ],
      totalBytes: 1321440,
    });
  });
  test('-vP progress lines after the estimate lines', () => {
    const lines = fx('openzfs-send-vP.err').trim().split('\n');
    const progress = lines.map(parseSendProgress).filter((p) => p !== null);
    expect(progress).toEqual([
      { time: '08:00:01', bytes: 524288, snapshot: 'tank/data@auto-2026-11-30_08-00' },
      { time: '08:00:02', bytes: 1048576, snapshot: 'tank/data@auto-2026-11-30_08-00' },
    ]);
    const t = new SendProgressTracker();
    for (const p of progress) t.add(p);
    expect(t.total()).toBe(1048576);
  });
});
