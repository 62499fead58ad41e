import { hashPool } from './hash-worker.js';

/** bcrypt cost: at least 12 (SRS 4.2). */
export const BCRYPT_COST = 12;

/**
 * Hash a new password. Runs in the hash thread pool (./hash-worker.ts), never on the event loop;
 * refused with TooManyRequests when the pool's queue is full. Hashes are ordinary bcrypt
 * ($2b$, cost 12): the ones already stored keep working.
 */
export function hashPassword(password: string, opts: { priority?: boolean } = {}): Promise<string> {
  return hashPool.run<string>({ op: 'hash', password, cost: BCRYPT_COST }, opts.priority);
}

/** Compare a password with a stored hash, in the hash thread pool (see hashPassword). */
export function verifyPassword(password: string, hash: string, opts: { priority?: boolean } = {}): Promise<boolean> {
  return hashPool.run<boolean>({ op: 'compare', password, hash }, opts.priority);
}

/**
 * Compared against when the user does not exist, so timing does not reveal which usernames exist.
 * A cost-12 hash of random bytes that were thrown away: no password matches it.
 */
const DUMMY_HASH = '$2b$12$eApoYRbScNF1uTMjjF/ZTO6zPWfLXM12n/zgzVoe16AaC/HSrliE2';

export function dummyHash(): Promise<string> {
  return Promise.resolve(DUMMY_HASH);
}
