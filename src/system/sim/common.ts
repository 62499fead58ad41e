import type { RunResult } from '../host.js';
import type { SimDisk } from './model.js';

export function ok(stdout = '', stderr = ''): RunResult {
  return { code: 0, stdout, stderr };
}

export function fail(stderr: string, code = 1): RunResult {
  return { code, stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` };
}

/** Thrown inside a command handler to end it with the tool's error text and exit code. */
export class ToolExit extends Error {
  constructor(
    readonly stderr: string,
    readonly code = 1,
  ) {
    super(stderr);
  }
}

export interface ParsedOptions {
  flags: Set<string>;
  values: Map<string, string[]>;
  operands: string[];
}

/**
 * getopt(3) as the ZFS tools use it: clustered flags ("-rf"), option values attached or
 * separate ("-oname" / "-o name"), "--" ends options. `withValue` lists letters taking a value.
 */
export function getopt(args: string[], allowed: string, withValue: string, usage: string): ParsedOptions {
  const flags = new Set<string>();
  const values = new Map<string, string[]>();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      if (withValue.includes(c)) {
        const value = j + 1 < a.length ? a.slice(j + 1) : args[++i];
        if (value === undefined) throw new ToolExit(`missing argument for '${c}' option\n${usage}`, 2);
        values.set(c, [...(values.get(c) ?? []), value]);
        break;
      }
      if (!allowed.includes(c)) throw new ToolExit(`invalid option '${c}'\n${usage}`, 2);
      flags.add(c);
    }
  }
  return { flags, values, operands: args.slice(i) };
}

export function byIdName(disk: SimDisk): string {
  if (disk.tran === 'nvme') return `nvme-${disk.model.replace(/ /g, '_')}_${disk.serial}`;
  return `ata-${disk.model.replace(/ /g, '_')}_${disk.serial}`;
}

/** Partition 1 of a whole-disk vdev, as libzfs names it for each path style. */
export function partitionPath(path: string): string {
  if (path.startsWith('/dev/disk/')) return `${path}-part1`;
  if (/\d$/.test(path)) return `${path}p1`;
  return `${path}1`;
}

/** zfs_strip_path(): the short name zpool prints without -P. */
export function shortDeviceName(path: string): string {
  return path.replace(/^\/dev\/disk\/by-[a-z]+\//, '').replace(/^\/dev\//, '');
}
