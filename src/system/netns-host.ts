/**
 * A Host whose commands run inside a network namespace: `ip netns exec NS COMMAND ARGS...`
 * (iproute2 also gives the command the namespace's own /sys/class/net). Files are the inner
 * host's: a namespace separates the network, not the file system. Tests point Calypso at a
 * namespace they made, so nothing touches the machine's own interfaces.
 */
import type { CommandRecord, Host, HostFiles, RunOptions, RunResult } from './host.js';

/** A namespace name as `ip netns add` accepts it and no tool reads as an option. */
export const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export class NetnsHost implements Host {
  readonly kind: Host['kind'];
  readonly files: HostFiles;

  constructor(
    private readonly inner: Host,
    readonly namespace: string,
    private readonly ip = 'ip',
  ) {
    if (!NETNS_NAME.test(namespace)) throw new Error(`${JSON.stringify(namespace)} is not a network namespace name`);
    this.kind = inner.kind;
    this.files = inner.files;
  }

  run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    return this.inner.run(this.ip, ['netns', 'exec', this.namespace, command, ...args], opts);
  }

  now(): number {
    return this.inner.now?.() ?? Date.now();
  }

  history(limit?: number): CommandRecord[] {
    return this.inner.history(limit);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
