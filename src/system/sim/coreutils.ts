/**
 * The few coreutils Calypso runs on the simulated appliance: `chown USER:GROUP PATH` and `chmod
 * MODE PATH` (a backup repository's folder handed to the storage daemon's user). They answer as
 * GNU coreutils 9.1 does under LC_ALL=C (its sentences checked here with the real tools): an unknown user or group, a mode that is not octal, a relative path or a
 * missing operand are refused with its sentences; anything else succeeds (the simulated file
 * tree keeps no owners of folders).
 */
import type { RunResult } from '../host.js';

/** The accounts of the simulated appliance (Debian's packages add bacula; tape is a system group). */
const USERS = new Set(['root', 'bacula', 'nobody']);
const GROUPS = new Set(['root', 'bacula', 'tape', 'nogroup']);

const ok: RunResult = { code: 0, stdout: '', stderr: '' };
const fail = (tool: string, text: string): RunResult => ({ code: 1, stdout: '', stderr: `${tool}: ${text}\n` });

export function simulateCoreutil(tool: string, args: string[]): RunResult | null {
  if (tool !== 'chown' && tool !== 'chmod') return null;
  const operands = args.filter((a) => !a.startsWith('-'));
  const help = `Try '${tool} --help' for more information.`;
  if (!operands.length) return fail(tool, `missing operand\n${help}`);
  const [what, ...paths] = operands;
  if (tool === 'chmod' && !/^[0-7]{3,4}$/.test(what!)) return fail(tool, `invalid mode: '${what}'\n${help}`);
  if (!paths.length) return fail(tool, `missing operand after '${what}'\n${help}`);
  if (tool === 'chown') {
    const [user, group] = what!.split(':');
    if (!user || !USERS.has(user)) return fail(tool, `invalid user: '${what}'`);
    if (group !== undefined && !GROUPS.has(group)) return fail(tool, `invalid group: '${what}'`);
  }
  const relative = paths.find((p) => !p.startsWith('/'));
  if (relative) return fail(tool, `cannot access '${relative}': No such file or directory`);
  return ok;
}
