import type { FileStat, HostFiles, WriteOptions } from '../host.js';

function enoent(path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOENT: no such file or directory, open '${path}'`);
  err.code = 'ENOENT';
  return err;
}

/** HostFiles held in memory, for a simulated host without a data directory. */
export class MemoryFiles implements HostFiles {
  private readonly files = new Map<string, string>();

  async read(path: string): Promise<string> {
    const v = this.files.get(path);
    if (v === undefined) throw enoent(path);
    return v;
  }

  async readIfExists(path: string): Promise<string | null> {
    return this.files.get(path) ?? null;
  }

  async list(dir: string): Promise<string[]> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const p of this.files.keys()) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
    return [...names].sort();
  }

  async exists(path: string): Promise<boolean> {
    if (this.files.has(path)) return true;
    const prefix = `${path}/`;
    for (const p of this.files.keys()) if (p.startsWith(prefix)) return true;
    return false;
  }

  /** Mode and group of each file (as a real write would leave them: a rewrite keeps what it had). */
  private readonly meta = new Map<string, { mode: number; group: string }>();

  async writeAtomic(path: string, content: string, opts?: WriteOptions): Promise<void> {
    const previous = this.files.get(path);
    const had = this.meta.get(path);
    if (previous !== undefined) {
      this.files.set(`${path}.prev`, previous);
      if (had) this.meta.set(`${path}.prev`, had);
    } else this.files.delete(`${path}.prev`);
    this.files.set(path, content);
    this.meta.set(path, { mode: opts?.mode ?? had?.mode ?? 0o644, group: opts?.group ?? had?.group ?? 'root' });
  }

  async restorePrevious(path: string): Promise<void> {
    const prev = this.files.get(`${path}.prev`);
    if (prev === undefined) {
      this.files.delete(path);
      this.meta.delete(path);
    } else {
      this.files.set(path, prev);
      const m = this.meta.get(`${path}.prev`);
      if (m) this.meta.set(path, m);
    }
    this.files.delete(`${path}.prev`);
    this.meta.delete(`${path}.prev`);
  }

  async stat(path: string): Promise<FileStat | null> {
    if (!this.files.has(path)) return null;
    const m = this.meta.get(path) ?? { mode: 0o644, group: 'root' };
    return { mode: m.mode, owner: 'root', group: m.group };
  }
}

/** Adds files the simulated kernel generates (kstats) in front of a HostFiles. */
export class GeneratedFiles implements HostFiles {
  constructor(
    private readonly inner: HostFiles,
    private readonly generate: (path: string) => Promise<string | null>,
  ) {}

  async read(path: string): Promise<string> {
    return (await this.generate(path)) ?? this.inner.read(path);
  }

  async readIfExists(path: string): Promise<string | null> {
    return (await this.generate(path)) ?? this.inner.readIfExists(path);
  }

  list(dir: string): Promise<string[]> {
    return this.inner.list(dir);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.generate(path)) !== null || this.inner.exists(path);
  }

  writeAtomic(path: string, content: string, opts?: WriteOptions): Promise<void> {
    return this.inner.writeAtomic(path, content, opts);
  }

  restorePrevious(path: string): Promise<void> {
    return this.inner.restorePrevious(path);
  }

  async stat(path: string): Promise<FileStat | null> {
    if ((await this.generate(path)) !== null) return { mode: 0o444, owner: 'root', group: 'root' };
    return this.inner.stat(path);
  }
}
