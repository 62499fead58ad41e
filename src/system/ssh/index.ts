/**
 * OpenSSH as replication's transport: key pairs made with ssh-keygen, host keys read with
 * ssh-keyscan and pinned in a known_hosts file of Calypso's own, and the `ssh` argument array
 * that runs a command on the peer. Strict host key checking always: an unknown or changed key
 * ends the connection before anything is sent. The remote command passes through the peer's
 * shell, so every word of it is checked against a set of characters no shell treats specially.
 */
import { createHash } from 'node:crypto';
import { userArg, type Host } from '../host.js';

/** A host name (RFC 1123 labels), an IPv4 address or a bare IPv6 address. */
export const SSH_HOST = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^[0-9A-Fa-f:]{2,39}$/;
/** A POSIX user name as useradd takes it. */
export const SSH_USER = /^[a-z_][a-z0-9_.-]{0,31}$/;
/** What a word of a remote command may hold: ZFS names, options and values, nothing a shell expands. */
const REMOTE_WORD = /^[A-Za-z0-9_.:@/%=+,-]+$/;

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /** Private key file (0600, in Calypso's data directory). */
  keyPath: string;
  /** Calypso's known_hosts file with this peer's pinned key. */
  knownHostsPath: string;
}

export class UnsafeSshValue extends Error {
  constructor(what: string, value: string) {
    super(`refusing ${what} ${JSON.stringify(value)} for ssh`);
    this.name = 'UnsafeSshValue';
  }
}

function checkEndpoint(e: SshEndpoint): void {
  if (!SSH_HOST.test(e.host)) throw new UnsafeSshValue('host name', e.host);
  if (!SSH_USER.test(e.user)) throw new UnsafeSshValue('user name', e.user);
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) throw new UnsafeSshValue('port', String(e.port));
  for (const p of [e.keyPath, e.knownHostsPath]) if (!p.startsWith('/') || /[\s,]/.test(p)) throw new UnsafeSshValue('path', p);
}

/** `ssh -i KEY -o UserKnownHostsFile=PINNED -o StrictHostKeyChecking=yes -o BatchMode=yes -p PORT user@host REMOTE...` */
export function sshArgs(e: SshEndpoint, remote: string[]): string[] {
  checkEndpoint(e);
  for (const w of remote) if (!REMOTE_WORD.test(w)) throw new UnsafeSshValue('remote command word', w);
  return [
    '-i',
    e.keyPath,
    '-o',
    `UserKnownHostsFile=${e.knownHostsPath}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=20',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=4',
    '-p',
    String(e.port),
    `${e.user}@${e.host}`,
    ...remote,
  ];
}

/** `ssh-keygen -q -t ed25519 -N '' -C COMMENT -f PATH`: a new pair, private key at PATH, public at PATH.pub. */
export async function generateKeyPair(host: Host, path: string, comment: string): Promise<string> {
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(comment)) throw new UnsafeSshValue('key comment', comment);
  await host.run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', userArg(path)]);
  return (await host.files.read(`${path}.pub`)).trim();
}

/** `ssh-keygen -y -f PATH`: the public key of a private key file (fails on a passphrase or a bad file). */
export async function publicKeyOf(host: Host, path: string): Promise<string> {
  return (await host.run('ssh-keygen', ['-y', '-f', userArg(path)], { env: { SSH_ASKPASS: '' }, timeoutMs: 10_000 })).stdout.trim();
}

export interface PublicKey {
  type: string;
  /** The key blob, base64. */
  base64: string;
  comment: string;
}

const KEY_TYPES = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa']);

/** An OpenSSH public key line ("ssh-ed25519 AAAA... comment"), or null when it is not one. */
export function parsePublicKey(line: string): PublicKey | null {
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?: (.*))?$/.exec(line.trim());
  if (!m || !KEY_TYPES.has(m[1]!)) return null;
  const blob = Buffer.from(m[2]!, 'base64');
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len !== m[1]!.length || blob.subarray(4, 4 + len).toString('latin1') !== m[1]) return null;
  return { type: m[1]!, base64: m[2]!, comment: m[3] ?? '' };
}

/** The fingerprint ssh shows: `SHA256:` and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(key: Pick<PublicKey, 'base64'>): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(key.base64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** How known_hosts names a peer: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function knownHostsLine(host: string, port: number, key: Pick<PublicKey, 'type' | 'base64'>): string {
  return `${knownHostsName(host, port)} ${key.type} ${key.base64}`;
}

/**
 * The host keys `ssh-keyscan` printed (`name type base64` lines; comments start with '#').
 * Only keys for the name asked about count.
 */
export function parseKeyscan(text: string, host: string, port: number): PublicKey[] {
  const names = new Set([knownHostsName(host, port), host]);
  const out: PublicKey[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, ...rest] = line.trim().split(/\s+/);
    if (!names.has(name!)) continue;
    const key = parsePublicKey(rest.join(' '));
    if (key) out.push(key);
  }
  return out;
}

/** `ssh-keyscan -T 10 -t ed25519,ecdsa,rsa -p PORT HOST`: the keys the peer offers now. */
export async function scanHostKeys(host: Host, e: Pick<SshEndpoint, 'host' | 'port'>): Promise<PublicKey[]> {
  if (!SSH_HOST.test(e.host)) throw new UnsafeSshValue('host name', e.host);
  const res = await host.run('ssh-keyscan', ['-T', '10', '-t', 'ed25519,ecdsa,rsa', '-p', String(e.port), e.host], { okCodes: [0, 1], timeoutMs: 20_000 });
  return parseKeyscan(res.stdout, e.host, e.port);
}

/** Why ssh failed, in words with the next step, from its stderr; null when ssh itself did not fail. */
export function sshFailure(stderr: string, peer: string): { kind: 'host-key-changed' | 'host-key-unknown' | 'auth' | 'unreachable'; message: string } | null {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(stderr))
    return { kind: 'host-key-changed', message: `SSH host key changed for ${peer}: confirm the new fingerprint` };
  if (/host key is known for|Host key verification failed/.test(stderr))
    return { kind: 'host-key-unknown', message: `SSH host key of ${peer} is not pinned: scan it and confirm its fingerprint` };
  if (/Permission denied \(/.test(stderr))
    return { kind: 'auth', message: `${peer} refused Calypso's key: add the connection's public key to the peer's authorized_keys` };
  if (
    /Could not resolve hostname|Connection refused|Connection timed out|No route to host|Network is unreachable|Broken pipe|Connection reset|connection closed|Connection closed/i.test(
      stderr,
    )
  )
    return { kind: 'unreachable', message: `cannot reach ${peer}: ${stderr.trim().split('\n').pop()}` };
  return null;
}
