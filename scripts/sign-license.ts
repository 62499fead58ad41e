/**
 * The vendor's tool: signs a license with the vendor's Ed25519 private key (kept at the vendor,
 * never in this repository) and prints the license file's one line.
 *
 *   npx tsx scripts/sign-license.ts /secure/vendor-key.pem license.json > customer.lic
 *
 * license.json: {"id","licensee","issuedAt","graceDays","features":[{"feature","capacity","expiresAt"}]}
 * (see src/vocabulary/license.ts). Features: tape, vtl, replication, objectstore, backup.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { signLicense, type License } from '../src/vocabulary/license.js';

const [keyPath, licensePath] = process.argv.slice(2);
if (!keyPath || !licensePath) {
  process.stderr.write('usage: sign-license.ts PRIVATE-KEY.pem LICENSE.json\n');
  process.exit(2);
}
const key = crypto.createPrivateKey(fs.readFileSync(keyPath));
const license = JSON.parse(fs.readFileSync(licensePath, 'utf8')) as License;
process.stdout.write(`${signLicense(license, key)}\n`);
