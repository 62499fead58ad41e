/**
 * The simulated appliance's chpasswd refuses as the real one does (texts and exit codes captured in
 * test/fixtures/chpasswd/), takes the password on standard input only, and keeps no password.
 */
import fs from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/index.js';
import { CHPASSWD_SIM_STATE, simPasswordIs } from '../../../src/system/sim/chpasswd.js';
import { HostCommandError } from '../../../src/system/host.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../../fixtures/chpasswd/${name}`, import.meta.url), 'utf8');

async function refusal(host: SimulatedHost, args: string[], input: string): Promise<{ code: number | null; stderr: string }> {
  try {
    await host.run('chpasswd', args, { input });
  } catch (err) {
    if (err instanceof HostCommandError) return { code: err.code, stderr: err.stderr };
    throw err;
  }
  throw new Error('chpasswd accepted it');
}

describe('simulated chpasswd', () => {
  test('refusals match the real tool', async () => {
    const host = new SimulatedHost();
    for (const [name, args, input] of [
      ['unknown-user', [], 'nosuchuser-calypso:x\n'],
      ['missing-password', [], 'nocolon\n'],
      ['bad-option', ['--bogus'], ''],
    ] as const) {
      const r = await refusal(host, [...args], input);
      expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: Number(fixture(`${name}.code`).trim()), stderr: fixture(`${name}.stderr`) });
    }
    expect(await host.files.readIfExists(CHPASSWD_SIM_STATE)).toBeNull();
  });

  test('sets root’s password from standard input and keeps only a salted hash', async () => {
    const host = new SimulatedHost();
    await host.run('chpasswd', [], { input: 'root:s3cret: with colon\n' });
    expect(await simPasswordIs(host.files, 'root', 's3cret: with colon')).toBe(true);
    expect(await simPasswordIs(host.files, 'root', 's3cret')).toBe(false);
    expect(await host.files.read(CHPASSWD_SIM_STATE)).not.toContain('s3cret');
  });
});
