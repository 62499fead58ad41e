/**
 * Feature licenses: offline files signed with Ed25519. A license file is one line,
 * `calypso-license-1.<payload>.<signature>`, both parts base64url; the payload is the license as
 * JSON and the signature covers the bytes of `calypso-license-1.<payload>` (what was signed is
 * exactly what is read: no canonical JSON to get wrong). One line pastes into a console field.
 */
import crypto from 'node:crypto';

export const FEATURES = ['tape', 'vtl', 'replication', 'objectstore', 'backup'] as const;
export type Feature = (typeof FEATURES)[number];

export const FEATURE_NAMES: Record<Feature, string> = {
  tape: 'Tape libraries',
  vtl: 'Virtual tape libraries',
  replication: 'Replication',
  objectstore: 'Object storage',
  backup: 'Backup (Bacula)',
};

export interface LicensedFeature {
  feature: Feature;
  /** What the license allows of it, when bounded (e.g. { unit: 'TiB', amount: 100 }). */
  capacity: { unit: string; amount: number } | null;
  /** ISO time after which the feature is out of license (then the grace period). */
  expiresAt: string;
}

export interface License {
  id: string;
  licensee: string;
  issuedAt: string;
  /** Days a feature keeps working after it expired, with a warning. */
  graceDays: number;
  features: LicensedFeature[];
}

const PREFIX = 'calypso-license-1';
const MAX_TEXT = 16 * 1024;

/** A license file that cannot be accepted, with the reason in words. */
export class LicenseProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LicenseProblem';
  }
}

const isoTime = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v) && !Number.isNaN(Date.parse(v));
const hasControl = (v: string) => [...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
const plain = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max && !hasControl(v);

/** The payload checked field by field; unknown fields refused (a tampered file is never half-read). */
function checkPayload(doc: unknown): License {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new LicenseProblem('the license holds no license object');
  const o = doc as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !['id', 'licensee', 'issuedAt', 'graceDays', 'features'].includes(k));
  if (unknown.length) throw new LicenseProblem(`the license has fields Calypso does not know: ${unknown.join(', ')}`);
  if (!plain(o.id, 64) || !/^[A-Za-z0-9._-]+$/.test(o.id as string)) throw new LicenseProblem('the license id is missing or not letters, digits, dots, dashes');
  if (!plain(o.licensee, 200)) throw new LicenseProblem('the licensee is missing');
  if (!isoTime(o.issuedAt)) throw new LicenseProblem('issuedAt is not an ISO time');
  if (typeof o.graceDays !== 'number' || !Number.isInteger(o.graceDays) || o.graceDays < 0 || o.graceDays > 90)
    throw new LicenseProblem('graceDays must be a whole number of days from 0 to 90');
  if (!Array.isArray(o.features) || o.features.length === 0 || o.features.length > FEATURES.length) throw new LicenseProblem('the license names no features');
  const features = o.features.map((f: unknown): LicensedFeature => {
    const x = (f ?? {}) as Record<string, unknown>;
    const extra = Object.keys(x).filter((k) => !['feature', 'capacity', 'expiresAt'].includes(k));
    if (extra.length) throw new LicenseProblem(`a feature has fields Calypso does not know: ${extra.join(', ')}`);
    if (!FEATURES.includes(x.feature as Feature)) throw new LicenseProblem(`unknown feature ${JSON.stringify(x.feature)}; known: ${FEATURES.join(', ')}`);
    if (!isoTime(x.expiresAt)) throw new LicenseProblem(`${String(x.feature)}: expiresAt is not an ISO time`);
    let capacity: LicensedFeature['capacity'] = null;
    if (x.capacity !== undefined && x.capacity !== null) {
      const c = x.capacity as Record<string, unknown>;
      if (!plain(c.unit, 20) || typeof c.amount !== 'number' || !(c.amount > 0) || !Number.isFinite(c.amount))
        throw new LicenseProblem(`${String(x.feature)}: capacity needs a unit and a positive amount`);
      capacity = { unit: c.unit as string, amount: c.amount };
    }
    return { feature: x.feature as Feature, capacity, expiresAt: x.expiresAt as string };
  });
  if (new Set(features.map((f) => f.feature)).size !== features.length) throw new LicenseProblem('a feature is listed twice');
  return { id: o.id as string, licensee: o.licensee as string, issuedAt: o.issuedAt as string, graceDays: o.graceDays, features };
}

/**
 * The license in a file's text, when one of the public keys signed it; otherwise a
 * LicenseProblem saying what is wrong (truncated, not a license, wrong signature, tampered).
 */
export function readLicense(text: string, publicKeys: crypto.KeyObject[]): License {
  const line = text.trim();
  if (line.length > MAX_TEXT) throw new LicenseProblem(`a license file is one line of at most ${MAX_TEXT} characters`);
  const parts = line.split('.');
  if (parts[0] !== PREFIX) throw new LicenseProblem(`not a Calypso license: it should start with ${PREFIX}.`);
  if (parts.length !== 3 || !parts[1] || !parts[2]) throw new LicenseProblem('the license is truncated: it needs a payload and a signature after the prefix');
  if (!/^[A-Za-z0-9_-]+$/.test(parts[1]) || !/^[A-Za-z0-9_-]+$/.test(parts[2])) throw new LicenseProblem('the license holds characters base64url does not use');
  const signature = Buffer.from(parts[2], 'base64url');
  if (signature.length !== 64) throw new LicenseProblem('the signature is truncated (an Ed25519 signature is 64 bytes)');
  const signed = Buffer.from(`${PREFIX}.${parts[1]}`);
  if (!publicKeys.some((key) => crypto.verify(null, signed, key, signature)))
    throw new LicenseProblem('the signature does not match: the file was changed after it was signed, or it was signed by another vendor');
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new LicenseProblem('the signed payload is not JSON');
  }
  return checkPayload(doc);
}

/** A license file's text (the vendor's tool, and tests with their own key pair). */
export function signLicense(license: License, privateKey: crypto.KeyObject): string {
  const payload = Buffer.from(JSON.stringify(checkPayload(license))).toString('base64url');
  const signature = crypto.sign(null, Buffer.from(`${PREFIX}.${payload}`), privateKey).toString('base64url');
  return `${PREFIX}.${payload}.${signature}`;
}

/**
 * The vendor's public key, built in. Its private half is not in this repository (it signs
 * licenses at the vendor, with scripts/sign-license.ts); tests sign with a key pair of their own.
 */
export const VENDOR_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEApjfkMX8F4IeNK0mWfAzXlcs1tfEOWbSVwA3XSD2q3Tk=
-----END PUBLIC KEY-----
`;
