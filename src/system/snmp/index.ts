/**
 * Net-SNMP: the agent's configuration (snmpd.conf) rendered from the desired state, and traps
 * sent with `snmptrap`. Secrets (v2c communities, v3 passphrases) never reach an argument list:
 * the agent reads them from its 0600 config file, and snmptrap from a 0600 snmp.conf in a
 * private directory named by SNMPCONFPATH (defCommunity, defAuthPassphrase...), which is
 * emptied again after the send.
 */
import type { Host } from '../host.js';
import { userArg } from '../host.js';

export type SnmpAuthProtocol = 'SHA' | 'SHA-256';
export type SnmpPrivProtocol = 'AES';

export interface SnmpCommunity {
  community: string;
  /** Source networks allowed to read with it (CIDR). */
  sources: string[];
}

export interface SnmpUser {
  name: string;
  authProtocol: SnmpAuthProtocol;
  authPassphrase: string;
  privProtocol: SnmpPrivProtocol;
  privPassphrase: string;
}

export interface SnmpdConfig {
  listenAddress: string;
  port: number;
  location: string;
  contact: string;
  communities: SnmpCommunity[];
  users: SnmpUser[];
}

/** A community, user name or passphrase: printable ASCII without spaces, quotes, backslashes or '#'. */
export const SNMP_TOKEN = /^[A-Za-z0-9!$%&()*+,./:;<=>?@[\]^_`{|}~-]+$/;
/** sysLocation and sysContact: one line of printable ASCII (snmpd takes the rest of the line). */
export const SNMP_TEXT = /^[ -~]*$/;
const ADDRESS = /^[0-9A-Fa-f:.]+$/;
const NETWORK = /^[0-9A-Fa-f:.]+\/\d{1,3}$/;

function token(what: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value) || value.startsWith('-') || value.trim() !== value)
    throw new Error(`refusing to render ${what} into snmpd.conf: it is not one safe word or line`);
  return value;
}

/** snmpd's transport for an address: udp:1.2.3.4:161 or udp6:[::1]:161. */
export function agentTransport(address: string, port: number): string {
  token('the listen address', address, ADDRESS);
  return address.includes(':') ? `udp6:[${address}]:${port}` : `udp:${address}:${port}`;
}

/**
 * snmpd.conf. Persistent storage is neither loaded nor saved: the v3 users exist only while
 * this file names them (a user removed here cannot linger in /var/lib/snmp), and the agent
 * never writes the passphrases' keys to a file of its own.
 */
export function renderSnmpdConf(config: SnmpdConfig, extra: string[] = []): string {
  const lines = [
    '# Written by Calypso: changes made here are replaced at the next apply. Holds secrets: mode 0600.',
    '[snmp] noPersistentLoad yes',
    '[snmp] noPersistentSave yes',
    `agentAddress ${agentTransport(config.listenAddress, config.port)}`,
    ...extra,
  ];
  if (config.location) lines.push(`sysLocation ${token('sysLocation', config.location, SNMP_TEXT)}`);
  if (config.contact) lines.push(`sysContact ${token('sysContact', config.contact, SNMP_TEXT)}`);
  lines.push('sysServices 72');
  for (const c of config.communities) {
    const community = token('a community', c.community, SNMP_TOKEN);
    for (const net of c.sources) {
      token('a source network', net, NETWORK);
      lines.push(`${net.includes(':') ? 'rocommunity6' : 'rocommunity'} ${community} ${net}`);
    }
  }
  for (const u of config.users) {
    const name = token('a user name', u.name, SNMP_TOKEN);
    lines.push(
      `createUser ${name} ${u.authProtocol} ${token('a passphrase', u.authPassphrase, SNMP_TOKEN)} ${u.privProtocol} ${token('a passphrase', u.privPassphrase, SNMP_TOKEN)}`,
    );
    lines.push(`rouser ${name} priv`);
  }
  return `${lines.join('\n')}\n`;
}

/** How a trap reaches its manager and proves who sent it. */
export type TrapAuth =
  | { version: '2c'; community: string }
  | {
      version: '3';
      user: string;
      authProtocol: SnmpAuthProtocol;
      authPassphrase: string;
      privProtocol: SnmpPrivProtocol;
      privPassphrase: string;
      /** The sender's engine ID (hex, 0x...): the manager keys the user to it. */
      engineId: string;
    };

export interface TrapVarbind {
  oid: string;
  type: 'i' | 'u' | 's';
  value: string | number;
}

export interface Trap {
  manager: string;
  port: number;
  /** snmpTrapOID: which notification this is. */
  oid: string;
  varbinds: TrapVarbind[];
}

const OID = /^\d+(?:\.\d+)+$/;
export const ENGINE_ID = /^0x[0-9A-Fa-f]{10,64}$/;

/** The snmp.conf snmptrap reads its secrets from (never its command line). */
export function trapClientConf(auth: TrapAuth): string {
  if (auth.version === '2c') return ['defVersion 2c', `defCommunity ${token('a community', auth.community, SNMP_TOKEN)}`, ''].join('\n');
  return [
    'defVersion 3',
    `defSecurityName ${token('a user name', auth.user, SNMP_TOKEN)}`,
    'defSecurityLevel authPriv',
    `defAuthType ${auth.authProtocol}`,
    `defPrivType ${auth.privProtocol}`,
    `defAuthPassphrase ${token('a passphrase', auth.authPassphrase, SNMP_TOKEN)}`,
    `defPrivPassphrase ${token('a passphrase', auth.privPassphrase, SNMP_TOKEN)}`,
    '',
  ].join('\n');
}

/** Text for a string varbind: one line, and never read as an option. */
function textValue(value: string): string {
  const line = value.replace(/[\r\n\t]+/g, ' ');
  return line.startsWith('-') ? ` ${line}` : line;
}

/** snmptrap's arguments: no MIB files (numeric OIDs), the manager, uptime '' (the sender's), the trap OID and its varbinds. */
export function trapArgs(trap: Trap, auth: TrapAuth): string[] {
  const args = ['-m', ''];
  if (auth.version === '3') {
    if (!ENGINE_ID.test(auth.engineId)) throw new Error('the engine ID must be 0x and 10-64 hex digits');
    args.push('-e', auth.engineId);
  }
  const manager = trap.manager.includes(':') ? `udp6:[${trap.manager}]:${trap.port}` : `udp:${userArg(trap.manager)}:${trap.port}`;
  if (!OID.test(trap.oid)) throw new Error(`not a numeric OID: ${trap.oid}`);
  args.push(manager, '', trap.oid);
  for (const v of trap.varbinds) {
    if (!OID.test(v.oid)) throw new Error(`not a numeric OID: ${v.oid}`);
    args.push(v.oid, v.type, v.type === 's' ? textValue(String(v.value)) : String(Math.trunc(Number(v.value))));
  }
  return args;
}

const sendQueues = new Map<string, Promise<unknown>>();

/**
 * Sends traps with snmptrap. `confDir` is a directory only Calypso reads: the secrets go to
 * `confDir/snmp.conf` (0600) for the one send, and are overwritten with nothing afterwards
 * (the file and writeAtomic's previous copy), one send at a time per directory.
 */
export class SnmpTrapSender {
  constructor(
    private readonly host: Host,
    private readonly confDir: string,
  ) {}

  send(trap: Trap, auth: TrapAuth, timeoutMs = 10_000): Promise<void> {
    const file = `${this.confDir}/snmp.conf`;
    const run = async () => {
      await this.host.files.writeAtomic(file, trapClientConf(auth), { mode: 0o600 });
      try {
        await this.host.run('snmptrap', trapArgs(trap, auth), {
          timeoutMs,
          env: { SNMPCONFPATH: this.confDir, SNMP_PERSISTENT_DIR: `${this.confDir}/persist`, POSIXLY_CORRECT: '1' },
        });
      } finally {
        await this.host.files.writeAtomic(file, '', { mode: 0o600 });
        await this.host.files.writeAtomic(file, '', { mode: 0o600 });
      }
    };
    const prev = sendQueues.get(file) ?? Promise.resolve();
    const next = prev.then(run, run);
    sendQueues.set(
      file,
      next.catch(() => undefined),
    );
    return next;
  }
}
