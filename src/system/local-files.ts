import { constants } from 'node:fs';
import { chown, copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileStat, HostFiles, WriteOptions } from './host.js';
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

/** Names and ids of /etc/passwd or /etc/group (`name:x:id:...` lines). */
async function idTable(file: string): Promise<Map<string, number>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && id !== undefined && /^\d+$/.test(id)) out.set(name, Number(id));
  }
  return out;
}

const nameOfId = (table: Map<string, number>, id: number) => [...table].find(([, v]) => v === id)?.[0] ?? String(id);

/** The group id of a group name (a number is taken as it is); an unknown name is an error. */
async function groupId(group: string): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const gid = (await idTable('/etc/group')).get(group);
  if (gid === undefined) throw new Error(`there is no group ${JSON.stringify(group)} on this machine`);
  return gid;
}

interface RecordedMeta {
  mode: number;
  group: string;
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

  /**
   * Under a root (the simulated appliance), files are not chowned (the process may not be root,
   * and they stay private): the mode and group asked are recorded beside the root, and stat()
   * answers them, so the simulated daemons can refuse a file their user could not read.
   */
  private get metaFile(): string {
    return `${this.root}.files-meta.json`;
  }

  private metaChain: Promise<unknown> = Promise.resolve();

  private metaCache: Record<string, RecordedMeta> | null = null;

  private async loadMeta(): Promise<Record<string, RecordedMeta>> {
    if (!this.metaCache) {
      const text = await readFile(this.metaFile, 'utf8').catch(() => null);
      this.metaCache = text ? (JSON.parse(text) as Record<string, RecordedMeta>) : {};
    }
    return this.metaCache;
  }

  private changeMeta(change: (meta: Record<string, RecordedMeta>) => void): Promise<void> {
    const next = this.metaChain.then(async () => {
      const meta = await this.loadMeta();
      const before = JSON.stringify(meta);
      change(meta);
      if (JSON.stringify(meta) !== before) await writeFile(this.metaFile, JSON.stringify(meta), { mode: 0o600 });
    });
    this.metaChain = next.catch(() => undefined);
    return next;
  }

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

  async writeAtomic(path: string, content: string, opts?: WriteOptions): Promise<void> {
    const target = this.map(path);
    const real = this.root === '';
    const before = await stat(target).catch(() => null);
    // On the real machine: the group asked, else the one the file had (a rewrite keeps it).
    const gid = real ? (opts?.group !== undefined ? await groupId(opts.group) : (before?.gid ?? null)) : null;
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
      if (gid !== null && gid !== process.getgid?.()) await handle.chown(process.getuid?.() ?? 0, gid);
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
      // The copy is the writer's; it gets the owner and group the file had, so putting it back restores them.
      if (real && before && process.getuid?.() === 0) await chown(prevTemp, before.uid, before.gid);
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
    if (!real)
      await this.changeMeta((meta) => {
        if (meta[path]) meta[`${path}.prev`] = meta[path]!;
        else delete meta[`${path}.prev`];
        if (opts?.group !== undefined || (meta[path] && opts?.mode !== undefined))
          meta[path] = { mode: opts.mode ?? meta[path]?.mode ?? asked, group: opts.group ?? meta[path]?.group ?? 'root' };
      });
  }

  async stat(path: string): Promise<FileStat | null> {
    const s = await stat(this.map(path)).catch((err) => {
      if (isNotFound(err)) return null;
      throw err;
    });
    if (!s) return null;
    if (this.root !== '') {
      const m = (await this.loadMeta())[path];
      return { mode: m?.mode ?? s.mode & 0o7777, owner: 'root', group: m?.group ?? 'root' };
    }
    return {
      mode: s.mode & 0o7777,
      owner: nameOfId(await idTable('/etc/passwd'), s.uid),
      group: nameOfId(await idTable('/etc/group'), s.gid),
    };
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
    if (this.root !== '')
      await this.changeMeta((meta) => {
        if (meta[`${path}.prev`]) meta[path] = meta[`${path}.prev`]!;
        else delete meta[path];
        delete meta[`${path}.prev`];
      });
  }
}
