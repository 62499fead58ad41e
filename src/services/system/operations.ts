/** system.info and system.commands.list: the daemon describes itself and the commands it ran. */
import os from 'node:os';
import { systemContracts as c, systemPermissions, type SystemInfo } from '../../contracts/system.js';
import type { Host } from '../../system/host.js';
import { implement, type Registry } from '../core/registry.js';

/** What the daemon says of itself; the composition root fills it in (the TCP address is known after listening). */
export interface AboutInfo {
  version: string;
  database: string;
  apiUrl: string | null;
  logFile: string | null;
}

export function registerSystem(registry: Registry, host: Host, about: AboutInfo): void {
  registry.addPermissions(systemPermissions);
  const startedAt = new Date().toISOString();
  registry.add(
    implement(c['system.info'], async (): Promise<SystemInfo> => ({
      product: 'calypso',
      version: about.version,
      hostKind: host.kind,
      hostname: os.hostname(),
      database: about.database,
      apiUrl: about.apiUrl,
      logFile: about.logFile,
      pid: process.pid,
      startedAt,
    })),
  );
  registry.add(
    implement(c['system.commands.list'], async (_ctx, i) => {
      // history(n) is the newest n, oldest first; the host keeps a bounded ring.
      const all = host.history();
      const after = i.afterSeq === undefined ? all : all.filter((r) => r.seq > i.afterSeq!);
      const items = after.slice(-i.limit);
      return { items, total: after.length };
    }),
  );
}
