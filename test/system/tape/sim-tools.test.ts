/**
 * The simulated libraries speak the real tools' formats: their output parses with the same
 * parsers as the captured fixtures, their TapeAlert page reads the same as the real sg_logs
 * decoding the same flags, and they refuse what mtx refuses, in mtx's words and exit code.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { applyTapeFault } from '../../../src/system/sim/tape.js';
import { HostCommandError } from '../../../src/system/host.js';
import { parseLsscsi, parseMtStatus, parseMtxInquiry, parseMtxStatus, parseSgLogsTapeAlert, parseTapeinfo } from '../../../src/system/tape/parse.js';

const run = async (host: SimulatedHost, cmd: string, args: string[]) => (await host.run(cmd, args)).stdout;
async function refusal(host: SimulatedHost, cmd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  try {
    await host.run(cmd, args);
  } catch (err) {
    if (err instanceof HostCommandError) return { code: err.code, stderr: err.stderr.trim().split('\n').slice(-1)[0]! };
    throw err;
  }
  throw new Error(`${cmd} ${args.join(' ')} succeeded`);
}

describe('formats', () => {
  test('lsscsi, mtx status and inquiry, tapeinfo and mt status of the simulator parse like the captured output', async () => {
    const host = new SimulatedHost();
    const devs = parseLsscsi(await run(host, 'lsscsi', ['-g']));
    expect(devs.map((d) => [d.type, d.vendor, d.model, d.device, d.sg])).toEqual([
      ['tape', 'IBM', 'ULT3580-TD8', '/dev/st0', '/dev/sg2'],
      ['tape', 'IBM', 'ULT3580-TD8', '/dev/st1', '/dev/sg4'],
      ['mediumx', 'HP', 'MSL G3 Series', '/dev/sch0', '/dev/sg3'],
      ['mediumx', 'STK', 'L700', null, '/dev/sg9'],
      ['tape', 'IBM', 'ULT3580-TD8', '/dev/st2', '/dev/sg10'],
      ['tape', 'IBM', 'ULT3580-TD8', '/dev/st3', '/dev/sg11'],
    ]);
    const text = await run(host, 'mtx', ['-f', '/dev/sg3', 'status']);
    // HP firmware pads an empty tag on empty slots: the line is there, the barcode is not.
    expect(text).toContain(`      Storage Element 17:Empty:VolumeTag=${' '.repeat(32)}\n`);
    const st = parseMtxStatus(text);
    expect(st.slots).toHaveLength(24);
    expect(st.slots[16]).toMatchObject({ full: false, barcode: null });
    expect(st.slots.filter((s) => s.cleaning).map((s) => s.barcode)).toEqual(['CLN001CU']);
    expect(parseMtxInquiry(await run(host, 'mtx', ['-f', '/dev/sg3', 'inquiry']))).toMatchObject({
      productType: 'Medium Changer',
      vendor: 'HP',
      product: 'MSL G3 Series',
    });
    expect(parseTapeinfo(await run(host, 'tapeinfo', ['-f', '/dev/sg2']))).toMatchObject({ serial: '10WT036512', ready: false, mediumType: null });
    expect(parseMtStatus(await run(host, 'mt', ['-f', '/dev/nst0', 'status'])).bits).toEqual(['DR_OPEN', 'IM_REP_EN']);
    expect(await host.files.read('/sys/class/scsi_generic/sg3/device/type')).toBe('8\n');
    expect((await host.files.list('/dev/tape/by-id')).sort()).toContain('scsi-10WT036512-nst');
  });

  const sgLogs = (() => {
    try {
      execFileSync('sg_logs', ['-V'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  })();
  (sgLogs || process.env.CALYPSO_REQUIRE_PEERS === '1' ? test : test.skip)(
    "the simulator's TapeAlert page is what the real sg_logs prints for the same flags (skipped when sg3-utils is not installed, unless CALYPSO_REQUIRE_PEERS=1)",
    async () => {
      if (!sgLogs) throw new Error('sg_logs (sg3-utils) is not installed and CALYPSO_REQUIRE_PEERS=1');
      const host = new SimulatedHost();
      await run(host, 'lsscsi', ['-g']);
      await applyTapeFault(host.files, { kind: 'drive-error', library: 'msl', drive: 1 });
      await applyTapeFault(host.files, { kind: 'needs-cleaning', library: 'msl', drive: 1 });
      const sim = await run(host, 'sg_logs', ['--page=0x2e', '/dev/sg4']);
      const page = [0x2e, 0x00, 0x01, 0x40];
      for (let code = 1; code <= 0x40; code++) page.push(0, code, 0xc0, 1, code === 0x14 || code === 0x1e ? 1 : 0);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-sglogs-'));
      try {
        const file = path.join(dir, 'page.hex');
        fs.writeFileSync(file, `${page.map((b) => b.toString(16).padStart(2, '0')).join(' ')}\n`);
        const real = execFileSync('sg_logs', [`--in=${file}`, '--pdt=1'], { encoding: 'utf8' });
        // A device run prints the inquiry banner first; the page itself is line for line the same.
        expect(sim.split('\n').slice(1).join('\n')).toBe(real);
        expect(parseSgLogsTapeAlert(sim)).toEqual(parseSgLogsTapeAlert(real));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("mtx's refusals", () => {
  test('loading into a full drive, unloading into a full slot, moving from an empty slot, a device that is not there', async () => {
    let now = 1_000_000;
    const host = new SimulatedHost({ now: () => now });
    const move = host.run('mtx', ['-f', '/dev/sg3', 'load', '3', '0']);
    // mtx answers once the robot is done: the simulated clock must pass the move's time.
    await new Promise((r) => setTimeout(r, 30));
    now += 1500;
    expect((await move).stdout).toBe('Loading media from Storage Element 3 into drive 0...done\n');
    expect(await refusal(host, 'mtx', ['-f', '/dev/sg3', 'load', '4', '0'])).toEqual({ code: 1, stderr: 'mtx: Drive 0 Full (Storage Element 3 loaded)' });
    expect(await refusal(host, 'mtx', ['-f', '/dev/sg3', 'unload', '4', '0'])).toEqual({ code: 1, stderr: 'mtx: Storage Element 4 is Already Full' });
    expect(await refusal(host, 'mtx', ['-f', '/dev/sg3', 'transfer', '3', '20'])).toEqual({ code: 1, stderr: 'mtx: Source Element Address 1002 is Empty' });
    expect(await refusal(host, 'mtx', ['-f', '/dev/sg3', 'unload', '20', '1'])).toEqual({ code: 1, stderr: 'mtx: Data Transfer Element 1 is Empty' });
    expect(await refusal(host, 'mtx', ['-f', '/dev/sg3', 'load', '99', '0'])).toEqual({
      code: 1,
      stderr: "mtx: Invalid <storage-element-number> argument '99' to 'load' command",
    });
    expect(await refusal(host, 'mtx', ['-f', '/dev/sg77', 'status'])).toEqual({
      code: 1,
      stderr: "mtx: cannot open SCSI device '/dev/sg77' - No such file or directory",
    });
    expect(await refusal(host, 'mktape', ['-l', '10', '-m', 'V00001L8', '-s', '100', '-t', 'data'])).toEqual({
      code: 1,
      stderr: 'error: Please supply media density (-d xx)',
    });
  });

  test('a second move while the robot still moves is refused with Not Ready sense data', async () => {
    let now = 5_000_000;
    const host = new SimulatedHost({ now: () => now });
    const first = host.run('mtx', ['-f', '/dev/sg3', 'transfer', '1', '17']);
    await new Promise((r) => setTimeout(r, 30));
    const second = await refusal(host, 'mtx', ['-f', '/dev/sg3', 'transfer', '2', '18']);
    expect(second).toEqual({ code: 1, stderr: 'mtx: MOVE MEDIUM from Element Address 1001 to 1017 Failed' });
    now += 1500;
    await first;
    expect(parseMtxStatus(await run(host, 'mtx', ['-f', '/dev/sg3', 'status'])).slots[16]).toMatchObject({ full: true, barcode: 'E01001L8' });
  });
});
