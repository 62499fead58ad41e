import { randomBytes } from 'node:crypto';
import { hashPool } from './hash-worker.js';

/** bcrypt cost in production: at least 12 (SRS 4.2), the default. */
export const BCRYPT_COST = 12;
/** bcrypt's own bounds for the cost (log2 of the rounds). */
const BCRYPT_MIN = 4;
const BCRYPT_MAX = 31;

/**
 * Whether this process runs tests: jest sets NODE_ENV=test; CALYPSO_TEST=1 says so explicitly
 * (a test that starts calypso as a child process).
 */
export function isTestRun(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === 'test' || env.CALYPSO_TEST === '1';
}

/**
 * The bcrypt cost a setting asks for (--bcrypt-cost / CALYPSO_BCRYPT_COST; unset: 12). Below 12 only
 * in tests, where a low cost keeps suites that create users from being dominated by hashing; a
 * production appliance refuses to start with it.
 */
export function bcryptCostSetting(value: string | number | undefined, env: NodeJS.ProcessEnv): number {
  if (value === undefined || value === '') return BCRYPT_COST;
  const cost = Number(value);
  if (!Number.isInteger(cost) || cost < BCRYPT_MIN || cost > BCRYPT_MAX)
    throw new Error(`the bcrypt cost must be a whole number from ${BCRYPT_MIN} to ${BCRYPT_MAX}, not ${String(value)}`);
  if (cost < BCRYPT_COST && !isTestRun(env))
    throw new Error(`the bcrypt cost must be at least ${BCRYPT_COST} outside tests (asked: ${cost}); lower costs are for test runs (NODE_ENV=test)`);
  return cost;
}

let cost: number | null = null;
let dummy: Promise<string> | null = null;

/** Sets the cost of hashes made from now on (main.ts, from the configuration). */
export function setBcryptCost(value: number): void {
  cost = bcryptCostSetting(value, processEnv());
  dummy = null;
}

/** The cost new hashes get: the one set, else the environment's setting. */
export function bcryptCost(): number {
  cost ??= bcryptCostSetting(processEnv().CALYPSO_BCRYPT_COST, processEnv());
  return cost;
}

/** Through a local: the one-file build replaces `process.env.NODE_ENV` reads with a constant. */
function processEnv(): NodeJS.ProcessEnv {
  const env = process.env;
  return env;
}

/**
 * Hash a new password. Runs in the hash thread pool (./hash-worker.ts), never on the event loop;
 * refused with TooManyRequests when the pool's queue is full. Hashes are ordinary bcrypt
 * ($2b$, at the configured cost): the ones already stored, whatever their cost, keep working.
 */
export function hashPassword(password: string, opts: { priority?: boolean } = {}): Promise<string> {
  return hashPool.run<string>({ op: 'hash', password, cost: bcryptCost() }, opts.priority);
}

/** Compare a password with a stored hash, in the hash thread pool (see hashPassword). */
export function verifyPassword(password: string, hash: string, opts: { priority?: boolean } = {}): Promise<boolean> {
  return hashPool.run<boolean>({ op: 'compare', password, hash }, opts.priority);
}

/**
 * Compared against when the user does not exist, so timing does not reveal which usernames exist:
 * a hash at the configured cost (the cost new users' hashes have) of random bytes that were thrown
 * away, so no password matches it. Made once, at the first unknown username.
 */
export function dummyHash(): Promise<string> {
  const made = (dummy ??= hashPassword(randomBytes(18).toString('base64')));
  made.catch(() => {
    if (dummy === made) dummy = null;
  });
  return made;
}
