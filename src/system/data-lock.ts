/**
 * The exclusive lock of `calypso serve` on its data directory.
 *
 * Node has no flock(2), so the lock is a Linux abstract-namespace Unix socket whose name is
 * derived from the data directory's real path: binding it fails with EADDRINUSE while another
 * live process holds it, and the kernel releases it when the holder dies, even on kill -9 (no
 * file to clean up, nothing stale). A client that connects is told the holder's pid and nothing
 * else, which is how a second `serve` and `calypso stop` name the daemon.
 *
 * Limit of abstract sockets: they carry no file permissions, so another local account could
 * bind the name first and keep the daemon from starting (it would be refused, naming the pid
 * that answers). An appliance has no untrusted local accounts; DATA/calypso.pid stays for humans.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The abstract socket name of a data directory's lock (leading NUL: not a file). */
export function lockName(dataDir: string): string {
  const real = fs.realpathSync(dataDir);
  return `\0calypso-lock:${crypto.createHash('sha256').update(real).digest('hex')}`;
}

export class DataDirLocked extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
  ) {
    super(
      `the data directory ${dataDir} is in use by another calypso serve (${pid ? `pid ${pid}` : 'pid unknown'}); stop it first (calypso stop --data ${dataDir})`,
    );
  }
}

export interface DataLock {
  /** Frees the lock (the kernel frees it anyway when the process ends). */
  release(): Promise<void>;
}

/** Takes the lock of `dataDir`, or throws DataDirLocked naming the pid that holds it. */
export async function acquireDataLock(dataDir: string): Promise<DataLock> {
  const name = lockName(dataDir);
  const server = net.createServer((conn) => {
    conn.on('error', () => undefined);
    conn.end(`${process.pid}\n`);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new DataDirLocked(dataDir, (await lockHolder(dataDir)) ?? pidFromFile(dataDir));
  }
  // The lock never keeps the process alive by itself.
  server.unref();
  server.on('error', () => undefined);
  return {
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The pid of the process holding the lock of `dataDir`, or null when none does (or the
 * directory does not exist). Bounded: a holder that does not answer within `timeoutMs` is
 * reported by the pid file instead.
 */
export async function lockHolder(dataDir: string, timeoutMs = 2_000): Promise<number | null> {
  let name: string;
  try {
    name = lockName(dataDir);
  } catch {
    return null;
  }
  return new Promise<number | null>((resolve) => {
    let text = '';
    let settled = false;
    const finish = (pid: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      resolve(pid);
    };
    const conn = net.connect(name);
    const timer = setTimeout(() => finish(pidFromFile(dataDir) ?? 0), timeoutMs);
    timer.unref();
    conn.setEncoding('utf8');
    conn.on('data', (d: string) => {
      text += d;
      if (text.length > 32) finish(pidFromFile(dataDir) ?? 0);
    });
    conn.on('end', () => {
      const pid = Number(text.trim());
      finish(Number.isInteger(pid) && pid > 0 ? pid : (pidFromFile(dataDir) ?? 0));
    });
    // ECONNREFUSED / ENOENT: nobody holds it.
    conn.on('error', () => finish(null));
  });
}

/** The pid written in DATA/calypso.pid, for messages only: the lock decides. */
export function pidFromFile(dataDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'calypso.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
