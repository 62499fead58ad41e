import type { RunResult } from '../../host.js';
import { baculaDirGrammar, baculaSdGrammar } from './bacula-daemons.js';
import { bconsoleGrammar } from './bconsole.js';
import { chpasswdGrammar } from './chpasswd.js';
import { chronycGrammar } from './chronyc.js';
import { chronydGrammar } from './chronyd.js';
import { chmodGrammar, chownGrammar } from './coreutils.js';
import { exportfsGrammar } from './exportfs.js';
import { readArgs, type ToolGrammar } from './grammar.js';
import { ipGrammar } from './ip.js';
import { journalctlGrammar } from './journalctl.js';
import { lsblkGrammar } from './lsblk.js';
import { lsscsiGrammar } from './lsscsi.js';
import { mtRefusal } from './mt.js';
import { mtxGrammar } from './mtx.js';
import { scstadminGrammar } from './scstadmin.js';
import { sgLogsGrammar } from './sg-logs.js';
import { smartctlGrammar } from './smartctl.js';
import { smbcontrolGrammar } from './smbcontrol.js';
import { snmptrapGrammar } from './snmptrap.js';
import { sshKeygenGrammar, sshKeyscanGrammar, sshRefusal } from './ssh.js';
import { systemctlGrammar } from './systemctl.js';
import { hostnamectlGrammar, timedatectlGrammar } from './systemd-tools.js';
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
  lsscsi: () => lsscsiGrammar,
  'ssh-keygen': () => sshKeygenGrammar,
  'ssh-keyscan': () => sshKeyscanGrammar,
  chronyd: () => chronydGrammar,
  'bacula-dir': () => baculaDirGrammar,
  'bacula-sd': () => baculaSdGrammar,
  timedatectl: () => timedatectlGrammar,
  hostnamectl: () => hostnamectlGrammar,
  snmptrap: () => snmptrapGrammar,
};

/** Tools that read their arguments themselves, without getopt: their answer to `args` before they do anything. */
const OWN_READERS: Record<string, (args: string[]) => RunResult | null> = {
  mt: mtRefusal,
  ssh: sshRefusal,
};

/** Tools whose arguments the simulated appliance checks by a grammar table here (zpool and zfs: in ../zpool.ts, ../zfs.ts). */
export const GRAMMAR_TOOLS = [...Object.keys(GRAMMARS), ...Object.keys(OWN_READERS)];

/** The real tool's refusal of `args`, or null when the tool would take them. */
export function grammarRefusal(tool: string, args: string[]): RunResult | null {
  const own = OWN_READERS[tool];
  if (own) return own(args);
  const grammar = GRAMMARS[tool];
  if (!grammar) return null;
  const read = readArgs(grammar(args), args);
  return 'refusal' in read ? read.refusal : null;
}
