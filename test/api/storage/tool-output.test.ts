/** A tool that answers with output Calypso cannot read is a bad gateway (502) naming the tool, not an internal error. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { RecordingHost } from '../../helpers/recording-host.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { parseLsblk, parseSmartctl } from '../../../src/system/disks/index.js';
import { ToolOutputError } from '../../../src/system/host.js';

const lsblk = readFileSync(new URL('../../fixtures/disks/lsblk-2.38.1-vm.json', import.meta.url), 'utf8');
let answers: { lsblk: string; smartctl: string };
let t: TestApp;
beforeAll(async () => {
  answers = { lsblk, smartctl: '{}' };
  const host = new RecordingHost((command) => ({
    code: 0,
    stderr: '',
    stdout: command === 'lsblk' ? answers.lsblk : command === 'smartctl' ? answers.smartctl : '',
  }));
  t = await startTestApp({ host });
});
afterAll(async () => {
  await t.close();
});

test('the JSON parsers name the tool whose output is unreadable', () => {
  expect(() => parseLsblk('lsblk: unknown column')).toThrow(ToolOutputError);
  expect(() => parseLsblk('null')).toThrow(/lsblk printed output Calypso cannot read/);
  expect(() => parseSmartctl('{"smartctl": ')).toThrow(/smartctl printed output/);
});

test('garbage from lsblk: 502 problem naming lsblk', async () => {
  answers.lsblk = '<html>not lsblk</html>';
  const res = await t.http.get('/api/v1/storage/disks').set('Authorization', `Bearer ${t.adminToken}`);
  expect(res.status).toBe(502);
  expect(res.headers['content-type']).toMatch(/problem\+json/);
  expect(res.body.detail).toMatch(/^lsblk printed output Calypso cannot read/);
  answers.lsblk = lsblk;
});

test('unreadable SMART for a disk: the inventory still lists it, with UNKNOWN health', async () => {
  answers.smartctl = '{"device": {"name": ';
  const res = await t.http.get('/api/v1/storage/disks').set('Authorization', `Bearer ${t.adminToken}`);
  expect(res.status).toBe(200);
  expect(res.body.items.length).toBeGreaterThan(0);
  expect(res.body.items.every((d: { smartHealth: string }) => d.smartHealth === 'UNKNOWN')).toBe(true);
});
