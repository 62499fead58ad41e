/**
 * The simulated appliance's side of replication's transport: the pipe (`zfs send | zfs receive`,
 * or into `ssh ... zfs receive` on another simulated appliance), OpenSSH's ssh, ssh-keygen and
 * ssh-keyscan, with their refusals in OpenSSH's words (unknown or changed host key, key not
 * authorised, host unknown, connection refused). Peers are other SimulatedHosts registered under
 * a host name; each has an ed25519 host key of its own and a list of authorised public keys.
 *
 * Time: a simulated transfer takes bytes / link speed (or the bandwidth limit, when lower) of
 * simulated time, reported through onBytes and as `zfs send -vP` progress lines; no wall-clock
 * wait. A test can cut the next transfers short (interruptTransfers) to exercise resume.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { basename } from 'node:path';
import type { Host, PipeCommand, PipeOptions, PipeResult, RunOptions, RunResult } from '../host.js';
import { HostCommandError } from '../host.js';
import { fingerprint, knownHostsName, parsePublicKey } from '../ssh/index.js';
import { readStream, streamBytes, streamText } from './replication-stream.js';

export interface SimPeer {
  /** The other appliance. */
  host: Host & { files: Host['files'] };
  port: number;
  /** Public keys (base64 blobs) it lets in, or 'any' (the demo peer). */
  authorized: Set<string> | 'any';
}

const peers = new WeakMap<object, Map<string, SimPeer>>();
const cuts = new WeakMap<object, { afterFraction: number; remaining: number }>();
const speeds = new WeakMap<object, number>();

/** Makes `peer` reachable from `local` as `name` (ssh name@... -p port). */
export function addSimPeer(local: Host, name: string, peer: SimPeer): void {
  let m = peers.get(local);
  if (!m) peers.set(local, (m = new Map()));
  m.set(name, peer);
}

/** The next `count` transfers from `local` break after `afterFraction` of their bytes (a dropped connection). */
export function interruptTransfers(local: Host, afterFraction: number, count = 1): void {
  cuts.set(local, { afterFraction, remaining: count });
}

/** The simulated link speed in bytes per second (100 MiB/s by default). */
export function setSimLinkSpeed(local: Host, bytesPerSecond: number): void {
  speeds.set(local, bytesPerSecond);
}

const HOST_KEY = '/etc/ssh/ssh_host_ed25519_key.pub';

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function ed25519Pair(comment: string): { privatePem: string; publicLine: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicLine: publicLineOf(publicKey, comment) };
}

function publicLineOf(key: ReturnType<typeof createPublicKey>, comment: string): string {
  const raw = Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** The peer's host key line, made on first use (as the package's postinst would). */
export async function simPeerHostKey(peer: SimPeer): Promise<string> {
  const existing = await peer.host.files.readIfExists(HOST_KEY);
  if (existing) return existing.trim();
  const { publicLine } = ed25519Pair('root@sim-peer');
  await peer.host.files.writeAtomic(HOST_KEY, `${publicLine}\n`);
  return publicLine;
}

/** The peer got a new host key (reinstalled): ssh must now refuse it until it is confirmed. */
export async function rotateSimPeerHostKey(peer: SimPeer): Promise<string> {
  const { publicLine } = ed25519Pair('root@sim-peer');
  await peer.host.files.writeAtomic(HOST_KEY, `${publicLine}\n`);
  return publicLine;
}

const fail = (stderr: string, code = 255): RunResult => ({ code, stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n` });

function option(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length - 1; i++) if (args[i] === '-o' && args[i + 1]!.startsWith(`${name}=`)) return args[i + 1]!.slice(name.length + 1);
  return undefined;
}

async function sshKeygen(local: Host, args: string[]): Promise<RunResult> {
  const f = args[args.indexOf('-f') + 1];
  if (!args.includes('-f') || !f) return fail('usage: ssh-keygen [-q] [-t type] [-N new_passphrase] [-C comment] [-f output_keyfile]', 1);
  if (args.includes('-y')) {
    const text = await local.files.readIfExists(f);
    if (text === null) return fail(`${f}: No such file or directory`, 1);
    try {
      return { code: 0, stdout: `${publicLineOf(createPublicKey(text), '')}\n`, stderr: '' };
    } catch {
      return fail(`Load key "${f}": invalid format`, 255);
    }
  }
  if (args[args.indexOf('-t') + 1] !== 'ed25519') return fail('unknown key type', 1);
  if (await local.files.exists(f)) return fail(`${f} already exists.\nOverwrite (y/n)? `, 1);
  const comment = args.includes('-C') ? args[args.indexOf('-C') + 1]! : '';
  const { privatePem, publicLine } = ed25519Pair(comment);
  await local.files.writeAtomic(f, privatePem, { mode: 0o600 });
  await local.files.writeAtomic(`${f}.pub`, `${publicLine}\n`, { mode: 0o644 });
  return { code: 0, stdout: '', stderr: '' };
}

async function sshKeyscan(local: Host, args: string[]): Promise<RunResult> {
  const name = args.at(-1)!;
  const port = args.includes('-p') ? Number(args[args.indexOf('-p') + 1]) : 22;
  const peer = peers.get(local)?.get(name);
  if (!peer) return { code: 1, stdout: '', stderr: `getaddrinfo ${name}: Name or service not known\n` };
  if (peer.port !== port) return { code: 1, stdout: '', stderr: '' };
  const key = await simPeerHostKey(peer);
  const [type, b64] = key.split(' ');
  return { code: 0, stdout: `${knownHostsName(name, port)} ${type} ${b64}\n`, stderr: `# ${name}:${port} SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\n` };
}

const CHANGED = (name: string, fp: string, file: string) =>
  `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
${fp}.
Please contact your system administrator.
Add correct host key in ${file} to get rid of this message.
Offending ED25519 key in ${file}:1
  remove with:
  ssh-keygen -f "${file}" -R "${name}"
Host key for ${name} has changed and you have requested strict checking.
Host key verification failed.
`;

/** Checks what real ssh checks before running anything: the peer, its port, its pinned key, our key. */
async function connect(local: Host, args: string[]): Promise<{ peer: SimPeer; remote: string[] } | RunResult> {
  let i = 0;
  let port = 22;
  let key: string | undefined;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-p') port = Number(args[++i]);
    else if (a === '-i') key = args[++i];
    else if (a === '-o') i++;
    else if (a.startsWith('-')) return fail(`unknown option -- ${a.slice(1)}`);
    else break;
  }
  const dest = args[i];
  if (!dest) return fail('usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] destination [command [argument ...]]');
  const [user, name] = dest.includes('@') ? dest.split('@') : ['root', dest];
  const peer = peers.get(local)?.get(name!);
  if (!peer) return fail(`ssh: Could not resolve hostname ${name}: Name or service not known`);
  if (peer.port !== port) return fail(`ssh: connect to host ${name} port ${port}: Connection refused`);
  const hostKey = parsePublicKey(await simPeerHostKey(peer))!;
  const knownFile = option(args, 'UserKnownHostsFile');
  const strict = option(args, 'StrictHostKeyChecking');
  const known = knownFile ? ((await local.files.readIfExists(knownFile)) ?? '') : '';
  const pinned = known
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === knownHostsName(name!, port));
  if (pinned.length === 0) {
    if (strict === 'yes')
      return fail(`No ED25519 host key is known for ${knownHostsName(name!, port)} and you have requested strict checking.\nHost key verification failed.`);
  } else if (!pinned.some((f) => f[2] === hostKey.base64)) {
    return fail(CHANGED(knownHostsName(name!, port), fingerprint(hostKey), knownFile!));
  }
  const pub = key ? await local.files.readIfExists(`${key}.pub`) : null;
  const offered = pub ? parsePublicKey(pub.trim()) : null;
  if (!offered || (peer.authorized !== 'any' && !peer.authorized.has(offered.base64))) return fail(`${user}@${name}: Permission denied (publickey).`);
  return {
    peer,
    remote: args
      .slice(i + 1)
      .join(' ')
      .split(' ')
      .filter(Boolean),
  };
}

async function runOnPeer(peer: SimPeer, remote: string[], input: string | undefined): Promise<RunResult> {
  const [cmd, ...rest] = remote;
  if (!cmd) return fail('PTY allocation request failed', 1);
  try {
    return await peer.host.run(cmd, rest, input === undefined ? {} : { input });
  } catch (err) {
    if (err instanceof HostCommandError) return { code: err.code ?? 1, stdout: '', stderr: err.stderr };
    throw err;
  }
}

/** ssh, ssh-keygen and ssh-keyscan on the simulated appliance; null for any other tool. */
export async function simulateSshTool(local: Host, command: string, args: string[], opts: RunOptions): Promise<RunResult | null> {
  const tool = basename(command);
  if (tool === 'ssh-keygen') return sshKeygen(local, args);
  if (tool === 'ssh-keyscan') return sshKeyscan(local, args);
  if (tool !== 'ssh') return null;
  const c = await connect(local, args);
  if ('code' in c) return c;
  return runOnPeer(c.peer, c.remote, typeof opts.input === 'string' ? opts.input : opts.input?.toString('utf8'));
}

const hms = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/**
 * `source | sink` on the simulated appliance. The source runs first (its stream is a small text),
 * then the stream "travels" for its simulated duration, reported as progress, then the sink
 * receives it, whole or (interruptTransfers) cut short.
 */
export async function simulatePipe(
  local: Host & { now(): number },
  run: (c: PipeCommand, opts: RunOptions) => Promise<RunResult>,
  source: PipeCommand,
  sink: PipeCommand,
  opts: PipeOptions = {},
): Promise<PipeResult> {
  const startedAtMs = local.now();
  const done = (r: Omit<PipeResult, 'startedAtMs' | 'endedAtMs'>, endedAtMs = startedAtMs): PipeResult => ({ ...r, startedAtMs, endedAtMs });
  if (opts.signal?.aborted) return done({ source: { code: null, stderr: '' }, sink: { code: null, stderr: '', stdout: '' }, bytes: 0, cancelled: true });
  const sent = await run(source, { okCodes: [...Array(256).keys()] });
  for (const l of sent.stderr.split('\n')) if (l) opts.onStderr?.('source', l);
  if (sent.code !== 0) {
    const receiver = await run(sink, { okCodes: [...Array(256).keys()], input: '' });
    return done({
      source: { code: sent.code, stderr: sent.stderr },
      sink: { code: receiver.code, stderr: receiver.stderr, stdout: receiver.stdout },
      bytes: 0,
      cancelled: false,
    });
  }
  const stream = readStream(sent.stdout);
  const total = stream ? streamBytes(stream.meta) : Buffer.byteLength(sent.stdout);
  const cut = cuts.get(local);
  const breaks = cut && cut.remaining > 0;
  if (cut && breaks) cut.remaining--;
  const carried = breaks ? Math.floor(total * cut!.afterFraction) : total;
  const speed = Math.min(speeds.get(local) ?? 100 * 1024 * 1024, opts.limitBytesPerSecond ?? Infinity);
  const seconds = carried / speed;
  const progressing = source.args.includes('-P') && stream;
  // A line a second as zfs send prints them (at most 20 here), bytes counted per snapshot.
  const steps = Math.max(1, Math.min(20, Math.ceil(seconds)));
  for (let k = 1; k <= steps; k++) {
    if (opts.signal?.aborted) break;
    const bytes = Math.floor((carried * k) / steps);
    const at = startedAtMs + (seconds * 1000 * k) / steps;
    if (progressing) {
      let left = bytes + stream.meta.resumeOffset;
      for (const s of stream.meta.snapshots) {
        const here = Math.min(left, s.bytes);
        if (here > 0 && (left < s.bytes || s === stream.meta.snapshots.at(-1)))
          opts.onStderr?.('source', `${hms(at)}\t${here - (s === stream.meta.snapshots[0] ? stream.meta.resumeOffset : 0)}\t${stream.meta.source}@${s.short}`);
        left -= here;
        if (left <= 0) break;
      }
    }
    opts.onBytes?.(bytes, at);
    await new Promise((r) => setImmediate(r));
  }
  const endedAtMs = startedAtMs + seconds * 1000;
  if (opts.signal?.aborted) {
    return done({ source: { code: null, stderr: sent.stderr }, sink: { code: null, stderr: '', stdout: '' }, bytes: carried, cancelled: true }, endedAtMs);
  }
  const input = stream ? streamText(stream.meta, breaks ? carried + stream.meta.resumeOffset : undefined) : sent.stdout;
  const overSsh = basename(sink.command) === 'ssh';
  const received = await run(sink, { okCodes: [...Array(256).keys()], input });
  const sinkResult = { code: received.code, stderr: received.stderr, stdout: received.stdout };
  for (const l of received.stderr.split('\n')) if (l) opts.onStderr?.('sink', l);
  if (breaks) {
    const lost = overSsh ? 'client_loop: send disconnect: Broken pipe\n' : '';
    const sourceErr = `${sent.stderr}warning: cannot send '${stream?.meta.source ?? 'stream'}': signal received\n`;
    return done(
      {
        source: { code: 1, stderr: sourceErr },
        sink: overSsh ? { code: 255, stderr: `${received.stderr}${lost}`, stdout: '' } : sinkResult,
        bytes: carried,
        cancelled: false,
      },
      endedAtMs,
    );
  }
  return done({ source: { code: 0, stderr: sent.stderr }, sink: sinkResult, bytes: carried, cancelled: false }, endedAtMs);
}
