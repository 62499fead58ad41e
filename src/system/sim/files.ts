import type { HostFiles } from '../host.js';

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

  async writeAtomic(path: string, content: string): Promise<void> {
    const previous = this.files.get(path);
    if (previous !== undefined) this.files.set(`${path}.prev`, previous);
    else this.files.delete(`${path}.prev`);
    this.files.set(path, content);
  }

  async restorePrevious(path: string): Promise<void> {
    const prev = this.files.get(`${path}.prev`);
    if (prev === undefined) this.files.delete(path);
    else this.files.set(path, prev);
    this.files.delete(`${path}.prev`);
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

  writeAtomic(path: string, content: string, opts?: { mode?: number }): Promise<void> {
    return this.inner.writeAtomic(path, content, opts);
  }

  restorePrevious(path: string): Promise<void> {
    return this.inner.restorePrevious(path);
  }
}
