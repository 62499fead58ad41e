import bcrypt from 'bcryptjs';
import { z } from 'zod';

/** bcrypt cost: at least 12 (SRS 4.2). */
export const BCRYPT_COST = 12;

export const MIN_PASSWORD_LENGTH = 12;

export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'must be at most 200 characters')
  .refine((p) => new Set(p).size >= 5, 'must use at least 5 different characters')
  .describe(`Password: at least ${MIN_PASSWORD_LENGTH} characters`);

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

let dummy: Promise<string> | undefined;

/** Compared against when the user does not exist, so timing does not reveal which usernames exist. */
export function dummyHash(): Promise<string> {
  dummy ??= bcrypt.hash('calypso-timing-equaliser', BCRYPT_COST);
  return dummy;
}
