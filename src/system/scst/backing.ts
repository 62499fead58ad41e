/**
 * What a LUN's backing file is on the machine, before Calypso exports or grows it: where a path
 * really leads (symbolic links resolved), whether a file is there and how big it is, and growing
 * a file without ever shortening it. GNU coreutils (realpath, stat, truncate).
 */
import { HostCommandError, stdoutTail, userArg, type Host } from '../host.js';

export interface BackingFileStat {
  /** 'regular file', 'regular empty file', 'directory', 'symbolic link', 'block special file'... (stat %F). */
  kind: string;
  sizeBytes: number;
}

/** Parses `stat -L -c '%F:%s' FILE`: "regular file:10737418240". */
export function parseStatKindSize(stdout: string): BackingFileStat {
  const line = stdout.trim();
  const at = line.lastIndexOf(':');
  const size = line.slice(at + 1);
  if (at <= 0 || !/^\d+$/.test(size)) throw new Error(`stat: unexpected output ${JSON.stringify(line.slice(0, 80))}`);
  return { kind: line.slice(0, at), sizeBytes: Number(size) };
}

export const isRegularFile = (s: BackingFileStat): boolean => s.kind === 'regular file' || s.kind === 'regular empty file';

export class BackingFileAdapter {
  constructor(private readonly host: Host) {}

  /** The path with every symbolic link resolved (components that do not exist yet are kept as given). */
  async resolve(path: string): Promise<string> {
    const { stdout } = await this.host.run('realpath', ['-m', userArg(path)]);
    return stdout.replace(/\n$/, '');
  }

  /** The file at `path` (links followed), or null when nothing is there. */
  async stat(path: string): Promise<BackingFileStat | null> {
    const res = await this.host.run('stat', ['-L', '-c', '%F:%s', userArg(path)], { okCodes: [0, 1] });
    if (res.code === 1) {
      if (/No such file or directory/.test(res.stderr)) return null;
      throw new HostCommandError('stat', ['-L', '-c', '%F:%s', path], res.code, res.stderr, undefined, stdoutTail(res.stdout));
    }
    return parseStatKindSize(res.stdout);
  }

  /**
   * Creates the file sparse, or grows it, to `sizeBytes`. truncate's '>' size prefix means "at
   * least": a file already larger keeps every byte, even if it grew since it was measured.
   */
  async grow(path: string, sizeBytes: number): Promise<void> {
    await this.host.run('truncate', ['-s', `>${sizeBytes}`, userArg(path)]);
  }
}
