/**
 * One side of a replication: ZFS on this appliance, or on a peer through `ssh ... zfs ...`.
 * The same questions either way (which snapshots, with which GUIDs, is there a resume token) and
 * the commands to put on either end of a pipe. Reads use forms both dialects take: `zfs get -Hp`
 * for GUIDs (zfs-fuse prints GUIDs rounded without -p and has no `zfs list -p`).
 */
import { HostCommandError, userArg, type Host, type PipeCommand } from '../host.js';
import { sshArgs, type SshEndpoint } from '../ssh/index.js';
import { ZfsAdapter, type Dialect } from './index.js';

export interface EndpointSnapshot {
  /** dataset@name */
  name: string;
  dataset: string;
  short: string;
  guid: string;
  /** Epoch seconds. */
  creation: number;
  holds: number;
}

export class ZfsEndpoint {
  private dialectCache: Dialect | null = null;

  constructor(
    private readonly host: Host,
    /** null: this appliance. */
    readonly ssh: SshEndpoint | null,
  ) {}

  /** "local" or "user@host:port", for logs and messages. */
  describe(): string {
    return this.ssh ? `${this.ssh.user}@${this.ssh.host}${this.ssh.port === 22 ? '' : `:${this.ssh.port}`}` : 'this appliance';
  }

  /** The command that runs `zfs ARGS` on this side (for a pipe). */
  command(args: string[]): PipeCommand {
    return this.ssh ? { command: 'ssh', args: sshArgs(this.ssh, ['zfs', ...args]) } : { command: 'zfs', args };
  }

  async zfs(args: string[], okCodes?: number[]): Promise<string> {
    const c = this.command(args);
    return (await this.host.run(c.command, c.args, { timeoutMs: 120_000, ...(okCodes ? { okCodes } : {}) })).stdout;
  }

  async dialect(): Promise<Dialect> {
    if (this.dialectCache) return this.dialectCache;
    if (!this.ssh) return (this.dialectCache = await new ZfsAdapter(this.host).dialect());
    try {
      await this.zfs(['version']);
      this.dialectCache = 'openzfs';
    } catch (err) {
      if (err instanceof HostCommandError && /unrecognized command/.test(err.stderr)) this.dialectCache = 'zfs-fuse';
      else throw err;
    }
    return this.dialectCache;
  }

  /** The dataset's snapshots, oldest first; [] when the dataset does not exist. */
  async snapshots(dataset: string): Promise<EndpointSnapshot[]> {
    const fuse = (await this.dialect()) === 'zfs-fuse';
    let order: string;
    try {
      order = await this.zfs(['list', '-H', '-t', 'snapshot', '-o', 'name', '-s', fuse ? 'creation' : 'createtxg', '-d', '1', userArg(dataset)]);
    } catch (err) {
      if (err instanceof HostCommandError && /dataset does not exist/.test(err.stderr)) return [];
      throw err;
    }
    const names = order.split('\n').filter((l) => l.includes('@'));
    if (names.length === 0) return [];
    const props = new Map<string, Record<string, string>>();
    const got = await this.zfs(['get', '-H', '-p', '-r', '-d', '1', '-o', 'name,property,value', 'guid,creation,userrefs', userArg(dataset)]);
    for (const line of got.split('\n')) {
      const [name, prop, value] = line.split('\t');
      if (!name?.includes('@') || !prop) continue;
      const p = props.get(name) ?? {};
      p[prop] = value ?? '';
      props.set(name, p);
    }
    return names.map((name) => {
      const p = props.get(name) ?? {};
      return {
        name,
        dataset,
        short: name.slice(name.indexOf('@') + 1),
        guid: p['guid'] ?? '',
        creation: Number(p['creation']) || 0,
        holds: Number(p['userrefs']) || 0,
      };
    });
  }

  async exists(dataset: string): Promise<boolean> {
    try {
      await this.zfs(['list', '-H', '-o', 'name', userArg(dataset)]);
      return true;
    } catch (err) {
      if (err instanceof HostCommandError && /dataset does not exist/.test(err.stderr)) return false;
      throw err;
    }
  }

  /** The filesystems and volumes at and below `root`, parents first. */
  async tree(root: string): Promise<string[]> {
    return (await this.zfs(['list', '-H', '-o', 'name', '-t', 'filesystem,volume', '-r', userArg(root)])).split('\n').filter(Boolean);
  }

  /** Datasets cloned from each snapshot below `root` (origin -> clones). */
  async clones(pool: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const text = await this.zfs(['list', '-H', '-o', 'name,origin', '-t', 'filesystem,volume', '-r', userArg(pool)]);
    for (const line of text.split('\n')) {
      const [name, origin] = line.split('\t');
      if (name && origin && origin !== '-') out.set(origin, [...(out.get(origin) ?? []), name]);
    }
    return out;
  }

  /** The token of an interrupted `receive -s`, or null (none, or a dialect without resumable receive). */
  async resumeToken(dataset: string): Promise<string | null> {
    if ((await this.dialect()) !== 'openzfs') return null;
    try {
      const v = (await this.zfs(['get', '-H', '-p', '-o', 'value', 'receive_resume_token', userArg(dataset)])).trim();
      return v && v !== '-' ? v : null;
    } catch (err) {
      if (err instanceof HostCommandError && /dataset does not exist/.test(err.stderr)) return null;
      throw err;
    }
  }

  /** Bytes written since the dataset's last snapshot; null when the dialect cannot tell (zfs-fuse has no `written`). */
  async written(dataset: string): Promise<number | null> {
    if ((await this.dialect()) !== 'openzfs') return null;
    const v = (await this.zfs(['get', '-H', '-p', '-o', 'value', 'written', userArg(dataset)])).trim();
    return /^\d+$/.test(v) ? Number(v) : null;
  }

  /** `zfs snapshot [-r] NAME...`: one transaction group, so they are consistent with each other. */
  async snapshot(names: string[], recursive: boolean): Promise<void> {
    await this.zfs(['snapshot', ...(recursive ? ['-r'] : []), ...names.map(userArg)]);
  }

  async destroySnapshot(name: string): Promise<void> {
    if (!name.includes('@')) throw new Error(`not a snapshot: ${name}`);
    await this.zfs(['destroy', userArg(name)]);
  }

  async setReadOnly(dataset: string): Promise<void> {
    await this.zfs(['set', 'readonly=on', userArg(dataset)]);
  }

  /** Places a user hold; false where the dialect has none (zfs-fuse). */
  async hold(tag: string, snapshot: string): Promise<boolean> {
    if ((await this.dialect()) !== 'openzfs') return false;
    try {
      await this.zfs(['hold', userArg(tag), userArg(snapshot)]);
    } catch (err) {
      if (!(err instanceof HostCommandError && /tag already exists/.test(err.stderr))) throw err;
    }
    return true;
  }

  async release(tag: string, snapshot: string): Promise<void> {
    if ((await this.dialect()) !== 'openzfs') return;
    try {
      await this.zfs(['release', userArg(tag), userArg(snapshot)]);
    } catch (err) {
      if (!(err instanceof HostCommandError && /no such tag|dataset does not exist/.test(err.stderr))) throw err;
    }
  }
}
