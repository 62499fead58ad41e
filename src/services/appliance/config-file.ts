/**
 * The configuration file's format (version 1): one JSON document, a header that says what it is
 * (format, its version, Calypso's version, when, which host), the SHA-256 of the payload, and the
 * payload itself, in clear or encrypted.
 *
 * Encrypted: the key is scrypt(passphrase, salt) (N 2^15, r 8, p 1), the payload is sealed with
 * AES-256-GCM, the header is the associated data, so a wrong passphrase, a changed byte of the
 * payload or of the header fails the tag. The passphrase is never stored, logged or audited.
 * Every problem is a ValidationError (400) that says what is wrong, before anything is changed.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ValidationError } from '../core/errors.js';

export const CONFIG_FORMAT = 'calypso-config';
export const CONFIG_FORMAT_VERSION = 1;

/** Rows of each table, by section: `{ iam: { users: [...], ... }, ... }`. */
export type ConfigPayload = Record<string, Record<string, Record<string, unknown>[]>>;

export interface ConfigHeader {
  format: typeof CONFIG_FORMAT;
  formatVersion: number;
  calypsoVersion: string;
  createdAt: string;
  hostname: string;
  encrypted: boolean;
  secretsIncluded: boolean;
  sha256: string;
}

const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };
const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

const b64 = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

const headerShape = {
  format: z.literal(CONFIG_FORMAT),
  formatVersion: z.number().int().min(1),
  calypsoVersion: z.string().max(64),
  createdAt: z.string().max(40),
  hostname: z.string().max(255),
  encrypted: z.boolean(),
  secretsIncluded: z.boolean(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 hexadecimal digits'),
};

const clearFile = z.object({ ...headerShape, encrypted: z.literal(false), payload: z.record(z.string(), z.unknown()) }).strict();
const sealedFile = z
  .object({
    ...headerShape,
    encrypted: z.literal(true),
    encryption: z
      .object({
        kdf: z.literal('scrypt'),
        N: z.literal(SCRYPT.N),
        r: z.literal(SCRYPT.r),
        p: z.literal(SCRYPT.p),
        salt: b64(64),
        iv: b64(32),
        tag: b64(32),
      })
      .strict(),
    ciphertext: b64(20 * 1024 * 1024),
  })
  .strict();

function headerOf(h: ConfigHeader): ConfigHeader {
  return {
    format: h.format,
    formatVersion: h.formatVersion,
    calypsoVersion: h.calypsoVersion,
    createdAt: h.createdAt,
    hostname: h.hostname,
    encrypted: h.encrypted,
    secretsIncluded: h.secretsIncluded,
    sha256: h.sha256,
  };
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
const aad = (h: ConfigHeader) => Buffer.from(JSON.stringify(headerOf(h)));
const keyFor = (passphrase: string, salt: Buffer) => scrypt(passphrase, salt, 32, { ...SCRYPT, maxmem: 128 * SCRYPT.N * SCRYPT.r * 2 });

/** The file's text. With a passphrase the payload is sealed and holds the secrets. */
export async function writeConfigFile(
  payload: ConfigPayload,
  meta: { calypsoVersion: string; createdAt: string; hostname: string },
  passphrase?: string,
): Promise<{ text: string; header: ConfigHeader }> {
  const body = JSON.stringify(payload);
  const header: ConfigHeader = {
    format: CONFIG_FORMAT,
    formatVersion: CONFIG_FORMAT_VERSION,
    ...meta,
    encrypted: Boolean(passphrase),
    secretsIncluded: Boolean(passphrase),
    sha256: sha256(body),
  };
  if (!passphrase) return { text: `${JSON.stringify({ ...header, payload }, null, 1)}\n`, header };
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', await keyFor(passphrase, salt), iv);
  cipher.setAAD(aad(header));
  const ciphertext = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
  const encryption = { kdf: 'scrypt', ...SCRYPT, salt: salt.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  return { text: `${JSON.stringify({ ...header, encryption, ciphertext: ciphertext.toString('base64') })}\n`, header };
}

const bad = (message: string, path = 'file') => new ValidationError(message, [{ path, message }]);

/** The header and payload of a file, checked: format, version, checksum, passphrase and tag. */
export async function readConfigFile(text: string, passphrase?: string): Promise<{ header: ConfigHeader; payload: ConfigPayload }> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad('this is not a Calypso configuration file, or it is truncated: it is not complete JSON');
  }
  const kind = z.object({ format: z.unknown(), formatVersion: z.unknown(), encrypted: z.unknown() }).passthrough().safeParse(doc);
  if (!kind.success || kind.data.format !== CONFIG_FORMAT) throw bad(`this is not a Calypso configuration file (its format is not ${CONFIG_FORMAT})`);
  if (typeof kind.data.formatVersion !== 'number' || kind.data.formatVersion > CONFIG_FORMAT_VERSION)
    throw bad(
      `the file is of format version ${String(kind.data.formatVersion)}, written by a newer Calypso: this one reads version ${CONFIG_FORMAT_VERSION} (upgrade Calypso first)`,
    );
  const parsed = (kind.data.encrypted === true ? sealedFile : clearFile).safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw bad(`the file's header is not valid: ${issue.path.join('.') || 'the document'}: ${issue.message}`, `file.${issue.path.join('.')}`);
  }
  const file = parsed.data;
  let body: string;
  if (file.encrypted) {
    if (!passphrase) throw bad('the file is encrypted: give its passphrase', 'passphrase');
    const header = file as unknown as ConfigHeader;
    const decipher = crypto.createDecipheriv(
      'aes-256-gcm',
      await keyFor(passphrase, Buffer.from(file.encryption.salt, 'base64')),
      Buffer.from(file.encryption.iv, 'base64'),
    );
    const tag = Buffer.from(file.encryption.tag, 'base64');
    if (tag.length !== 16) throw bad('the file is damaged: its authentication tag is not 16 bytes');
    decipher.setAuthTag(tag);
    decipher.setAAD(aad(header));
    try {
      body = Buffer.concat([decipher.update(Buffer.from(file.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw bad('wrong passphrase, or the file was changed since it was written (its authentication failed)', 'passphrase');
    }
  } else {
    if (passphrase) throw bad('the file is not encrypted: leave the passphrase out', 'passphrase');
    body = JSON.stringify(file.payload);
  }
  if (sha256(body) !== file.sha256) throw bad('the file was changed since it was written: its checksum does not match');
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    throw bad('the file is damaged: its payload is not JSON');
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw bad('the file is damaged: its payload is not an object of sections');
  return { header: headerOf(file as unknown as ConfigHeader), payload: payload as ConfigPayload };
}
