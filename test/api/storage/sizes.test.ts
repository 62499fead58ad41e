/**
 * Issue 19, "user errors are not tool failures": sizes are exact integers within ZFS's limits,
 * checked at the contract (400, nothing run); a tool's refusal ("currently scrubbing", "out of
 * space", "size is greater than available space"...) is a 409 with the tool's sentence, not a
 * 502 with a stack trace at error level; and nothing on the (simulated) appliance changes.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pino from 'pino';
import request from 'supertest';
import { createApi } from '../../../src/api/server.js';
import { createCalypso, ensureAdmin, statusOf, publicMessage, type Calypso } from '../../../src/services/index.js';
import { HostCommandError } from '../../../src/system/host.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { ToolRefusal, refusalOf } from '../../../src/system/tool-refusal.js';
import { ZFS_REFUSALS } from '../../../src/system/zfs/refusals.js';
import { ZFS_SIZE_MAX, parseExactSize, sizeArgument } from '../../../src/vocabulary/zfs-size.js';
import { ZfsAdapter } from '../../../src/system/zfs/index.js';
import { createTestDb, type TestDb } from '../../helpers/db.js';
import { ADMIN_PASSWORD } from '../../helpers/app.js';

/** Every log line the daemon writes, parsed: error-level lines (50+) must come only from real faults. */
const logLines: { level: number; msg: string; err?: unknown }[] = [];
const log = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  }),
);
const errorLines = () => logLines.filter((l) => l.level >= 50);

let testDb: TestDb;
let app: Calypso;
let host: SimulatedHost;
let http: ReturnType<typeof request>;
let admin: string;
const as = () => ({ Authorization: `Bearer ${admin}` });
const enc = encodeURIComponent;

beforeAll(async () => {
  testDb = await createTestDb();
  host = new SimulatedHost();
  app = await createCalypso({ db: testDb.db, host, log, jwtSecret: 'test-secret-0123456789abcdef' });
  await ensureAdmin(app, ADMIN_PASSWORD);
  http = request(createApi(app, { log, version: 'test' }, []).callback());
  admin = (await http.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD })).body.accessToken;
  expect((await http.post('/api/v1/storage/datasets').set(as()).send({ name: 'tank/sizes' })).status).toBe(201);
});
afterAll(async () => {
  await app.monitoring.stop();
  await app.jobs.idle();
  await testDb.drop();
});

/** zfs/zpool commands run since `seq`, as "zfs set quota=... tank/x". */
const commandsSince = (seq: number) =>
  host
    .history()
    .filter((r) => r.seq > seq && (r.command === 'zfs' || r.command === 'zpool'))
    .map((r) => `${r.command} ${r.args.join(' ')}`);
const lastSeq = () => host.history(1)[0]?.seq ?? 0;
const changing = (cmds: string[]) => cmds.filter((c) => !/^(zfs|zpool) (list|get|status|version|holds|iostat)\b/.test(c));
const props = async (name: string) =>
  (await new ZfsAdapter(host).getProperties(name, ['quota', 'refquota', 'reservation', 'volsize'])) as Record<string, { value: string }>;
const lastAudit = async () =>
  (await app.db('audit_log').orderBy('id', 'desc').first()) as { operation: string; result: string; error: string | null; input: unknown };

describe('sizes are exact and within ZFS limits, refused at the contract', () => {
  test.each([
    ['99999999999999999999P', /at most 16E - 1 byte/],
    ['16E', /at most 16E - 1 byte/],
    ['18446744073709551616', /at most/],
    ['1.1K', /not a whole number of bytes/],
    ['1e21', /not a size/],
    ['1.125899906842624e+35', /not a size/],
    ['-5G', /not a size/],
    ['10 parsecs', /not a size/],
  ])('quota %s -> 400 naming the rule, no zfs command, quota unchanged, no error log', async (quota, message) => {
    const before = await props('tank/sizes');
    const seq = lastSeq();
    const errorsBefore = errorLines().length;
    const res = await http
      .patch(`/api/v1/storage/datasets/${enc('tank/sizes')}`)
      .set(as())
      .send({ properties: { quota } });
    expect(res.status).toBe(400);
    expect(res.type).toBe('application/problem+json');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'properties.quota', message: expect.stringMatching(message) })]);
    expect(changing(commandsSince(seq))).toEqual([]);
    expect(await props('tank/sizes')).toEqual(before);
    expect(errorLines().length).toBe(errorsBefore);
    expect(await lastAudit()).toMatchObject({ operation: 'storage.datasets.update', result: 'invalid' });
  });

  test('JSON numbers: fractions of a byte and values past 2^53 (inexact) are refused', async () => {
    const seq = lastSeq();
    for (const [quota, message] of [
      [1.5, /whole number of bytes/],
      [2 ** 60 * 3, /send them as a string/],
      [-1, /0 or more/],
    ] as const) {
      const res = await http
        .patch(`/api/v1/storage/datasets/${enc('tank/sizes')}`)
        .set(as())
        .send({ properties: { quota } });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].message).toMatch(message);
    }
    expect(changing(commandsSince(seq))).toEqual([]);
  });

  test('the largest quota ZFS holds, 2^64 - 1, reaches zfs as exact digits and reads back exactly', async () => {
    const seq = lastSeq();
    const res = await http
      .patch(`/api/v1/storage/datasets/${enc('tank/sizes')}`)
      .set(as())
      .send({ properties: { quota: '18446744073709551615', refquota: '1.5T' } });
    expect(res.status).toBe(200);
    expect(changing(commandsSince(seq))).toEqual([`zfs set quota=18446744073709551615 refquota=${1.5 * 2 ** 40} tank/sizes`]);
    expect(res.body.properties.quota.value).toBe('18446744073709551615');
    expect(res.body.properties.refquota.value).toBe(String(1.5 * 2 ** 40));
    // The audit row records the exact byte counts the command used.
    expect(JSON.stringify((await lastAudit()).input)).toContain('18446744073709551615');
    const none = await http
      .patch(`/api/v1/storage/datasets/${enc('tank/sizes')}`)
      .set(as())
      .send({ properties: { quota: 0, refquota: 'none' } });
    expect(none.status).toBe(200);
    expect(none.body.properties.quota.value).toBe('0');
  });

  test('zvol sizes: 1E stays exactly 2^60 bytes; 8E and more, fractions and tiny sizes are refused before zfs runs', async () => {
    for (const [size, message] of [
      ['8E', /at most 8E - 1 byte/],
      ['1000E', /at most/],
      ['99999999999999999999P', /at most/],
      ['0.5', /whole number/],
      ['4K', /at least 1M/],
      [1.5, /whole number/],
    ] as const) {
      const seq = lastSeq();
      const res = await http.post('/api/v1/storage/zvols').set(as()).send({ name: 'tank/sizes/vol', size, sparse: true });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ path: 'size', message: expect.stringMatching(message) });
      expect(changing(commandsSince(seq))).toEqual([]);
    }
    const seq = lastSeq();
    const res = await http.post('/api/v1/storage/zvols').set(as()).send({ name: 'tank/sizes/vol', size: '1E', sparse: true });
    expect(res.status).toBe(201);
    expect(changing(commandsSince(seq))).toEqual(['zfs create -s -V 1152921504606846976 tank/sizes/vol']);
    expect(res.body.properties.volsize.value).toBe('1152921504606846976');
    // Growing by one byte rounds up to a whole block, exactly (2^60 + 16384).
    const grown = await http
      .post(`/api/v1/storage/zvols/${enc('tank/sizes/vol')}/resize`)
      .set(as())
      .send({ size: '1152921504606846977' });
    expect(grown.status).toBe(200);
    expect(grown.body.properties.volsize.value).toBe('1152921504606863360');
    const block = await http.post('/api/v1/storage/zvols').set(as()).send({ name: 'tank/sizes/vol2', size: '1M', volblocksize: '3K', sparse: true });
    expect(block.status).toBe(400);
    expect(block.body.errors[0]).toMatchObject({ path: 'volblocksize', message: expect.stringMatching(/power of two/) });
  });
});

describe("a tool's refusal is a 409 with its sentence, not a 502", () => {
  test('a thick zvol of 1E: zfs says "out of space" -> 409, nothing created, no error-level log', async () => {
    const errorsBefore = errorLines().length;
    const seq = lastSeq();
    const res = await http.post('/api/v1/storage/zvols').set(as()).send({ name: 'tank/sizes/thick', size: '1E' });
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe("cannot create 'tank/sizes/thick': out of space");
    expect(changing(commandsSince(seq))).toEqual(['zfs create -V 1152921504606846976 tank/sizes/thick']);
    expect((await http.get(`/api/v1/storage/datasets/${enc('tank/sizes/thick')}`).set(as())).status).toBe(404);
    expect(errorLines().length).toBe(errorsBefore);
    expect(await lastAudit()).toMatchObject({ operation: 'storage.zvols.create', result: 'error', error: "cannot create 'tank/sizes/thick': out of space" });
  });

  test('a reservation larger than the pool: "size is greater than available space" -> 409, reservation unchanged', async () => {
    const before = await props('tank/sizes');
    const errorsBefore = errorLines().length;
    const res = await http
      .patch(`/api/v1/storage/datasets/${enc('tank/sizes')}`)
      .set(as())
      .send({ properties: { reservation: '1E' } });
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe("cannot set property for 'tank/sizes': size is greater than available space");
    expect(await props('tank/sizes')).toEqual(before);
    expect(errorLines().length).toBe(errorsBefore);
  });

  test('a scrub while one runs: "currently scrubbing" -> 409 with the sentence, the running scrub untouched, no error log', async () => {
    const first = await http.post('/api/v1/storage/pools/tank/scrub').set(as()).send({});
    expect(first.status).toBe(200);
    expect(first.body.scan).toMatchObject({ function: 'scrub', state: 'scanning' });
    const errorsBefore = errorLines().length;
    const again = await http.post('/api/v1/storage/pools/tank/scrub').set(as()).send({});
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/^cannot scrub tank: currently scrubbing; use 'zpool scrub -s' to cancel/);
    const pool = await http.get('/api/v1/storage/pools/tank').set(as());
    expect(pool.body.scan).toMatchObject({ function: 'scrub', state: 'scanning' });
    expect(errorLines().length).toBe(errorsBefore);
    expect(logLines.filter((l) => l.level >= 40 && /scrub/.test(JSON.stringify(l)))).toEqual([]);
    // Stopping it ends the job that followed it.
    expect((await http.post('/api/v1/storage/pools/tank/scrub').set(as()).send({ action: 'stop' })).status).toBe(200);
    const stopAgain = await http.post('/api/v1/storage/pools/tank/scrub').set(as()).send({ action: 'stop' });
    expect(stopAgain.status).toBe(409);
    expect(stopAgain.body.detail).toBe('cannot cancel scrubbing tank: there is no active scrub');
  });

  test('known sentences of zpool/zfs map to a refusal kind; usage errors, timeouts and unknown failures stay 502', () => {
    const fail = (stderr: string, code: number | null = 1) => new HostCommandError('zfs', ['x'], code, stderr);
    const cases: [string, 'conflict' | 'missing' | 'invalid'][] = [
      ["cannot scrub tank: currently scrubbing; use 'zpool scrub -s' to cancel current scrub", 'conflict'],
      ['cannot scrub tank: currently resilvering', 'conflict'],
      ["cannot destroy 'tank/a': dataset is busy", 'conflict'],
      ["cannot destroy 'tank': pool is busy", 'conflict'],
      ["cannot export 'tank': pool or dataset is busy", 'conflict'],
      ["cannot destroy 'tank/a': filesystem has children\nuse '-r' to destroy the following datasets:\ntank/a/b", 'conflict'],
      ["cannot create 'tank/a': dataset already exists", 'conflict'],
      ["cannot create 'tank/v': out of space", 'conflict'],
      ["cannot set property for 'tank/a': size is greater than available space", 'conflict'],
      ["cannot set property for 'tank/a': size is less than current used or reserved space", 'conflict'],
      ["cannot create 'tank/v': volume size must be a multiple of volume block size", 'invalid'],
      ["cannot set property for 'tank/a': numeric value is too large", 'invalid'],
      ["cannot open 'tank/nope': dataset does not exist", 'missing'],
      ["cannot open 'nope': no such pool", 'missing'],
    ];
    for (const [stderr, kind] of cases) {
      const refusal = refusalOf(fail(`${stderr}\n`), ZFS_REFUSALS);
      expect(refusal).toBeInstanceOf(ToolRefusal);
      expect(refusal).toBeInstanceOf(HostCommandError); // code that retries on "busy" still sees it
      expect(refusal!.kind).toBe(kind);
      expect(refusal!.sentence).toBe(stderr.split('\n')[0]);
      expect(statusOf(refusal)).toBe(kind === 'conflict' ? 409 : kind === 'missing' ? 404 : 400);
      expect(publicMessage(refusal)).toBe(stderr.split('\n')[0]);
    }
    expect(refusalOf(fail("invalid option 'q'\nusage:\n\tdestroy [-fnpRrv] <filesystem|volume>", 2), ZFS_REFUSALS)).toBeNull();
    expect(refusalOf(fail('dataset is busy', null), ZFS_REFUSALS)).toBeNull();
    expect(refusalOf(fail('internal error: Input/output error'), ZFS_REFUSALS)).toBeNull();
    expect(statusOf(fail('internal error: Input/output error'))).toBe(502);
  });

  test('exact size parsing and command-line formatting', () => {
    expect(parseExactSize('1E')).toEqual({ bytes: 1n << 60n });
    expect(parseExactSize('1.5t')).toEqual({ bytes: 3n << 39n });
    expect(parseExactSize('4KiB')).toEqual({ bytes: 4096n });
    expect(parseExactSize('10GB')).toEqual({ bytes: 10n << 30n });
    expect(parseExactSize('18446744073709551615')).toEqual({ bytes: ZFS_SIZE_MAX });
    expect(parseExactSize('0.5K')).toEqual({ bytes: 512n });
    expect(parseExactSize('0.3K')).toHaveProperty('problem');
    expect(parseExactSize(2 ** 53 + 2)).toHaveProperty('problem');
    expect(sizeArgument(1n << 70n)).toBe('1180591620717411303424');
    expect(() => sizeArgument(1e21)).toThrow(RangeError);
    expect(() => sizeArgument('1.125899906842624e+35')).toThrow(RangeError);
  });
});
