/**
 * tgt (the Linux SCSI target framework in user space), driven with tgtadm. It has no config file
 * Calypso owns: the live state is read with `--op show` and brought to the model target by target.
 */
import type { Host } from '../host.js';
import { userArg } from '../host.js';
import type { IscsiTargetConf } from '../scst/model.js';

export interface TgtLun {
  lun: number;
  type: string;
  sizeBytes: number | null;
  backingPath: string | null;
  readOnly: boolean;
}

export interface TgtTarget {
  tid: number;
  name: string;
  sessions: { nexus: number; initiator: string; addresses: string[] }[];
  luns: TgtLun[];
  /** Incoming account names. */
  accounts: string[];
  outgoingAccounts: string[];
  acl: string[];
}

/** `tgtadm --lld iscsi --mode target --op show` (tgt 1.0.x). */
export function parseTgtShow(text: string): TgtTarget[] {
  const targets: TgtTarget[] = [];
  let t: TgtTarget | null = null;
  let block = '';
  let lun: TgtLun | null = null;
  for (const raw of text.split('\n')) {
    const head = /^Target (\d+): (\S+)/.exec(raw);
    if (head) {
      t = { tid: Number(head[1]), name: head[2]!, sessions: [], luns: [], accounts: [], outgoingAccounts: [], acl: [] };
      targets.push(t);
      block = '';
      continue;
    }
    if (!t) continue;
    const l = raw.trim();
    if (/^[A-Za-z_ ]+ information:$/.test(l)) {
      block = l;
      continue;
    }
    if (block === 'I_T nexus information:') {
      const nexus = /^I_T nexus: (\d+)/.exec(l);
      if (nexus) t.sessions.push({ nexus: Number(nexus[1]), initiator: '', addresses: [] });
      const ini = /^Initiator: (\S+)/.exec(l);
      if (ini && t.sessions.length) t.sessions[t.sessions.length - 1]!.initiator = ini[1]!;
      const ip = /^IP Address: (\S+)/.exec(l);
      if (ip && t.sessions.length) t.sessions[t.sessions.length - 1]!.addresses.push(ip[1]!);
    } else if (block === 'LUN information:') {
      const m = /^LUN: (\d+)$/.exec(l);
      if (m) {
        lun = { lun: Number(m[1]), type: '', sizeBytes: null, backingPath: null, readOnly: false };
        t.luns.push(lun);
        continue;
      }
      if (!lun) continue;
      const [key, ...rest] = l.split(':');
      const value = rest.join(':').trim();
      if (key === 'Type') lun.type = value;
      else if (key === 'Size') {
        const mb = /^(\d+) MB/.exec(value);
        lun.sizeBytes = mb ? Number(mb[1]) * 1000 * 1000 : null;
      } else if (key === 'Backing store path') lun.backingPath = value === 'None' ? null : value;
      else if (key === 'Readonly') lun.readOnly = value === 'Yes';
    } else if (block === 'Account information:' && l) {
      const out = /^(\S+) \(outgoing\)$/.exec(l);
      if (out) t.outgoingAccounts.push(out[1]!);
      else t.accounts.push(l);
    } else if (block === 'ACL information:' && l) {
      t.acl.push(l);
    }
  }
  return targets;
}

/** What tgt would show for a target built from `conf`: compared to decide whether to rebuild it. */
function signature(luns: { lun: number; path: string | null; ro: boolean }[], acl: string[], inUser: string[], outUser: string[]): string {
  return JSON.stringify({
    luns: [...luns].sort((a, b) => a.lun - b.lun),
    acl: [...acl].sort(),
    inUser: [...inUser].sort(),
    outUser: [...outUser].sort(),
  });
}

function desiredSignature(t: IscsiTargetConf): string {
  const luns = t.luns.filter((l) => l.enabled).map((l) => ({ lun: l.lun, path: l.backingPath, ro: l.readOnly }));
  return signature(luns, aclOf(t), t.chap ? [t.chap.user] : [], t.mutualChap ? [t.mutualChap.user] : []);
}

function liveSignature(t: TgtTarget): string {
  const luns = t.luns.filter((l) => l.type !== 'controller').map((l) => ({ lun: l.lun, path: l.backingPath, ro: l.readOnly }));
  return signature(luns, t.acl, t.accounts, t.outgoingAccounts);
}

/** tgt has no per-initiator LUN masking: a target admits the union of its groups, or everyone. */
function aclOf(t: IscsiTargetConf): string[] {
  const initiators = [...new Set(t.groups.flatMap((g) => g.initiators))];
  return initiators.length ? initiators : ['ALL'];
}

export interface TgtOptions {
  /** tgtd's control port (`tgtd -C N` / `tgtadm -C N`); null: the default instance. */
  controlPort: number | null;
}

export class TgtAdapter {
  constructor(
    private readonly host: Host,
    private readonly opts: TgtOptions,
  ) {}

  /** `secrets`: tgtadm takes CHAP passwords only as arguments; keep them out of history and errors. */
  private adm(args: string[], secrets?: string[]) {
    const port = this.opts.controlPort === null ? [] : ['-C', String(this.opts.controlPort)];
    return this.host.run('tgtadm', [...port, '--lld', 'iscsi', ...args], { secrets });
  }

  async show(): Promise<TgtTarget[]> {
    return parseTgtShow((await this.adm(['--mode', 'target', '--op', 'show'])).stdout);
  }

  /**
   * Brings tgt to `targets` (only enabled ones exist in tgt). A target whose LUNs, ACL or
   * accounts differ, or that is named in `rebuild` (its secrets changed), is deleted and
   * created again; others are left alone so their sessions survive.
   */
  async reconcile(targets: IscsiTargetConf[], rebuild: Set<string> = new Set()): Promise<void> {
    const wanted = new Map(targets.filter((t) => t.enabled).map((t) => [t.name, t]));
    for (const t of wanted.values()) {
      if (t.luns.some((l) => l.enabled && l.lun === 0)) throw new Error(`tgt reserves LUN 0 for its controller: number the LUNs of ${t.name} from 1`);
    }
    const live = await this.show();
    const keep = new Set<string>();
    for (const l of live) {
      const want = wanted.get(l.name);
      if (want && !rebuild.has(l.name) && desiredSignature(want) === liveSignature(l)) {
        keep.add(l.name);
        continue;
      }
      await this.adm(['--mode', 'target', '--op', 'delete', '--force', '--tid', String(l.tid)]);
    }
    const used = new Set(live.filter((l) => keep.has(l.name)).map((l) => l.tid));
    let next = 1;
    for (const t of [...wanted.values()].sort((a, b) => a.relTgtId - b.relTgtId)) {
      if (keep.has(t.name)) continue;
      while (used.has(next)) next++;
      const tid = String(next);
      used.add(next);
      await this.adm(['--mode', 'target', '--op', 'new', '--tid', tid, '--targetname', userArg(t.name)]);
      for (const l of t.luns.filter((x) => x.enabled).sort((a, b) => a.lun - b.lun)) {
        await this.adm(['--mode', 'logicalunit', '--op', 'new', '--tid', tid, '--lun', String(l.lun), '--backing-store', userArg(l.backingPath)]);
        if (l.readOnly) await this.adm(['--mode', 'logicalunit', '--op', 'update', '--tid', tid, '--lun', String(l.lun), '--params', 'readonly=1']);
      }
      for (const a of aclOf(t)) {
        await this.adm([
          '--mode',
          'target',
          '--op',
          'bind',
          '--tid',
          tid,
          ...(a === 'ALL' ? ['--initiator-address', 'ALL'] : ['--initiator-name', userArg(a)]),
        ]);
      }
      for (const [account, outgoing] of [
        [t.chap, false],
        [t.mutualChap, true],
      ] as const) {
        if (!account) continue;
        await this.host.run(
          'tgtadm',
          [
            ...(this.opts.controlPort === null ? [] : ['-C', String(this.opts.controlPort)]),
            '--lld',
            'iscsi',
            '--mode',
            'account',
            '--op',
            'delete',
            '--user',
            userArg(account.user),
          ],
          { okCodes: [0, 22] },
        );
        await this.adm(['--mode', 'account', '--op', 'new', '--user', userArg(account.user), '--password', userArg(account.secret)], [account.secret]);
        await this.adm(['--mode', 'account', '--op', 'bind', '--tid', tid, '--user', userArg(account.user), ...(outgoing ? ['--outgoing'] : [])]);
      }
    }
  }
}
