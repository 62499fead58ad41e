/** The tape parsers on captured output (test/fixtures/tape/README.md says where each sample comes from). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import {
  parseLsscsi,
  parseMtStatus,
  parseMtxInquiry,
  parseMtxStatus,
  parseSgLogsTapeAlert,
  parseTapeinfo,
  TAPE_ALERT_NAMES,
} from '../../../src/system/tape/parse.js';
import { ToolOutputError } from '../../../src/system/host.js';

const dir = path.join(process.cwd(), 'test/fixtures/tape');
const fixture = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

describe('parseMtxStatus', () => {
  test('HP MSL G3: header count includes the mail slot, blank padded tags on empty slots are no barcode, CLN is cleaning', () => {
    const st = parseMtxStatus(fixture('mtx-status-hp-msl-g3.txt'));
    expect(st.drives).toEqual([
      { index: 0, full: true, sourceSlot: 3, barcode: 'E01003L8' },
      { index: 1, full: false, sourceSlot: null, barcode: null },
    ]);
    expect(st.slots).toHaveLength(24);
    expect(st.slots[2]).toEqual({ index: 3, full: false, barcode: null, alternateBarcode: null, importExport: false, cleaning: false });
    expect(st.slots[0]).toEqual({ index: 1, full: true, barcode: 'E01001L8', alternateBarcode: null, importExport: false, cleaning: false });
    expect(st.slots[22]).toMatchObject({ index: 23, full: true, barcode: 'CLN001CU', cleaning: true, importExport: false });
    expect(st.slots[23]).toMatchObject({ index: 24, full: true, barcode: 'E01099L8', importExport: true, cleaning: false });
    expect(st.slots.filter((s) => s.importExport)).toHaveLength(1);
  });

  test('IBM TS3100 behind Request Sense and Mode sense noise: unknown source, a full slot with no tag', () => {
    const st = parseMtxStatus(fixture('mtx-status-ibm-ts3100-noise.txt'));
    expect(st.drives).toEqual([{ index: 0, full: true, sourceSlot: null, barcode: 'A00007L7' }]);
    expect(st.slots).toHaveLength(23);
    expect(st.slots[3]).toEqual({ index: 4, full: true, barcode: null, alternateBarcode: null, importExport: false, cleaning: false });
    expect(st.slots[6]).toMatchObject({ index: 7, full: false, barcode: null });
    expect(st.slots[21]).toMatchObject({ barcode: 'CLN002L1', cleaning: true });
    expect(st.slots[22]).toMatchObject({ index: 23, full: false, importExport: true });
  });

  test('Quantum with AlternateVolumeTag on drives and slots, two mail slots', () => {
    const st = parseMtxStatus(fixture('mtx-status-quantum-alternate.txt'));
    expect(st.drives[0]).toEqual({ index: 0, full: true, sourceSlot: 2, barcode: 'Q00002L9' });
    expect(st.slots[0]).toEqual({ index: 1, full: true, barcode: 'Q00001L9', alternateBarcode: 'VAULT-A-0001', importExport: false, cleaning: false });
    expect(st.slots.filter((s) => s.importExport).map((s) => [s.index, s.full, s.barcode])).toEqual([
      [9, true, 'Q00009L9'],
      [10, false, null],
    ]);
  });

  test('mhvtl STK L700: four drives, 24 elements of which 4 are mail slots', () => {
    const st = parseMtxStatus(fixture('mtx-status-mhvtl-stk-l700.txt'));
    expect(st.drives.map((d) => d.full)).toEqual([true, false, false, false]);
    expect(st.slots.filter((s) => !s.importExport)).toHaveLength(20);
    expect(st.slots.filter((s) => s.cleaning).map((s) => s.index)).toEqual([20]);
  });

  test('no header, or counts that disagree with the elements listed, are a ToolOutputError', () => {
    expect(() => parseMtxStatus('mtx: cannot open SCSI device')).toThrow(ToolOutputError);
    const text = fixture('mtx-status-hp-msl-g3.txt').split('\n').slice(0, -3).join('\n');
    expect(() => parseMtxStatus(text)).toThrow(/24 slots, 22 are listed/);
  });
});

describe('inquiry and tapeinfo', () => {
  test('mtx inquiry keeps the fields without their padding', () => {
    expect(parseMtxInquiry(fixture('mtx-inquiry-hp-msl-g3.txt'))).toEqual({
      productType: 'Medium Changer',
      vendor: 'HP',
      product: 'MSL G3 Series',
      revision: 'E.00',
      attachedChanger: false,
    });
    expect(parseMtxInquiry(fixture('mtx-inquiry-mhvtl-stk.txt')).product).toBe('L700');
  });

  test('tapeinfo of a loaded LTO-8, an empty HP with TapeAlerts, and an mhvtl drive with a padded serial', () => {
    const loaded = parseTapeinfo(fixture('tapeinfo-ibm-lto8-loaded.txt'));
    expect(loaded).toMatchObject({
      productType: 'Tape Drive',
      vendor: 'IBM',
      product: 'ULT3580-TD8',
      serial: '10WT036512',
      ready: true,
      mediumType: '0x78',
      densityCode: '0x5e',
      compression: true,
      tapeAlerts: [],
    });
    const empty = parseTapeinfo(fixture('tapeinfo-hp-lto6-empty-alerts.txt'));
    expect(empty).toMatchObject({ serial: 'HU1327WTYR', ready: false, mediumType: null, tapeAlerts: [20, 30] });
    expect(parseTapeinfo(fixture('tapeinfo-mhvtl-lto8.txt')).serial).toBe('XYZZY_A1');
  });
});

describe('mt status', () => {
  test('status bits as tokens, position and density', () => {
    expect(parseMtStatus(fixture('mt-status-lto8-bot.txt'))).toEqual({
      driveType: 'SCSI 2 tape drive',
      fileNumber: 0,
      blockNumber: 0,
      partition: 0,
      blockSize: 0,
      densityCode: '0x5e',
      densityName: 'LTO-8',
      softErrors: 0,
      bits: ['BOT', 'ONLINE', 'IM_REP_EN'],
    });
    expect(parseMtStatus(fixture('mt-status-empty.txt')).bits).toEqual(['DR_OPEN', 'IM_REP_EN']);
    expect(parseMtStatus(fixture('mt-status-eod-wrprot.txt'))).toMatchObject({ fileNumber: 3, bits: ['EOF', 'EOD', 'WR_PROT', 'ONLINE', 'IM_REP_EN'] });
  });
});

describe('sg_logs -p 0x2e', () => {
  const setCodes = (text: string) =>
    parseSgLogsTapeAlert(text)
      .filter((f) => f.set)
      .map((f) => f.code);

  test('sg3-utils 1.46 output (real): 64 flags by parameter code', () => {
    const flags = parseSgLogsTapeAlert(fixture('sg-logs-2e-cleaning-hwa.txt'));
    expect(flags).toHaveLength(64);
    expect(flags.map((f) => f.code)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(flags.filter((f) => f.set)).toEqual([
      { code: 0x14, name: 'Cleaning required', set: true },
      { code: 0x1e, name: 'Hardware A', set: true },
    ]);
    expect(setCodes(fixture('sg-logs-2e-clean.txt'))).toEqual([]);
  });

  test('--brief lists only the flags set; they are decoded by name', () => {
    expect(setCodes(fixture('sg-logs-2e-cleaning-hwa-brief.txt'))).toEqual([0x14, 0x1e]);
  });

  test('older sg3_utils names ("Clean now", "Clean periodic", loader flags) decode to the same codes', () => {
    const flags = parseSgLogsTapeAlert(fixture('sg-logs-2e-old-names.txt'));
    expect(flags).toHaveLength(64);
    expect(flags.filter((f) => f.set).map((f) => [f.code, f.name])).toEqual([
      [0x14, TAPE_ALERT_NAMES[0x14]],
      [0x15, TAPE_ALERT_NAMES[0x15]],
      [0x1f, TAPE_ALERT_NAMES[0x1f]],
    ]);
  });

  test('no TapeAlert page is a ToolOutputError', () => {
    expect(() => parseSgLogsTapeAlert('Supported log pages [0x0]:\n')).toThrow(ToolOutputError);
  });

  const sgLogs = (() => {
    try {
      execFileSync('sg_logs', ['-V'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  })();
  const requirePeers = process.env.CALYPSO_REQUIRE_PEERS === '1';
  (sgLogs || requirePeers ? test : test.skip)(
    'the real sg_logs decodes the raw pages into what the fixtures hold (skipped when sg3-utils is not installed, unless CALYPSO_REQUIRE_PEERS=1)',
    () => {
      if (!sgLogs) throw new Error('sg_logs (sg3-utils) is not installed and CALYPSO_REQUIRE_PEERS=1');
      for (const name of ['sg-logs-2e-clean', 'sg-logs-2e-cleaning-hwa']) {
        const out = execFileSync('sg_logs', [`--in=${path.join(dir, `${name}.hex`)}`, '--pdt=1'], { encoding: 'utf8' });
        expect(parseSgLogsTapeAlert(out)).toEqual(parseSgLogsTapeAlert(fixture(`${name}.txt`)));
      }
    },
  );
});

describe('lsscsi -g', () => {
  test('changers and drives with their nodes; "-" when no driver is bound', () => {
    const devs = parseLsscsi(fixture('lsscsi-g.txt'));
    expect(devs).toHaveLength(7);
    expect(devs[4]).toEqual({
      host: 6,
      channel: 0,
      target: 4,
      lun: 1,
      type: 'mediumx',
      vendor: 'HP',
      model: 'MSL G3 Series',
      revision: 'E.00',
      device: '/dev/sch0',
      sg: '/dev/sg3',
    });
    expect(devs[5]).toMatchObject({ type: 'mediumx', vendor: 'STK', model: 'L700', device: null, sg: '/dev/sg9' });
    expect(devs[6]).toMatchObject({ type: 'tape', device: '/dev/st2', sg: '/dev/sg10' });
    expect(devs.filter((d) => d.type === 'tape').map((d) => d.sg)).toEqual(['/dev/sg2', '/dev/sg4', '/dev/sg10']);
  });
});
