import { constants } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HostFiles } from './host.js';
import { processAlive } from './pid.js';

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes the temp files a process killed in the middle of writeAtomic left beside `name`
 * (`.name.<pid>.<time>.tmp` and its `.prev` copy), when that process is gone.
 */
export async function sweepStaleTemps(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`;
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const m = /^(\d+)\.\d+\.tmp(\.prev)?$/.exec(entry.slice(prefix.length));
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    await rm(join(dir, entry), { force: true });
  }
}

/**
 * HostFiles on a real file system. `root` maps the absolute paths callers use onto a directory
 * (the simulated host keeps its files under its data directory that way); '' means the real /.
 */
export class LocalFiles implements HostFiles {
  /**
   * `private`: every file written is 0600 and every directory made 0700, whatever mode is asked
   * or the umask (the simulated appliance's files live in the data directory).
   */
  constructor(
    private readonly root = '',
    private readonly opts: { private?: boolean } = {},
  ) {}

  private map(path: string): string {
    if (!path.startsWith('/')) throw new Error(`host paths are absolute: ${JSON.stringify(path)}`);
    return this.root === '' ? path : join(this.root, path);
  }

  async read(path: string): Promise<string> {
    return readFile(this.map(path), 'utf8');
  }

  async readIfExists(path: string): Promise<string | null> {
    try {
      return await this.read(path);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(this.map(dir))).sort();
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(this.map(path));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async writeAtomic(path: string, content: string, opts?: { mode?: number }): Promise<void> {
    const target = this.map(path);
    const dir = dirname(target);
    await mkdir(dir, { recursive: true, mode: this.opts.private ? 0o700 : undefined });
    await sweepStaleTemps(dir, basename(target));
    const temp = join(dir, `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
    const asked =
      opts?.mode ??
      (await stat(target).then(
        (s) => s.mode & 0o7777,
        () => 0o644,
      ));
    const mode = this.opts.private ? asked & 0o600 : asked;
    const handle = await open(temp, 'w', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const prevTemp = `${temp}.prev`;
    try {
      // A copy, not a rename: the live file must exist at every instant until the new one replaces it.
      // The copy goes to a temp name first, so a crash mid-copy never leaves a truncated .prev to restore.
      await copyFile(target, prevTemp);
      await fsyncPath(prevTemp);
      await rename(prevTemp, `${target}.prev`);
    } catch (err) {
      if (!isNotFound(err)) {
        await rm(temp, { force: true });
        await rm(prevTemp, { force: true });
        throw err;
      }
      // No previous version: a stale .prev would otherwise be "restored" by restorePrevious.
      await rm(`${target}.prev`, { force: true });
    }
    await rename(temp, target);
    await fsyncPath(dir);
  }

  async restorePrevious(path: string): Promise<void> {
    const target = this.map(path);
    const prev = `${target}.prev`;
    try {
      await rename(prev, target);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await rm(target, { force: true });
    }
    await fsyncPath(dirname(target));
  }
}
