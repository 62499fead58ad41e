/**
 * The simulated appliance's `chpasswd` (shadow-utils 4.13): reads `user:password` lines on its
 * standard input and refuses as the real one does (texts and exit codes captured in
 * test/fixtures/chpasswd/): an unknown option prints the usage (exit 2), a line without a colon is
 * "missing new password" (exit 1), an unknown user is PAM's refusal (exit 1). The simulated
 * appliance's accounts are root and a few system users; a changed password is kept as a salted
 * scrypt hash with its time (never the password), so a test can check it.
 */
import crypto from 'node:crypto';
import type { HostFiles, RunResult } from '../host.js';
import { ok } from './common.js';

export const CHPASSWD_SIM_STATE = '/var/lib/calypso-sim/chpasswd.json';
const ACCOUNTS = new Set(['root', 'daemon', 'nobody', 'calypso']);

const USAGE = `Usage: chpasswd [options]

Options:
  -c, --crypt-method METHOD     the crypt method (one of NONE DES MD5 SHA256 SHA512 YESCRYPT)
  -e, --encrypted               supplied passwords are encrypted
  -h, --help                    display this help message and exit
  -m, --md5                     encrypt the clear text password using
                                the MD5 algorithm
  -R, --root CHROOT_DIR         directory to chroot into
  -s, --sha-rounds              number of rounds for the SHA, BCRYPT
                                or YESCRYPT crypt algorithms

`;

export interface ChpasswdSimState {
  [user: string]: { salt: string; hash: string; changedAt: string };
}

export function simHash(password: string, salt: string): string {
  return crypto.scryptSync(password, salt, 32).toString('hex');
}

/** Whether `password` is the one the simulated chpasswd last set for `user`. */
export async function simPasswordIs(files: HostFiles, user: string, password: string): Promise<boolean> {
  const text = await files.readIfExists(CHPASSWD_SIM_STATE);
  const entry = text ? (JSON.parse(text) as ChpasswdSimState)[user] : undefined;
  return entry !== undefined && crypto.timingSafeEqual(Buffer.from(entry.hash, 'hex'), Buffer.from(simHash(password, entry.salt), 'hex'));
}

const WITH_VALUE = new Set(['-c', '--crypt-method', '-R', '--root', '-s', '--sha-rounds']);
const FLAGS = new Set(['-e', '--encrypted', '-m', '--md5']);

/** Answers chpasswd; null for any other tool. */
export async function simulateChpasswd(tool: string, args: string[], input: string | undefined, files: HostFiles, now: number): Promise<RunResult | null> {
  if (tool !== 'chpasswd') return null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') return ok(USAGE);
    if (WITH_VALUE.has(a)) {
      if (i + 1 >= args.length) return { code: 2, stdout: '', stderr: `chpasswd: option '${a}' requires an argument\n${USAGE}` };
      i++;
      continue;
    }
    if (FLAGS.has(a)) continue;
    if (a.startsWith('-'))
      return {
        code: 2,
        stdout: '',
        stderr: `chpasswd: ${a.startsWith('--') ? `unrecognized option '${a}'` : `invalid option -- '${a.slice(1, 2)}'`}\n${USAGE}`,
      };
    // Operands are ignored, as by the real one.
  }
  const text = await files.readIfExists(CHPASSWD_SIM_STATE);
  const state: ChpasswdSimState = text ? (JSON.parse(text) as ChpasswdSimState) : {};
  const lines = (input ?? '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const changes: [string, string][] = [];
  let stderr = '';
  let failed = false;
  lines.forEach((line, i) => {
    const colon = line.indexOf(':');
    if (colon < 0) {
      stderr += `chpasswd: line ${i + 1}: missing new password\n`;
      failed = true;
      return;
    }
    const user = line.slice(0, colon);
    if (!ACCOUNTS.has(user)) {
      stderr += `chpasswd: (user ${user}) pam_chauthtok() failed, error:\nAuthentication token manipulation error\nchpasswd: (line ${i + 1}, user ${user}) password not changed\n`;
      failed = true;
      return;
    }
    changes.push([user, line.slice(colon + 1)]);
  });
  // The real one changes the lines it could (through PAM, one by one) and reports the others.
  for (const [user, password] of changes) {
    const salt = crypto.randomBytes(16).toString('hex');
    state[user] = { salt, hash: simHash(password, salt), changedAt: new Date(now).toISOString() };
  }
  if (changes.length) await files.writeAtomic(CHPASSWD_SIM_STATE, JSON.stringify(state), { mode: 0o600 });
  return { code: failed ? 1 : 0, stdout: '', stderr };
}
