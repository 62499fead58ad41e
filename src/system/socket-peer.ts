/**
 * Who is at the other end of a connection to the daemon's Unix socket, from the kernel: the
 * socket's inode (/proc/self/fd), its peer's inode (`ss -x`, which reads the kernel's sock_diag
 * answer), the process holding the peer (/proc/PID/fd), and that process's user, controlling
 * terminal and SSH markers (/proc/PID/status, stat, environ, and its ancestors' names). Nothing a
 * client sends is believed. This is about the daemon's own connections on this machine (the
 * consoles are real processes here even when the appliance is simulated), so it reads /proc and
 * runs `ss` directly, not through the appliance's Host.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import type net from 'node:net';

export interface SocketPeer {
  pid: number;
  uid: number;
  tty: string | null;
  ssh: boolean;
}

/** tty_nr of /proc/PID/stat as a device path: the kernel's major/minor encoding. */
export function ttyName(ttyNr: number): string | null {
  if (!ttyNr) return null;
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major === 4 && minor < 64) return minor === 0 ? '/dev/tty0' : `/dev/tty${minor}`;
  if (major === 4) return `/dev/ttyS${minor - 64}`;
  if (major === 5 && minor === 1) return '/dev/console';
  if (major >= 136 && major <= 143) return `/dev/pts/${(major - 136) * 256 + minor}`;
  return `/dev/char/${major}:${minor}`;
}

/** A virtual console of the machine's own screen and keyboard (tty1-tty63) or the system console. */
export function isVirtualConsole(tty: string | null): boolean {
  return tty !== null && (/^\/dev\/tty([1-9]|[1-5]\d|6[0-3])$/.test(tty) || tty === '/dev/console');
}

/** /proc/PID/stat: the fields after the command name (which may hold spaces and parentheses). */
export function parseStat(text: string): { ppid: number; ttyNr: number; comm: string } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] state, [1] ppid, [2] pgrp, [3] session, [4] tty_nr
  const ppid = Number(rest[1]);
  const ttyNr = Number(rest[4]);
  if (!Number.isInteger(ppid) || !Number.isInteger(ttyNr)) return null;
  return { ppid, ttyNr, comm: text.slice(open + 1, close) };
}

/** `ss -x -H -a` lines: the peer inode of the socket whose own inode is `inode`, or null. */
export function peerInodeFromSs(output: string, inode: number): number | null {
  for (const line of output.split('\n')) {
    const f = line.trim().split(/\s+/);
    // Netid State Recv-Q Send-Q Local-Address Port Peer-Address Port (an unnamed local address is "*")
    if (f.length < 8 || !f[0]!.startsWith('u_')) continue;
    if (Number(f[f.length - 3]) === inode) {
      const peer = Number(f[f.length - 1]);
      return Number.isInteger(peer) && peer > 0 ? peer : null;
    }
  }
  return null;
}

const SSH_VARS = /(?:^|\0)(?:SSH_CONNECTION|SSH_CLIENT|SSH_TTY)=/;

function ss(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ss', ['-x', '-H', '-a'], { env: { ...process.env, LC_ALL: 'C' }, timeout: 5000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

async function socketInodeOfFd(pidPath: string, fd: string): Promise<number | null> {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(await fs.readlink(`${pidPath}/fd/${fd}`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The processes holding the socket with this inode (every /proc/PID/fd entry pointing at it). */
async function holders(inode: number): Promise<number[]> {
  const found: number[] = [];
  const target = `socket:[${inode}]`;
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = await fs.readdir(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if ((await fs.readlink(`/proc/${name}/fd/${fd}`)) === target) {
          found.push(Number(name));
          break;
        }
      } catch {
        // The process or the descriptor went away meanwhile.
      }
    }
  }
  return found;
}

/** Whether the process or one of its ancestors is an SSH server (its session came in over SSH). */
async function underSsh(pid: number): Promise<boolean> {
  let at = pid;
  for (let depth = 0; depth < 64 && at > 1; depth++) {
    const stat = parseStat(await fs.readFile(`/proc/${at}/stat`, 'utf8').catch(() => ''));
    if (!stat) return false;
    if (/^sshd/.test(stat.comm) || stat.comm === 'dropbear') return true;
    at = stat.ppid;
  }
  return false;
}

/** What the kernel says of the process at the other end of `socket` (a Unix socket the daemon accepted), or null when it cannot tell. */
export async function socketPeer(socket: net.Socket): Promise<SocketPeer | null> {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  const own = await socketInodeOfFd('/proc/self', String(fd));
  if (own === null) return null;
  const peerInode = peerInodeFromSs(await ss().catch(() => ''), own);
  if (peerInode === null) return null;
  const pids = await holders(peerInode);
  // A socket shared by several processes (inherited) names no one in particular: no answer.
  if (pids.length !== 1) return null;
  const pid = pids[0]!;
  try {
    const [status, statText, environ] = await Promise.all([
      fs.readFile(`/proc/${pid}/status`, 'utf8'),
      fs.readFile(`/proc/${pid}/stat`, 'utf8'),
      fs.readFile(`/proc/${pid}/environ`, 'latin1').catch(() => ''),
    ]);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    const stat = parseStat(statText);
    if (!Number.isInteger(uid) || !stat) return null;
    return { pid, uid, tty: ttyName(stat.ttyNr), ssh: SSH_VARS.test(environ) || (await underSsh(pid)) };
  } catch {
    return null;
  }
}
