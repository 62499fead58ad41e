import { simulateChpasswd } from './chpasswd.js';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CommandHistory } from '../command-history.js';
import { HostCommandError, maskSecrets, stdoutTail } from '../host.js';
import { forEachLine } from '../lines.js';
import { invalidateZfsCache } from '../zfs/index.js';
import type { CommandRecord, Host, HostFiles, PipeCommand, PipeOptions, PipeResult, RunLinesResult, RunOptions, RunResult } from '../host.js';
import { LocalFiles, sweepStaleTemps } from '../local-files.js';
import { fail, ToolExit } from './common.js';
import { arcstatsText, lsblkCommand, smartctlCommand, wipefsCommand } from './devices.js';
import { GeneratedFiles, MemoryFiles } from './files.js';
import { defaultModel, newGuid } from './model.js';
import type { SimDataset, SimModel, SimSnapshot } from './model.js';
import { leaves, SimState } from './state.js';
import { settleScans, startResilver, zpoolCommand } from './zpool.js';
import type { SimContext } from './zpool.js';
import { zfsCommand, zfsListPlan } from './zfs.js';
import { simulateShareTool } from '../sim-shares/index.js';
import { failSimulatedService, repairSimulatedService, simulateServiceTool } from './systemd.js';
import { simulateTapeCommand } from './tape.js';
import { simulateBacula } from './bacula.js';
import { simulateCoreutil } from './coreutils.js';
import { simulateChronyTool } from './chrony.js';
import { simulateSnmpTool } from './snmp.js';
import { simulateNetworkTool } from './network.js';
import { simStreamFaults, simulateZfsStream } from './replication-stream.js';
import { addSimPeer, simulatePipe, simulateSshTool } from './replication-pipe.js';
import { Mutex } from '../../lib/lock.js';
import { grammarRefusal } from './grammar/index.js';

export interface SimulatedHostOptions {
  /** Where the state file and the simulated file tree live; in memory only when undefined. */
  dataDir?: string;
  /** The clock, so tests can move time forward (scrubs and resilvers follow it). */
  now?: () => number;
  /** Start from this model instead of the default appliance (or the persisted state). */
  model?: SimModel;
  /** A second simulated appliance reachable over simulated SSH as `backup.sim` (default: with a data directory). */
  demoPeer?: boolean;
}

export interface SeedOptions {
  /** Number of filesystems to add under `${parent}`. */
  datasets?: number;
  /** Number of snapshots to spread over the added filesystems (or over `parent` when none). */
  snapshots?: number;
  /** Filesystem the seeded datasets go under (created if missing); default "tank/seed". */
  parent?: string;
}

const READ_ONLY = new Set([
  'zpool status',
  'zpool list',
  'zpool get',
  'zpool iostat',
  'zpool version',
  'zfs list',
  'zfs get',
  'zfs holds',
  'zfs version',
  'zfs mount',
]);

const STATE_FILE = 'sim-state.json';

/**
 * A simulated appliance that answers zpool, zfs, lsblk and smartctl like the real tools
 * (OpenZFS 2.2.2 output formats), from a model persisted in the data directory.
 */
export class SimulatedHost implements Host {
  readonly kind = 'sim' as const;
  readonly files: HostFiles;
  private readonly log = new CommandHistory(500);
  private readonly clock: () => number;
  private state: SimState | null = null;
  /** Commands run one at a time, as if each took the pool's configuration lock. */
  private readonly commandLock = new Mutex();

  constructor(private readonly opts: SimulatedHostOptions = {}) {
    this.clock = opts.now ?? Date.now;
    const inner = opts.dataDir ? new LocalFiles(join(opts.dataDir, 'sim-root'), { private: true }) : new MemoryFiles();
    this.files = new GeneratedFiles(inner, async (path) => {
      if (path !== '/proc/spl/kstat/zfs/arcstats') return null;
      return arcstatsText((await this.exclusive(() => this.loaded())).model, this.clock());
    });
    if (opts.dataDir && opts.demoPeer !== false) {
      const peer = new SimulatedHost({ dataDir: join(opts.dataDir, 'peer-backup.sim'), now: opts.now, demoPeer: false });
      addSimPeer(this, 'backup.sim', { host: peer, port: 22, authorized: 'any' });
    }
  }

  /** `source | sink` (see replication-pipe.ts): simulated transfer time, progress, interruptions. */
  pipe(source: PipeCommand, sink: PipeCommand, opts?: PipeOptions): Promise<PipeResult> {
    return simulatePipe(this, (c, o) => this.run(c.command, c.args, { ...o, secrets: c.secrets }), source, sink, opts);
  }

  now(): number {
    return this.clock();
  }

  history(limit?: number): CommandRecord[] {
    return this.log.list(limit);
  }

  /** Changes with every change to the model, this process's (its generation) or another's (the state file's time). */
  async revision(): Promise<string> {
    const file = this.opts.dataDir ? join(this.opts.dataDir, STATE_FILE) : null;
    const mtime = file
      ? await stat(file).then(
          (s) => s.mtimeMs,
          () => 0,
        )
      : 0;
    return `${this.changedGen}/${mtime}`;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.commandLock.run(fn);
  }

  /** When the state file was last read or written by this process. */
  private stateMtimeMs = 0;
  /** Whether dead writers' temp files beside the state file were removed (once, at the first load). */
  private swept = false;
  /**
   * Group commit, as ZFS commits a transaction group: a command changes the model under the
   * command lock, takes a generation number and leaves the lock; it answers only once a state
   * write that includes its generation has been synced. Commands arriving while a write is in
   * flight share the next one, so persistence costs one fsync per batch, not per command.
   */
  private changedGen = 0;
  private durableGen = 0;
  private flushing: Promise<void> | null = null;

  /**
   * The model, from memory; read again when another process (`calypso sim fault-disk` next to a
   * running console or `serve`) changed the state file since.
   */
  private async loaded(): Promise<SimState> {
    const file = this.opts.dataDir ? join(this.opts.dataDir, STATE_FILE) : null;
    if (this.opts.dataDir && !this.swept) {
      // A process killed while saving left its temp file; once it is gone, nobody will rename it.
      await sweepStaleTemps(this.opts.dataDir, STATE_FILE);
      this.swept = true;
    }
    // Changes of ours not yet on disk (or being written) win over the file.
    if (this.state && (this.flushing || this.durableGen < this.changedGen)) return this.state;
    const mtime = file
      ? await stat(file).then(
          (s) => s.mtimeMs,
          () => 0,
        )
      : 0;
    if (this.state && (!file || mtime === this.stateMtimeMs)) return this.state;
    let model = this.state ? undefined : this.opts.model;
    if (!model && file && mtime) {
      model = JSON.parse(await readFile(file, 'utf8')) as SimModel;
      this.stateMtimeMs = mtime;
    }
    if (!model && this.state) return this.state;
    const fresh = !model;
    this.state = this.newState(model ?? defaultModel(this.clock()));
    if (fresh) await this.durable(this.changed());
    return this.state;
  }

  private newState(model: SimModel): SimState {
    return new SimState(model, (name) => model.disks.find((d) => d.name === name)?.sizeBytes ?? 0);
  }

  /** Marks the model changed (call under the command lock); returns the generation to wait for. */
  private changed(): number {
    return ++this.changedGen;
  }

  /** Resolves once the state file holds generation `gen` or a later one. */
  private async durable(gen: number): Promise<void> {
    while (this.durableGen < gen) {
      if (!this.flushing)
        this.flushing = this.save().finally(() => {
          this.flushing = null;
        });
      await this.flushing;
    }
  }

  private async save(): Promise<void> {
    const gen = this.changedGen;
    if (!this.opts.dataDir || !this.state) {
      this.durableGen = gen;
      return;
    }
    await mkdir(this.opts.dataDir, { recursive: true, mode: 0o700 });
    const target = join(this.opts.dataDir, STATE_FILE);
    // Named like writeAtomic's temp files (.name.<pid>.<time>.tmp), so the same sweep finds them.
    const temp = join(this.opts.dataDir, `.${STATE_FILE}.${process.pid}.${Date.now()}.tmp`);
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(this.state.model));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    this.stateMtimeMs = (await stat(target)).mtimeMs;
    this.durableGen = Math.max(this.durableGen, gen);
  }

  async run(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    // Arguments the real tool would refuse are refused (below, in its words) before any tool's simulation sees them.
    const refused = grammarRefusal(basename(command), args);
    const tape = refused ? null : await simulateTapeCommand(basename(command), args, this.files, this.clock);
    if (tape) return this.answered(command, args, opts, tape);
    const wallStart = Date.now();
    const overSsh = refused ? null : await simulateSshTool(this, command, args, opts);
    const { result, started, gen } = overSsh
      ? { result: overSsh, started: this.clock(), gen: 0 }
      : await this.exclusive(async () => {
          const started = this.clock();
          const state = await this.loaded();
          const ctx: SimContext = { state, now: started };
          const settled = settleScans(ctx);
          const tool = basename(command);
          let result: RunResult;
          try {
            const volsize = (path: string) =>
              path.startsWith('/dev/zvol/') ? Number(state.dsByName.get(path.slice(10))?.props['volsize'] ?? NaN) || null : null;
            const input = typeof opts.input === 'string' ? opts.input : opts.input?.toString('utf8');
            result =
              refused ??
              (await simulateShareTool(tool, args, { files: this.files, input, deviceSize: volsize })) ??
              simulateZfsStream(ctx, tool, args, input, simStreamFaults(this)) ??
              (await simulateChronyTool(tool, args, this.files, started)) ??
              (await simulateSnmpTool(tool, args, this.files)) ??
              (await simulateNetworkTool(tool, args, this.files)) ??
              (await simulateChpasswd(tool, args, input, this.files, started)) ??
              (await simulateServiceTool(tool, args, { files: this.files, now: started })) ??
              (await simulateBacula(tool, args, { files: this.files, input, now: started })) ??
              simulateCoreutil(tool, args) ??
              this.dispatch(ctx, tool, args);
          } catch (err) {
            if (!(err instanceof ToolExit)) throw err;
            result = fail(err.stderr, err.code);
          }
          const changed =
            settled ||
            (result.code === 0 &&
              !READ_ONLY.has(`${tool} ${args[0] ?? ''}`) &&
              (tool === 'zpool' || tool === 'zfs' || tool === 'wipefs' || (tool === 'smartctl' && args.includes('-t'))));
          return { result, started, gen: changed ? this.changed() : 0 };
        });
    // Like the real tools, a change is reported only once it is on stable storage.
    if (gen) await this.durable(gen);
    const okCodes = opts.okCodes ?? [0];
    const durationMs = Date.now() - wallStart;
    const at = new Date(started).toISOString();
    if (!okCodes.includes(result.code)) {
      const error = new HostCommandError(
        command,
        maskSecrets(args, opts.secrets),
        result.code,
        result.stderr,
        undefined,
        stdoutTail(result.stdout, opts.secrets),
      );
      this.log.add({ at, command, args: maskSecrets(args, opts.secrets), code: result.code, durationMs, error: error.message });
      throw error;
    }
    this.log.add({ at, command, args: maskSecrets(args, opts.secrets), code: result.code, durationMs });
    return result;
  }

  /**
   * `zfs list -H` line by line as the simulator produces them (a million snapshots never become
   * one string; the event loop gets a turn every few thousand lines); any other command is run
   * and its answer split.
   */
  async runLines(command: string, args: string[], onLine: (line: string) => void, opts: RunOptions = {}): Promise<RunLinesResult> {
    const tool = basename(command);
    if (tool !== 'zfs' || args[0] !== 'list' || grammarRefusal(tool, args)) {
      const result = await this.run(command, args, opts);
      forEachLine(result.stdout, onLine);
      return { code: result.code, stderr: result.stderr };
    }
    const wallStart = Date.now();
    const { result, started, gen } = await this.exclusive(async () => {
      const started = this.clock();
      const state = await this.loaded();
      const ctx: SimContext = { state, now: started };
      const settled = settleScans(ctx);
      let result: RunLinesResult;
      try {
        const plan = zfsListPlan(ctx, args.slice(1));
        if (plan.scripted) {
          let n = 0;
          for (const line of plan.lines()) {
            onLine(line);
            if (++n % 4096 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
          }
          result = { code: plan.code, stderr: plan.stderr };
        } else {
          const answer = zfsCommand(ctx, args);
          forEachLine(answer.stdout, onLine);
          result = { code: answer.code, stderr: answer.stderr };
        }
      } catch (err) {
        if (!(err instanceof ToolExit)) throw err;
        const failed = fail(err.stderr, err.code);
        result = { code: failed.code, stderr: failed.stderr };
      }
      return { result, started, gen: settled ? this.changed() : 0 };
    });
    if (gen) await this.durable(gen);
    const at = new Date(started).toISOString();
    const durationMs = Date.now() - wallStart;
    if (!(opts.okCodes ?? [0]).includes(result.code)) {
      const error = new HostCommandError(command, maskSecrets(args, opts.secrets), result.code, result.stderr);
      this.log.add({ at, command, args: maskSecrets(args, opts.secrets), code: result.code, durationMs, error: error.message });
      throw error;
    }
    this.log.add({ at, command, args: maskSecrets(args, opts.secrets), code: result.code, durationMs });
    return result;
  }

  /**
   * Tape libraries keep their own state and lock (src/system/sim/tape.ts), so a cartridge move
   * takes simulated time without holding up zfs: their answers are recorded here.
   */
  private answered(command: string, args: string[], opts: RunOptions, tape: { result: RunResult; started: number; wallMs: number }): RunResult {
    const entry = { at: new Date(tape.started).toISOString(), command, args: maskSecrets(args, opts.secrets), code: tape.result.code, durationMs: tape.wallMs };
    if (!(opts.okCodes ?? [0]).includes(tape.result.code)) {
      const error = new HostCommandError(command, entry.args, tape.result.code, tape.result.stderr, undefined, stdoutTail(tape.result.stdout, opts.secrets));
      this.log.add({ ...entry, error: error.message });
      throw error;
    }
    this.log.add(entry);
    return tape.result;
  }

  private dispatch(ctx: SimContext, tool: string, args: string[]): RunResult {
    switch (tool) {
      case 'zpool':
        return zpoolCommand(ctx, args);
      case 'zfs':
        return zfsCommand(ctx, args);
      case 'lsblk':
        return lsblkCommand(ctx.state.model, args);
      case 'smartctl':
        return smartctlCommand(ctx.state.model, args, ctx.now);
      case 'wipefs':
        return wipefsCommand(ctx.state.model, args);
      default:
        return fail(`${tool}: command not found`, 127);
    }
  }

  /** Runs a change to the model under the command lock, then persists it. */
  private async mutate<T>(fn: (ctx: SimContext) => T): Promise<T> {
    const { out, gen } = await this.exclusive(async () => {
      const state = await this.loaded();
      const ctx: SimContext = { state, now: this.clock() };
      settleScans(ctx);
      const out = fn(ctx);
      state.touch();
      return { out, gen: this.changed() };
    });
    invalidateZfsCache(this);
    await this.durable(gen);
    return out;
  }

  /** A deep copy of the current model (for inspection; changes to it have no effect). */
  async snapshotModel(): Promise<SimModel> {
    return this.exclusive(async () => structuredClone((await this.loaded()).model));
  }

  /**
   * Makes a drive fail. 'faulted': the vdev shows FAULTED "too many errors" with error counts;
   * 'removed': the drive vanished and the vdev shows UNAVAIL by GUID, "was /dev/...".
   */
  faultDisk(disk: string, mode: 'faulted' | 'removed' = 'faulted'): Promise<void> {
    return this.mutate(({ state }) => {
      const d = state.model.disks.find((x) => x.name === disk);
      if (!d) throw new Error(`no simulated disk ${disk}`);
      d.failed = true;
      d.smartPassed = false;
      d.reallocatedSectors = 2184;
      for (const pool of state.model.pools) {
        for (const leaf of leaves([...pool.vdevs, ...pool.logs, ...pool.special, ...pool.dedup, ...pool.cache])) {
          if (leaf.disk !== disk) continue;
          if (mode === 'removed') {
            leaf.state = 'UNAVAIL';
            leaf.aux = 'missing';
          } else {
            leaf.state = 'FAULTED';
            leaf.aux = 'errors';
            leaf.read = 3;
            leaf.write = 87;
            leaf.cksum = 0;
          }
        }
      }
    });
  }

  /** The drive is back (or was swapped for a good one): its vdevs resilver, then show ONLINE. */
  healDisk(disk: string): Promise<void> {
    return this.mutate((ctx) => {
      const d = ctx.state.model.disks.find((x) => x.name === disk);
      if (!d) throw new Error(`no simulated disk ${disk}`);
      d.failed = false;
      d.smartPassed = true;
      d.reallocatedSectors = 0;
      for (const pool of ctx.state.model.pools) {
        let touched = false;
        for (const leaf of leaves([...pool.vdevs, ...pool.logs, ...pool.special, ...pool.dedup, ...pool.cache])) {
          if (leaf.disk !== disk || leaf.state === 'ONLINE') continue;
          leaf.state = 'ONLINE';
          delete leaf.aux;
          leaf.read = 0;
          leaf.write = 0;
          leaf.cksum = 0;
          leaf.resilvering = true;
          touched = true;
        }
        if (touched && !pool.exported) startResilver(ctx, pool);
      }
    });
  }

  /** Leaves an old partition table or filesystem on a disk no pool uses (as a disk from another machine has). */
  labelDisk(disk: string, signatures: { pttype?: string; fstype?: string; label?: string }): Promise<void> {
    return this.mutate(({ state }) => {
      const d = state.model.disks.find((x) => x.name === disk);
      if (!d) throw new Error(`no simulated disk ${disk}`);
      d.signatures = { ...signatures };
    });
  }

  /** Makes a pool `percent` full by growing (or shrinking) its largest filesystem. */
  fill(poolName: string, percent: number): Promise<void> {
    return this.mutate(({ state }) => {
      const pool = state.pool(poolName);
      if (!pool) throw new Error(`no simulated pool ${poolName}`);
      const { size, dataFactor } = state.poolSizes(pool);
      const target = (Math.min(99, Math.max(0, percent)) / 100) * size;
      const current = state.poolAllocated(pool);
      const deltaData = Math.floor((target - current) / dataFactor);
      const members = state.model.datasets.filter((d) => d.type === 'filesystem' && (d.name === poolName || d.name.startsWith(`${poolName}/`)));
      const biggest = members.sort((a, b) => b.unique - a.unique)[0]!;
      const change = Math.max(-biggest.unique + 98304, deltaData);
      biggest.unique += change;
      biggest.referenced += change;
    });
  }

  /** A unit fails now and will not start until repaired (`calypso sim`: the service-down alert fires). */
  async failService(unit: string): Promise<void> {
    await this.exclusive(() => failSimulatedService(this.files, this.clock(), unit));
  }

  /** Undoes failService: the unit starts again when asked. */
  async repairService(unit: string): Promise<void> {
    await this.exclusive(() => repairSimulatedService(this.files, this.clock(), unit));
  }

  /** Back to the default appliance. */
  reset(): Promise<void> {
    return this.mutate((ctx) => {
      this.state = this.newState(defaultModel(ctx.now));
    });
  }

  /** Adds many filesystems and snapshots at once (for scale tests and demos). */
  seed(opts: SeedOptions): Promise<{ datasets: number; snapshots: number }> {
    return this.mutate((ctx) => {
      const { state } = ctx;
      const parent = opts.parent ?? 'tank/seed';
      const poolName = parent.split('/')[0]!;
      if (!state.pool(poolName)) throw new Error(`no simulated pool ${poolName}`);
      const nowSec = Math.floor(ctx.now / 1000);
      const chain = parent.split('/');
      for (let i = 2; i <= chain.length; i++) {
        const name = chain.slice(0, i).join('/');
        if (!state.dsByName.has(name)) {
          state.addDataset({
            name,
            type: 'filesystem',
            guid: newGuid(ctx.now),
            createtxg: state.nextTxg(),
            creation: nowSec,
            props: {},
            referenced: 98304,
            unique: 98304,
          });
        }
      }
      const added: SimDataset[] = [];
      const count = opts.datasets ?? 0;
      const width = String(Math.max(count, 1)).length;
      for (let i = 0; i < count; i++) {
        const name = `${parent}/ds${String(i).padStart(width, '0')}`;
        if (state.dsByName.has(name)) continue;
        const d: SimDataset = {
          name,
          type: 'filesystem',
          guid: newGuid(ctx.now),
          createtxg: state.nextTxg(),
          creation: nowSec - 86400,
          props: {},
          referenced: 1048576 + (i % 97) * 65536,
          unique: 1048576 + (i % 97) * 65536,
        };
        state.model.datasets.push(d);
        state.dsByName.set(name, d);
        added.push(d);
      }
      const hosts = added.length > 0 ? added : [state.dsByName.get(parent)!];
      const snapCount = opts.snapshots ?? 0;
      const snaps: SimSnapshot[] = [];
      const perHost = Math.ceil(snapCount / hosts.length);
      const baseTxg = state.model.txg + 1;
      for (let i = 0; i < snapCount; i++) {
        const host = hosts[i % hosts.length]!;
        const seq = Math.floor(i / hosts.length);
        const ageMin = (perHost - seq) * 15;
        const t = new Date((nowSec - ageMin * 60) * 1000);
        const stamp = `${t.getUTCFullYear()}${String(t.getUTCMonth() + 1).padStart(2, '0')}${String(t.getUTCDate()).padStart(2, '0')}-${String(t.getUTCHours()).padStart(2, '0')}${String(t.getUTCMinutes()).padStart(2, '0')}`;
        snaps.push({
          name: `${host.name}@auto-${stamp}-${String(seq).padStart(5, '0')}`,
          guid: newGuid(ctx.now),
          createtxg: baseTxg + seq,
          creation: nowSec - ageMin * 60,
          referenced: host.referenced,
          used: 4096 * ((i % 13) + 1),
        });
      }
      state.model.txg = baseTxg + perHost + 1;
      state.addSnapshotsBulk(snaps);
      for (const h of hosts) state.snapsOf.get(h.name)?.sort((a, b) => a.createtxg - b.createtxg);
      return { datasets: added.length, snapshots: snaps.length };
    });
  }

  async close(): Promise<void> {
    await this.durable(await this.exclusive(async () => this.changed()));
  }
}
