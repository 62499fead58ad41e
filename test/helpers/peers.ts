/** Hosts for the sharing tests: one that can be told to fail a tool, and one that runs the real tools. */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { CommandRecord, Host, HostFiles, RunOptions, RunResult } from '../../src/system/host.js';
import { HostCommandError } from '../../src/system/host.js';
import { LocalHost } from '../../src/system/local-host.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';

/** The simulated appliance, with a switch that makes one tool fail (to test rollback). */
export class FlakyHost implements Host {
  readonly kind = 'sim' as const;
  failing: string | null = null;
  constructor(readonly inner = new SimulatedHost()) {}
  get files(): HostFiles {
    return this.inner.files;
  }
  async run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    if (command === this.failing) throw new HostCommandError(command, args, 1, `${command}: simulated failure\n`);
    return this.inner.run(command, args, opts);
  }
  history(limit?: number): CommandRecord[] {
    return this.inner.history(limit);
  }
}

/**
 * The real sharing tools on this machine, with ZFS answered by the simulated appliance: a real
 * directory stands in for a dataset's mountpoint (no ZFS kernel module here).
 */
export class PeerHost implements Host {
  readonly kind = 'local' as const;
  readonly local = new LocalHost();
  readonly sim = new SimulatedHost();
  get files(): HostFiles {
    return this.local.files;
  }
  run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    return command === 'zfs' || command === 'zpool' ? this.sim.run(command, args, opts) : this.local.run(command, args, opts);
  }
  history(limit?: number): CommandRecord[] {
    return this.local.history(limit);
  }
}

function has(binary: string): boolean {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (fs.existsSync(`${dir}/${binary}`)) return true;
  }
  return false;
}

/**
 * Whether the real peers can run. Missing tools fail the suite when CALYPSO_REQUIRE_PEERS=1
 * (CI), and skip it (with a message) otherwise.
 */
export function peersAvailable(binaries: string[]): boolean {
  const missing = binaries.filter((b) => !has(b));
  if (missing.length === 0 && process.getuid?.() === 0) return true;
  const why = missing.length ? `missing ${missing.join(', ')}` : 'not running as root';
  if (process.env.CALYPSO_REQUIRE_PEERS === '1') throw new Error(`real-peer test cannot run: ${why} (CALYPSO_REQUIRE_PEERS=1)`);
  process.stderr.write(`skipping real-peer test: ${why}\n`);
  return false;
}

export function sh(cmd: string, args: string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    throw new Error(`${cmd} ${args.join(' ')} exited ${e.status}: ${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
