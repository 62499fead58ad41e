/** SCST: /etc/scst.conf rendered from Calypso's model and applied with scstadmin. */
import type { Host } from '../host.js';
import { BACKING_PATH, CHAP_SECRET, CHAP_USER, ISCSI_ALIAS, SCST_NAME, iscsiNameProblem } from '../../vocabulary/iscsi.js';
import type { IscsiTargetConf } from './model.js';

export * from './model.js';

export const SCST_HEADER = '# Managed by Calypso. Edits here are reported as drift; adopt them or overwrite them from the console.\n';

const HANDLERS: Record<string, string> = { zvol: 'vdisk_blockio', disk: 'vdisk_blockio', file: 'vdisk_fileio' };

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`scst.conf: ${what}`);
}

function checkTarget(t: IscsiTargetConf): void {
  check(iscsiNameProblem(t.name) === null, `bad target name ${JSON.stringify(t.name)}`);
  check(ISCSI_ALIAS.test(t.alias), 'bad alias');
  for (const c of [t.chap, t.mutualChap]) if (c) check(CHAP_USER.test(c.user) && CHAP_SECRET.test(c.secret), 'bad CHAP credentials');
  for (const g of t.groups) {
    check(SCST_NAME.test(g.name), `bad group name ${JSON.stringify(g.name)}`);
    for (const i of g.initiators) check(iscsiNameProblem(i) === null, `bad initiator ${JSON.stringify(i)}`);
  }
  for (const l of t.luns) {
    check(SCST_NAME.test(l.device) && BACKING_PATH.test(l.backingPath), `bad LUN ${l.lun}`);
  }
}

/** The whole scst.conf (mode 0600: it holds CHAP secrets). The iSCSI driver is enabled even with no targets. */
export function renderScstConf(targets: IscsiTargetConf[]): string {
  const sorted = [...targets].sort((a, b) => (a.name < b.name ? -1 : 1));
  sorted.forEach(checkTarget);
  let out = SCST_HEADER;
  const live = sorted.flatMap((t) => t.luns.filter((l) => l.enabled).map((l) => ({ t, l })));
  for (const handler of ['vdisk_blockio', 'vdisk_fileio']) {
    const devices = live.filter(({ l }) => HANDLERS[l.backingType] === handler).sort((a, b) => (a.l.device < b.l.device ? -1 : 1));
    if (devices.length === 0) continue;
    out += `\nHANDLER ${handler} {\n`;
    for (const { l } of devices) {
      out += `\tDEVICE ${l.device} {\n\t\tfilename ${l.backingPath}\n\t\tread_only ${l.readOnly ? 1 : 0}\n\t}\n`;
    }
    out += '}\n';
  }
  out += '\nTARGET_DRIVER iscsi {\n\tenabled 1\n';
  for (const t of sorted) {
    out += `\n\tTARGET ${t.name} {\n`;
    if (t.alias) out += `\t\t# alias: ${t.alias}\n`;
    out += `\t\tenabled ${t.enabled ? 1 : 0}\n`;
    out += `\t\trel_tgt_id ${t.relTgtId}\n`;
    if (t.chap) out += `\t\tIncomingUser "${t.chap.user} ${t.chap.secret}"\n`;
    if (t.mutualChap) out += `\t\tOutgoingUser "${t.mutualChap.user} ${t.mutualChap.secret}"\n`;
    for (const ip of [...new Set(t.portals.map((p) => p.ip))].sort()) out += `\t\tallowed_portal ${ip}\n`;
    const luns = t.luns.filter((l) => l.enabled).sort((a, b) => a.lun - b.lun);
    for (const l of luns.filter((x) => x.group === null)) out += `\t\tLUN ${l.lun} ${l.device}\n`;
    for (const g of [...t.groups].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      out += `\n\t\tGROUP ${g.name} {\n`;
      for (const l of luns.filter((x) => x.group === g.name)) out += `\t\t\tLUN ${l.lun} ${l.device}\n`;
      for (const i of [...g.initiators].sort()) out += `\t\t\tINITIATOR ${i}\n`;
      out += '\t\t}\n';
    }
    out += '\t}\n';
  }
  out += '}\n';
  return out;
}

/** A hand-edited scst.conf as text to show in a drift report: CHAP secrets blanked. */
export function redactScstConf(text: string): string {
  return text.replace(/^(\s*(?:Incoming|Outgoing)User\s+"?\S+\s+)[^"\n]*("?)/gm, '$1[redacted]$2');
}

export class ScstAdapter {
  constructor(private readonly host: Host) {}

  async check(path: string): Promise<void> {
    await this.host.run('scstadmin', ['-check_config', path]);
  }

  /** Brings SCST to exactly the file's configuration. */
  async apply(path: string): Promise<void> {
    await this.host.run('scstadmin', ['-noprompt', '-force', '-config', path]);
  }
}
