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
import { CHPASSWD_USAGE } from './grammar/chpasswd.js';

export const CHPASSWD_SIM_STATE = '/var/lib/calypso-sim/chpasswd.json';
const ACCOUNTS = new Set(['root', 'daemon', 'nobody', 'calypso']);

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

/** Answers chpasswd; null for any other tool. Its options were checked by its grammar (grammar/chpasswd.ts) before. */
export async function simulateChpasswd(tool: string, args: string[], input: string | undefined, files: HostFiles, now: number): Promise<RunResult | null> {
  if (tool !== 'chpasswd') return null;
  if (args.some((a) => a === '-h' || a === '--help')) return ok(CHPASSWD_USAGE);
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
