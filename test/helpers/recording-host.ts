import type { CommandRecord, Host, HostFiles, RunOptions, RunResult } from '../../src/system/host.js';
import { HostCommandError } from '../../src/system/host.js';

/**
 * A host that runs nothing: it records every command and answers from a script,
 * so a test can prove which commands (if any) an operation tried to run.
 */
export class RecordingHost implements Host {
  readonly kind = 'sim' as const;
  readonly calls: { command: string; args: string[] }[] = [];
  private readonly fileMap = new Map<string, string>();
  constructor(private readonly answer: (command: string, args: string[]) => RunResult = () => ({ code: 0, stdout: '', stderr: '' })) {}

  async run(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ command, args: [...args] });
    const result = this.answer(command, args);
    if (!(opts.okCodes ?? [0]).includes(result.code)) throw new HostCommandError(command, args, result.code, result.stderr);
    return result;
  }

  history(): CommandRecord[] {
    return this.calls.map((c, i) => ({ seq: i + 1, at: '', command: c.command, args: c.args, code: 0, durationMs: 0 }));
  }

  readonly files: HostFiles = {
    read: async (p) => {
      const v = this.fileMap.get(p);
      if (v === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return v;
    },
    readIfExists: async (p) => this.fileMap.get(p) ?? null,
    list: async (dir) => [...this.fileMap.keys()].filter((k) => k.startsWith(`${dir}/`)).map((k) => k.slice(dir.length + 1)),
    exists: async (p) => this.fileMap.has(p),
    writeAtomic: async (p, content) => {
      const prev = this.fileMap.get(p);
      if (prev !== undefined) this.fileMap.set(`${p}.prev`, prev);
      this.fileMap.set(p, content);
    },
    restorePrevious: async (p) => {
      const prev = this.fileMap.get(`${p}.prev`);
      if (prev === undefined) this.fileMap.delete(p);
      else this.fileMap.set(p, prev);
    },
    stat: async (p) => (this.fileMap.has(p) ? { mode: 0o644, owner: 'root', group: 'root' } : null),
  };
}
