/**
 * Reads an scst.conf (as scstadmin -write_config and Calypso write it) back into targets, for
 * "adopt" after a hand edit. Only what Calypso manages is read; every other attribute is listed
 * in `ignored` so the user sees what adopting drops.
 */

export interface ScstDevice {
  handler: string;
  filename: string | null;
  readOnly: boolean;
}

export interface ScstLunRef {
  lun: number;
  device: string;
  group: string | null;
}

export interface ScstTarget {
  name: string;
  alias: string;
  enabled: boolean;
  relTgtId: number | null;
  allowedPortals: string[];
  incomingUser: { user: string; secret: string } | null;
  outgoingUser: { user: string; secret: string } | null;
  groups: { name: string; initiators: string[] }[];
  luns: ScstLunRef[];
}

export interface ParsedScstConf {
  devices: Map<string, ScstDevice>;
  targets: ScstTarget[];
  /** Lines Calypso does not manage (secrets never included). */
  ignored: string[];
}

export class ScstConfParseError extends Error {
  constructor(line: number, what: string) {
    super(`scst.conf line ${line}: ${what}`);
    this.name = 'ScstConfParseError';
  }
}

type Block =
  | { kind: 'root' }
  | { kind: 'handler'; name: string }
  | { kind: 'device'; name: string; handler: string }
  | { kind: 'driver'; name: string }
  | { kind: 'target'; target: ScstTarget }
  | { kind: 'group'; target: ScstTarget; group: { name: string; initiators: string[] } }
  | { kind: 'other'; name: string };

/** `"user secret"` or `user secret`. */
function credentials(rest: string): { user: string; secret: string } | null {
  const m = /^"?(\S+)\s+([^"\s]+)"?$/.exec(rest.trim());
  return m ? { user: m[1]!, secret: m[2]! } : null;
}

export function parseScstConf(text: string): ParsedScstConf {
  const devices = new Map<string, ScstDevice>();
  const targets: ScstTarget[] = [];
  const ignored: string[] = [];
  const stack: Block[] = [{ kind: 'root' }];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!.trim();
    const top = stack[stack.length - 1]!;
    const alias = /^#\s*alias:\s*(.*)$/.exec(raw);
    if (alias && top.kind === 'target') {
      top.target.alias = alias[1]!.trim();
      continue;
    }
    const line = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '');
    if (!line) continue;
    if (line === '}') {
      if (stack.length === 1) throw new ScstConfParseError(n + 1, 'unbalanced }');
      stack.pop();
      continue;
    }
    const open = /^(\S+)\s+(\S+)\s*\{$/.exec(line);
    if (open) {
      const [, keyword, name] = open as unknown as [string, string, string];
      if (keyword === 'HANDLER' && top.kind === 'root') stack.push({ kind: 'handler', name });
      else if (keyword === 'DEVICE' && top.kind === 'handler') {
        devices.set(name, { handler: top.name, filename: null, readOnly: false });
        stack.push({ kind: 'device', name, handler: top.name });
      } else if (keyword === 'TARGET_DRIVER' && top.kind === 'root' && name === 'iscsi') stack.push({ kind: 'driver', name });
      else if (keyword === 'TARGET' && top.kind === 'driver') {
        const target: ScstTarget = {
          name,
          alias: '',
          enabled: false,
          relTgtId: null,
          allowedPortals: [],
          incomingUser: null,
          outgoingUser: null,
          groups: [],
          luns: [],
        };
        targets.push(target);
        stack.push({ kind: 'target', target });
      } else if (keyword === 'GROUP' && top.kind === 'target') {
        const group = { name, initiators: [] as string[] };
        top.target.groups.push(group);
        stack.push({ kind: 'group', target: top.target, group });
      } else {
        ignored.push(`${keyword} ${name} (and everything in it)`);
        stack.push({ kind: 'other', name });
      }
      continue;
    }
    if (line.endsWith('{')) throw new ScstConfParseError(n + 1, `cannot read ${JSON.stringify(line)}`);
    const [key, ...restParts] = line.split(/\s+/);
    const rest = restParts.join(' ');
    // A device or target with no attributes may be written without braces.
    if (key === 'DEVICE' && top.kind === 'handler' && /^\S+$/.test(rest)) {
      devices.set(rest, { handler: top.name, filename: null, readOnly: false });
      continue;
    }
    if (key === 'TARGET' && top.kind === 'driver' && /^\S+$/.test(rest)) {
      targets.push({ name: rest, alias: '', enabled: false, relTgtId: null, allowedPortals: [], incomingUser: null, outgoingUser: null, groups: [], luns: [] });
      continue;
    }
    switch (top.kind) {
      case 'device': {
        const d = devices.get(top.name)!;
        if (key === 'filename') d.filename = rest;
        else if (key === 'read_only') d.readOnly = rest === '1';
        else ignored.push(`DEVICE ${top.name}: ${key}`);
        break;
      }
      case 'target': {
        const t = top.target;
        if (key === 'enabled') t.enabled = rest === '1';
        else if (key === 'rel_tgt_id') t.relTgtId = Number(rest);
        else if (key === 'allowed_portal') t.allowedPortals.push(rest);
        else if (key === 'IncomingUser' && !t.incomingUser) {
          t.incomingUser = credentials(rest);
          if (!t.incomingUser) throw new ScstConfParseError(n + 1, `${t.name}: IncomingUser needs "user secret"`);
        } else if (key === 'OutgoingUser' && !t.outgoingUser) {
          t.outgoingUser = credentials(rest);
          if (!t.outgoingUser) throw new ScstConfParseError(n + 1, `${t.name}: OutgoingUser needs "user secret"`);
        } else if (key === 'LUN') t.luns.push(lunRef(rest, null, n));
        else ignored.push(`TARGET ${t.name}: ${/User$/.test(key!) ? `${key} (another one)` : key}`);
        break;
      }
      case 'group': {
        if (key === 'LUN') top.target.luns.push(lunRef(rest, top.group.name, n));
        else if (key === 'INITIATOR') top.group.initiators.push(rest);
        else ignored.push(`GROUP ${top.group.name}: ${key}`);
        break;
      }
      case 'driver':
        if (key !== 'enabled') ignored.push(`TARGET_DRIVER ${top.name}: ${key}`);
        break;
      case 'other':
        break;
      default:
        ignored.push(`${top.kind === 'handler' ? `HANDLER ${top.name}: ` : ''}${key}`);
    }
  }
  if (stack.length !== 1) throw new ScstConfParseError(lines.length, 'a { is never closed');
  return { devices, targets, ignored };
}

function lunRef(rest: string, group: string | null, n: number): ScstLunRef {
  const m = /^(\d+)\s+(\S+)$/.exec(rest);
  if (!m) throw new ScstConfParseError(n + 1, `LUN needs a number and a device, got ${JSON.stringify(rest)}`);
  return { lun: Number(m[1]), device: m[2]!, group };
}
