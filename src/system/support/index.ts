/**
 * What a support bundle runs on the appliance (issue 15): the tools' version lines and the
 * status commands, each an argument list of the tool's own usage, run through the Host and
 * captured as text whatever happens (a missing tool or a failing command is recorded, not thrown).
 */
import type { Host } from '../host.js';

/** `tool --version` and the like: which version of each tool the appliance runs. */
export const TOOL_VERSIONS: readonly [string, string[]][] = [
  ['zfs', ['version']],
  ['smbd', ['--version']],
  ['chronyd', ['-v']],
  ['snmpd', ['-v']],
];

/** Status commands whose raw output a support engineer reads. */
export const STATUS_COMMANDS: readonly [string, string[]][] = [
  ['zpool', ['status', '-v']],
  ['zpool', ['list', '-v']],
  ['zfs', ['list', '-o', 'name,used,avail,refer,mountpoint']],
  ['chronyc', ['-c', 'tracking']],
  ['chronyc', ['-c', 'sources']],
];

/** The command line and what it printed (or why it could not run), as one text. */
export async function capture(host: Host, command: string, args: string[]): Promise<string> {
  const line = `$ ${command} ${args.join(' ')}\n`;
  try {
    const r = await host.run(command, args, { timeoutMs: 20_000, okCodes: [0, 1] });
    return `${line}${r.stdout}${r.stderr ? `\n[stderr]\n${r.stderr}` : ''}`;
  } catch (err) {
    return `${line}[failed] ${err instanceof Error ? err.message : String(err)}\n`;
  }
}
