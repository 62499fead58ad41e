/**
 * ZFS's naming and size rules exist twice: in src/contracts (what a caller may send) and in
 * src/system/zfs (what the adapter and the simulated host accept), because neither layer imports
 * the other. The two copies must be the same code: identical below their opening comment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const body = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8').replace(/^\/\*\*[\s\S]*?\*\/\n/, '');

describe('ZFS vocabulary: contracts and system agree', () => {
  test.each([
    ['src/contracts/zfs-names.ts', 'src/system/zfs/names.ts'],
    ['src/contracts/zfs-size.ts', 'src/system/zfs/size.ts'],
  ])('%s is %s', (contract, system) => {
    expect(body(contract).length).toBeGreaterThan(500);
    expect(body(contract)).toBe(body(system));
  });
});
