/** Hostile names are refused at the service boundary: 400 problem+json and no command run (a recording host proves it). */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { RecordingHost } from '../../helpers/recording-host.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;
let host: RecordingHost;
beforeAll(async () => {
  host = new RecordingHost();
  t = await startTestApp({ host });
});
afterAll(async () => {
  await t.close();
});

const HOSTILE = [
  'tank/a;rm -rf /',
  '-f',
  'tank/../etc',
  'tank/$(id)',
  `tank/${'x'.repeat(300)}`,
  '',
  'tank/a\nb',
  'tank/`id`',
  'tank/a|b',
  'tank//b',
  '../../etc/passwd',
];

test.each(HOSTILE)('dataset name %j is refused before any command runs', async (name) => {
  host.calls.length = 0;
  const res = await t.http.post('/api/v1/storage/datasets').set('Authorization', `Bearer ${t.adminToken}`).send({ name });
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/problem\+json/);
  expect(res.body.errors[0].path).toBe('name');
  expect(host.calls).toEqual([]);
});

test.each(['-f', 'tank/x@a%b', 'tank@a;b', 'tank/a@b@c', 'tank/a@'])('snapshot name %j is refused before any command runs', async (name) => {
  host.calls.length = 0;
  const res = await t.http
    .post(`/api/v1/snapshots/${encodeURIComponent(name)}/rollback`)
    .set('Authorization', `Bearer ${t.adminToken}`)
    .send({ confirm: name });
  expect(res.status).toBe(400);
  expect(host.calls).toEqual([]);
});

test('hostile disks, pool names and properties are refused before any command runs', async () => {
  host.calls.length = 0;
  const bodies = [
    { name: 'mirror', layout: { type: 'mirror', disks: ['sdb', 'sdc'] } },
    { name: 'p1', layout: { type: 'mirror', disks: ['-f', 'sdc'] } },
    { name: 'p1', layout: { type: 'mirror', disks: ['sdb;reboot', 'sdc'] } },
    { name: 'p1', layout: { type: 'mirror', disks: ['/dev/../etc/shadow', 'sdc'] } },
    { name: 'p1', layout: { type: 'bogus', disks: ['sdb', 'sdc'] } },
    { name: '1pool', layout: { type: 'mirror', disks: ['sdb', 'sdc'] } },
    { name: 'my pool', layout: { type: 'mirror', disks: ['sdb', 'sdc'] } },
  ];
  for (const body of bodies) {
    const res = await t.http.post('/api/v1/storage/pools').set('Authorization', `Bearer ${t.adminToken}`).send(body);
    expect({ body, status: res.status }).toEqual({ body, status: 400 });
  }
  const props = await t.http
    .post('/api/v1/storage/datasets')
    .set('Authorization', `Bearer ${t.adminToken}`)
    .send({ name: 'tank/ok', properties: { compression: 'zstd;id', mountpoint: '/etc' } });
  expect(props.status).toBe(400);
  expect(host.calls).toEqual([]);
});
