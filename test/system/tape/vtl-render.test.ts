/**
 * mhvtl's files as Calypso renders them (golden files in test/fixtures/tape/golden; set
 * UPDATE_GOLDEN=1 to rewrite them after a deliberate change) and the cross-file validation
 * rejecting each inconsistency.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import {
  parseDeviceConf,
  parseLibraryContents,
  renderDeviceConf,
  renderLibraryContents,
  validateVtlFiles,
  type VtlLibraryConf,
} from '../../../src/system/vtl/index.js';
import { toConf, type Vtl } from '../../../src/services/tape/vtl.js';

const golden = path.join(process.cwd(), 'test/fixtures/tape/golden');

function vtl(over: Partial<Vtl>): Vtl {
  return {
    name: 'vtl1',
    libraryId: 10,
    emulation: 'STK L700',
    driveCount: 2,
    driveGeneration: 'LTO8',
    slots: 12,
    mailSlots: 2,
    barcodePrefix: 'V',
    barcodeStart: 1,
    cartridges: 6,
    cleaningCartridges: 1,
    capacityBytes: 12e12,
    compression: true,
    backingDataset: 'tank/vtl',
    homeDirectory: '/tank/vtl/mhvtl-vtl1',
    serial: 'VTL0010',
    createdAt: '2026-11-30T08:00:00.000Z',
    updatedAt: '2026-11-30T08:00:00.000Z',
    ...over,
  };
}

const libs: VtlLibraryConf[] = [
  toConf(vtl({})),
  toConf(
    vtl({
      name: 'archive',
      libraryId: 30,
      emulation: 'IBM 03584L32',
      driveCount: 1,
      driveGeneration: 'LTO9',
      slots: 8,
      mailSlots: 0,
      barcodePrefix: 'AR',
      barcodeStart: 100,
      cartridges: 3,
      cleaningCartridges: 0,
      compression: false,
      homeDirectory: '/tank/vtl/mhvtl-archive',
      serial: 'VTL0030',
    }),
  ),
];

function matchGolden(name: string, text: string): void {
  const file = path.join(golden, name);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, text);
  expect(text).toBe(fs.readFileSync(file, 'utf8'));
}

describe('rendering', () => {
  test('device.conf and the library_contents files match the golden files', () => {
    matchGolden('device.conf', renderDeviceConf(libs));
    matchGolden('library_contents.10', renderLibraryContents(libs[0]!));
    matchGolden('library_contents.30', renderLibraryContents(libs[1]!));
  });

  test('what is rendered parses back to the same libraries, drives and slots', () => {
    const conf = parseDeviceConf(renderDeviceConf(libs));
    expect(conf.version).toBe(5);
    expect(conf.devices.map((d) => [d.kind, d.id, d.libraryId, d.driveSlot, d.fields['Product identification']])).toEqual([
      ['Library', 10, null, null, 'L700'],
      ['Drive', 11, 10, 1, 'ULT3580-TD8'],
      ['Drive', 12, 10, 2, 'ULT3580-TD8'],
      ['Library', 30, null, null, '03584L32'],
      ['Drive', 31, 30, 1, 'ULT3580-TD9'],
    ]);
    const c = parseLibraryContents(renderLibraryContents(libs[0]!), 'library_contents.10');
    expect(c).toMatchObject({ drives: 2, pickers: 1, maps: 2 });
    expect(c.slots).toEqual(['V00001L8', 'V00002L8', 'V00003L8', 'V00004L8', 'V00005L8', 'V00006L8', null, null, null, null, null, 'CLN0101L1']);
    expect(parseLibraryContents(renderLibraryContents(libs[1]!), 'x').slots.slice(0, 3)).toEqual(['AR0100L9', 'AR0101L9', 'AR0102L9']);
  });

  test("mhvtl's own example files parse (device.conf VERSION 3 with VPD lines, library_contents with comments)", () => {
    const example = `VERSION: 3\n\nLibrary: 10 CHANNEL: 0 TARGET: 1 LUN: 0\n Vendor identification: SPECTRA\n Product identification: PYTHON\n Unit serial number: XYZZY_10\n NAA: 10:22:33:44:ab:cd:ef:00\n\nDrive: 11 CHANNEL: 0 TARGET: 1 LUN: 1\n Library ID: 10 Slot: 1\n Vendor identification: QUANTUM\n Product identification: SDLT600\n Unit serial number: XYZZY_11\n VPD: b0 04 00 02 01 00\n`;
    expect(parseDeviceConf(example).devices.map((d) => d.id)).toEqual([10, 11]);
    const contents = `VERSION: 2\n\nDrive 1:\n\nPicker 1:\n\nMAP 1:\n\n# Slot 1 - ?, no gaps\n# Slot N: [barcode]\nSlot 01: L10001S3\nSlot 02:\n`;
    expect(parseLibraryContents(contents, 'x')).toMatchObject({ drives: 1, maps: 1, slots: ['L10001S3', null] });
  });
});

describe('cross-file validation', () => {
  const good = () => ({ conf: renderDeviceConf(libs), contents: new Map(libs.map((l) => [l.id, renderLibraryContents(l)])) });
  const expected = new Map([
    [10, { slots: 12, mailSlots: 2 }],
    [30, { slots: 8, mailSlots: 0 }],
  ]);
  const problems = (conf: string, contents: Map<number, string>) => validateVtlFiles(conf, contents, expected).map((p) => `${p.file}: ${p.message}`);

  test('the rendered files are consistent', () => {
    const { conf, contents } = good();
    expect(problems(conf, contents)).toEqual([]);
  });

  test('a duplicated id', () => {
    const { conf, contents } = good();
    expect(problems(conf.replace('Drive: 31 ', 'Drive: 12 '), contents)).toEqual([expect.stringMatching(/device.conf: id 12 is used twice/)]);
  });

  test('a drive whose library does not exist', () => {
    const { conf, contents } = good();
    expect(problems(conf.replace('Library ID: 30 Slot: 01', 'Library ID: 50 Slot: 01'), contents)).toEqual([
      '/etc/mhvtl/device.conf: drive 31 belongs to library 50, which device.conf does not define',
      '/etc/mhvtl/library_contents.30: lists 1 drives; device.conf gives library 30 0',
    ]);
  });

  test('a slot count that does not match the library', () => {
    const { conf, contents } = good();
    contents.set(10, `${contents.get(10)}Slot 13: V00099L8\n`);
    expect(problems(conf, contents)).toEqual(['/etc/mhvtl/library_contents.10: lists 13 slots; the library has 12']);
  });

  test('mail slots that do not match', () => {
    const { conf, contents } = good();
    contents.set(10, contents.get(10)!.replace('MAP 2:\n', ''));
    expect(problems(conf, contents)).toEqual(['/etc/mhvtl/library_contents.10: lists 1 mail slots (MAP); the library has 2']);
  });

  test('a barcode in two libraries', () => {
    const { conf, contents } = good();
    contents.set(30, contents.get(30)!.replace('AR0100L9', 'V00001L8'));
    expect(problems(conf, contents)).toEqual(['/etc/mhvtl/library_contents.30: barcode V00001L8 is also in /etc/mhvtl/library_contents.10']);
  });

  test('a malformed barcode, a missing contents file, contents of an unknown library, a relative home directory, a gap in the slots', () => {
    const { conf, contents } = good();
    contents.set(30, contents.get(30)!.replace('AR0101L9', 'ar0101l9'));
    expect(problems(conf, contents)).toEqual(['/etc/mhvtl/library_contents.30: barcode "ar0101l9" is not 1 to 16 upper-case letters and digits']);
    const missing = good();
    missing.contents.delete(30);
    missing.contents.set(70, 'VERSION: 2\n');
    expect(problems(missing.conf, missing.contents)).toEqual([
      '/etc/mhvtl/library_contents.30: library 30 has no contents file',
      '/etc/mhvtl/library_contents.70: contents of library 70, which device.conf does not define',
    ]);
    expect(problems(conf.replace('Home directory: /tank/vtl/mhvtl-vtl1', 'Home directory: tank/vtl'), good().contents)).toEqual([
      '/etc/mhvtl/device.conf: library 10: home directory "tank/vtl" is not an absolute path',
    ]);
    const gap = good();
    gap.contents.set(10, gap.contents.get(10)!.replace('Slot 7:\n', ''));
    expect(problems(gap.conf, gap.contents)).toEqual([expect.stringMatching(/library_contents.10 line \d+: slot 8 out of order/)]);
  });

  test('a record that is not one of mhvtl is refused with its line', () => {
    expect(validateVtlFiles('VERSION: 5\n\nTapeLibrary: 10\n', new Map())).toEqual([
      { file: '/etc/mhvtl/device.conf', message: '/etc/mhvtl/device.conf line 3: not a Library:/Drive: record or an indented field: "TapeLibrary: 10"' },
    ]);
  });
});
