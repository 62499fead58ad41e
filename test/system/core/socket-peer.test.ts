/**
 * Who is at the other end of the daemon's Unix socket, from the kernel: a real socket, a real
 * client process (a child with its own environment), `ss -x` and /proc. The decoders are pure and
 * tested on their formats (captured `ss -x -H -a` lines, tty_nr encodings).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { isVirtualConsole, parseStat, peerInodeFromSs, socketPeer, ttyName } from '../../../src/system/socket-peer.js';

describe('decoders', () => {
  test('tty_nr: virtual consoles, serial lines, pseudo-terminals, the console, none', () => {
    expect(ttyName(0)).toBeNull();
    expect(ttyName((4 << 8) | 1)).toBe('/dev/tty1');
    expect(ttyName((4 << 8) | 63)).toBe('/dev/tty63');
    expect(ttyName((4 << 8) | 64)).toBe('/dev/ttyS0');
    expect(ttyName((136 << 8) | 3)).toBe('/dev/pts/3');
    // pts 300: minor 300 = low byte 44, high bits in 20-31
    expect(ttyName((136 << 8) | 44 | (1 << 20))).toBe('/dev/pts/300');
    expect(ttyName((5 << 8) | 1)).toBe('/dev/console');
    expect(['/dev/tty1', '/dev/tty63', '/dev/console'].map(isVirtualConsole)).toEqual([true, true, true]);
    expect(['/dev/tty0', '/dev/tty64', '/dev/ttyS0', '/dev/pts/1', null].map(isVirtualConsole)).toEqual([false, false, false, false, false]);
  });

  test('/proc/PID/stat with a command name holding spaces and parentheses', () => {
    expect(parseStat('1234 (my (odd) name) S 1 1234 1234 34817 1234 4194560 0 0')).toEqual({ ppid: 1, ttyNr: 34817, comm: 'my (odd) name' });
    expect(parseStat('garbage')).toBeNull();
  });

  test('ss -x: the peer inode of a socket, named or not', () => {
    // Captured from `ss -x -H -a` (iproute2 6.1) on this machine.
    const out = [
      'u_str ESTAB 0      0                                          * 24811 * 24812',
      'u_str ESTAB 0      0      /tmp/calypso-test-aXSvPC/calypso.sock 24812 * 24811',
      'u_str LISTEN 0      244    /var/run/postgresql/.s.PGSQL.5432 4625 * 0   ',
    ].join('\n');
    expect(peerInodeFromSs(out, 24812)).toBe(24811);
    expect(peerInodeFromSs(out, 24811)).toBe(24812);
    expect(peerInodeFromSs(out, 4625)).toBeNull();
    expect(peerInodeFromSs(out, 1)).toBeNull();
  });
});

describe('a real connection', () => {
  let dir: string;
  let server: net.Server;
  const accepted: net.Socket[] = [];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-peer-'));
    server = net.createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(path.join(dir, 's.sock'), r));
  });
  afterAll(async () => {
    for (const s of accepted) s.destroy();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('names the client process, its user and no SSH; an SSH session is seen in its environment', async () => {
    for (const ssh of [false, true]) {
      const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      if (ssh) env.SSH_CONNECTION = '192.0.2.1 50000 192.0.2.2 22';
      const connected = new Promise<net.Socket>((r) => server.once('connection', r));
      // The client holds its connection until its standard input closes.
      const child = spawn(
        process.execPath,
        ['-e', `const c=require('net').connect(${JSON.stringify(path.join(dir, 's.sock'))});process.stdin.on('end',()=>c.end());process.stdin.resume()`],
        { env, stdio: ['pipe', 'ignore', 'inherit'] },
      );
      const exited = new Promise((r) => child.on('exit', r));
      const socket = await connected;
      const peer = await socketPeer(socket);
      child.stdin.end();
      await exited;
      expect(peer).toEqual({ pid: child.pid, uid: process.getuid?.(), tty: peer?.tty ?? null, ssh });
      // The child has the test's controlling terminal, or none (CI): never a virtual console here.
      expect(isVirtualConsole(peer!.tty)).toBe(false);
    }
  });

  test('a TCP socket has no Unix peer', async () => {
    const tcp = net.createServer();
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const got = new Promise<net.Socket>((r) => tcp.once('connection', r));
    const c = net.connect((tcp.address() as net.AddressInfo).port, '127.0.0.1');
    const s = await got;
    expect(await socketPeer(s)).toBeNull();
    c.destroy();
    s.destroy();
    await new Promise((r) => tcp.close(r));
  });
});
