/** `smbstatus --json` (Samba 4.16+): sessions, tree connects and open files. */
import { parseToolJson } from '../host.js';

export interface SmbSession {
  sessionId: string;
  username: string;
  group: string;
  remoteMachine: string;
  /** "ipv4:127.0.0.1:44396" as Samba prints it. */
  hostname: string;
  dialect: string;
  encryption: string;
  signing: string;
  /** Shares this session has connected to. */
  shares: { share: string; connectedAt: string }[];
}

export interface SmbOpenFile {
  path: string;
  share: string;
  filename: string;
  uid: number | null;
  pid: string;
  access: string;
  sharemode: string;
  openedAt: string;
}

export interface SmbStatus {
  version: string;
  sessions: SmbSession[];
  openFiles: SmbOpenFile[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export function parseSmbStatusJson(text: string): SmbStatus {
  const root = obj(parseToolJson('smbstatus', text));
  const tcons = Object.values(obj(root.tcons)).map(obj);
  const sessions: SmbSession[] = Object.values(obj(root.sessions)).map((raw) => {
    const s = obj(raw);
    const id = str(s.session_id);
    return {
      sessionId: id,
      username: str(s.username),
      group: str(s.groupname),
      remoteMachine: str(s.remote_machine),
      hostname: str(s.hostname),
      dialect: str(s.session_dialect),
      encryption: str(obj(s.encryption).degree) || 'none',
      signing: str(obj(s.signing).degree) || 'none',
      shares: tcons.filter((t) => str(t.session_id) === id).map((t) => ({ share: str(t.service), connectedAt: str(t.connected_at) })),
    };
  });
  const openFiles: SmbOpenFile[] = [];
  for (const [path, raw] of Object.entries(obj(root.open_files))) {
    const f = obj(raw);
    for (const [key, o] of Object.entries(obj(f.opens)).map(([k, v]) => [k, obj(v)] as const)) {
      const servicePath = str(f.service_path);
      const share = tcons.find((t) => str(obj(t.server_id).pid) === str(obj(o.server_id).pid))?.service;
      openFiles.push({
        path,
        share: str(share) || servicePath,
        filename: str(f.filename),
        uid: typeof o.uid === 'number' ? o.uid : null,
        pid: str(obj(o.server_id).pid) || key.split('/')[0]!,
        access: str(obj(o.access_mask).text),
        sharemode: str(obj(o.sharemode).text),
        openedAt: str(o.opened_at),
      });
    }
  }
  return { version: str(root.version), sessions, openFiles };
}
