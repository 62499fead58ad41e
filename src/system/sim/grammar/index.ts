import type { RunResult } from '../../host.js';
import { bconsoleGrammar } from './bconsole.js';
import { chpasswdGrammar } from './chpasswd.js';
import { chronycGrammar } from './chronyc.js';
import { chmodGrammar, chownGrammar } from './coreutils.js';
import { exportfsGrammar } from './exportfs.js';
import { readArgs, type ToolGrammar } from './grammar.js';
import { ipGrammar } from './ip.js';
import { journalctlGrammar } from './journalctl.js';
import { lsblkGrammar } from './lsblk.js';
import { mtxGrammar } from './mtx.js';
import { scstadminGrammar } from './scstadmin.js';
import { sgLogsGrammar } from './sg-logs.js';
import { smartctlGrammar } from './smartctl.js';
import { smbcontrolGrammar } from './smbcontrol.js';
import { systemctlGrammar } from './systemctl.js';
import { tapeinfoGrammar } from './tapeinfo.js';
import { testparmGrammar } from './testparm.js';
import { tgtadmGrammar } from './tgtadm.js';

export { readArgs, type ToolGrammar } from './grammar.js';

const GRAMMARS: Record<string, (args: string[]) => ToolGrammar> = {
  smartctl: smartctlGrammar,
  lsblk: () => lsblkGrammar,
  exportfs: () => exportfsGrammar,
  testparm: () => testparmGrammar,
  smbcontrol: () => smbcontrolGrammar,
  tgtadm: () => tgtadmGrammar,
  scstadmin: () => scstadminGrammar,
  sg_logs: () => sgLogsGrammar,
  tapeinfo: tapeinfoGrammar,
  systemctl: systemctlGrammar,
  mtx: mtxGrammar,
  chronyc: chronycGrammar,
  journalctl: () => journalctlGrammar,
  ip: () => ipGrammar,
  bconsole: () => bconsoleGrammar,
  chown: () => chownGrammar,
  chmod: () => chmodGrammar,
  chpasswd: () => chpasswdGrammar,
};

/** Tools whose arguments the simulated appliance checks by a grammar table here (zpool and zfs: in ../zpool.ts, ../zfs.ts). */
export const GRAMMAR_TOOLS = Object.keys(GRAMMARS);

/** The real tool's refusal of `args`, or null when the tool would take them. */
export function grammarRefusal(tool: string, args: string[]): RunResult | null {
  const grammar = GRAMMARS[tool];
  if (!grammar) return null;
  const read = readArgs(grammar(args), args);
  return 'refusal' in read ? read.refusal : null;
}
