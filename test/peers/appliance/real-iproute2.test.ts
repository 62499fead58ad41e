/**
 * Real iproute2 in a network namespace the test makes (REAL-PEERS.md): a veth pair inside it,
 * Calypso's host pointed at it (NetnsHost: `ip netns exec NS ...`), a static address, an IPv6
 * address, an MTU and a gateway applied through the API and read back with `ip -j`, one change
 * confirmed and one reverted by the daemon's timer (an injected clock). Only addresses inside the
 * namespace (10.213.x.x, fd00:cafe::/64) are used; the machine's own interfaces are never touched.
 * The namespace is removed at the end, also when a test failed.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { NetworkChanges, setNetworkDeployment } from '../../../src/services/appliance/network.js';
import { ManualTimers } from '../../helpers/manual-clock.js';
import { LocalHost } from '../../../src/system/local-host.js';
import { NetnsHost } from '../../../src/system/netns-host.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';
import { peersAvailable } from '../../helpers/peers.js';

const NS = `calyt${crypto.randomBytes(4).toString('hex')}`;
const A = `cva${crypto.randomBytes(2).toString('hex')}`;
const B = `cvb${crypto.randomBytes(2).toString('hex')}`;

const ip = (...args: string[]) => execFileSync('ip', ['-n', NS, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Makes the namespace and its veth pair, or says why it cannot (skip; fail under CALYPSO_REQUIRE_PEERS=1). */
function makeNamespace(): boolean {
  if (!peersAvailable(['ip'])) return false;
  try {
    execFileSync('ip', ['netns', 'add', NS], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const why = `ip netns add is not permitted here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
    if (process.env.CALYPSO_REQUIRE_PEERS === '1') throw new Error(`real-peer test cannot run: ${why} (CALYPSO_REQUIRE_PEERS=1)`, { cause: err });
    process.stderr.write(`skipping real-peer test: ${why}\n`);
    return false;
  }
  // Both ends inside the namespace: nothing appears among the machine's own interfaces.
  try {
    ip('link', 'add', A, 'type', 'veth', 'peer', 'name', B);
    ip('link', 'set', B, 'up');
  } catch (err) {
    // No namespace is left behind when the pair cannot be made.
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
    throw err;
  }
  return true;
}

const available = makeNamespace();
const suite = available ? describe : describe.skip;

interface IpLink {
  ifname: string;
  mtu: number;
  flags: string[];
  addr_info: { family: string; local: string; prefixlen: number; scope: string }[];
}
const readBack = (): IpLink => JSON.parse(ip('-j', 'addr', 'show', 'dev', A))[0] as IpLink;
const globalAddrs = () =>
  readBack()
    .addr_info.filter((a) => a.scope === 'global')
    .map((a) => `${a.local}/${a.prefixlen}`)
    .sort();
const defaultGw = () => (JSON.parse(ip('-j', 'route', 'show', 'default')) as { gateway?: string }[])[0]?.gateway ?? null;

suite('real iproute2 in a network namespace, driven through the API', () => {
  let t: TestApp;
  let dir: string;
  const clock = new ManualTimers(Date.UTC(2026, 10, 30, 11, 0, 0));
  const changes = new NetworkChanges({ clock });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-netns-'));
    t = await startTestApp({ host: new NetnsHost(new LocalHost(), NS), appliance: { network: changes } });
    await setNetworkDeployment(t.app.db, 'local', {
      mode: 'ip',
      resolvConfPath: path.join(dir, 'resolv.conf'),
      dnsWritePath: path.join(dir, 'resolv.conf'),
      // A namespace shares the machine's host name: never set it from a test.
      hostnameManager: 'none',
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    // Removing the namespace removes the veth pair in it.
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const config = async () => (await t.http.get('/api/v1/appliance/network').set(bearer(t.adminToken))).body;
  const apply = (body: unknown) =>
    t.http
      .put('/api/v1/appliance/network')
      .set(bearer(t.adminToken))
      .send(body as object);

  test('the API reads what ip shows in the namespace', async () => {
    const n = await config();
    expect(n.interfaces.map((i: { name: string }) => i.name).sort()).toEqual([A, B].sort());
    const a = n.interfaces.find((i: { name: string }) => i.name === A);
    expect(a).toMatchObject({ kind: 'veth', mtu: readBack().mtu, addresses: [] });
    expect(n.renderer).toBe('ip');
  });

  test('a static IPv4 and IPv6 address, an MTU and a gateway applied, read back with ip -j, confirmed', async () => {
    const cfg = (await config()).config;
    cfg.interfaces = cfg.interfaces.map((i: { name: string }) => (i.name === A ? { ...i, addresses: ['10.213.7.10/24', 'fd00:cafe::10/64'], mtu: 1400 } : i));
    cfg.gateway4 = '10.213.7.1';
    cfg.dns = { servers: ['10.213.7.53'], search: ['lab.test'] };
    const res = await apply(cfg);
    expect(res.status).toBe(200);
    expect(res.body.renderer).toBe('ip');
    expect(readBack().mtu).toBe(1400);
    expect(readBack().flags).toContain('UP');
    expect(globalAddrs()).toEqual(['10.213.7.10/24', 'fd00:cafe::10/64']);
    expect(defaultGw()).toBe('10.213.7.1');
    expect(fs.readFileSync(path.join(dir, 'resolv.conf'), 'utf8')).toMatch(/search lab\.test\nnameserver 10\.213\.7\.53\n/);
    const ok = await t.http.post(`/api/v1/appliance/network/changes/${res.body.changeId}/confirm`).set(bearer(t.adminToken));
    expect(ok.status).toBe(200);
    clock.advance(120_000);
    await changes.idle();
    expect(readBack().mtu).toBe(1400);
    expect(globalAddrs()).toEqual(['10.213.7.10/24', 'fd00:cafe::10/64']);
  });

  test('a change not confirmed is reverted by the daemon when its window ends', async () => {
    const cfg = (await config()).config;
    cfg.interfaces = cfg.interfaces.map((i: { name: string }) => (i.name === A ? { ...i, addresses: ['10.213.8.10/24'], mtu: 1280 } : i));
    cfg.gateway4 = '10.213.8.1';
    const res = await apply(cfg);
    expect(res.status).toBe(200);
    expect(readBack().mtu).toBe(1280);
    expect(globalAddrs()).toEqual(['10.213.8.10/24']);
    expect(defaultGw()).toBe('10.213.8.1');

    clock.advance(59_999);
    await changes.idle();
    expect(readBack().mtu).toBe(1280);
    clock.advance(1);
    await changes.idle();
    expect(readBack().mtu).toBe(1400);
    expect(globalAddrs()).toEqual(['10.213.7.10/24', 'fd00:cafe::10/64']);
    expect(defaultGw()).toBe('10.213.7.1');
    expect(await t.app.db('network_changes').where({ id: res.body.changeId }).first()).toMatchObject({ state: 'reverted', finished_by: 'system' });
  });

  test("the kernel's route to the caller names the interface it came in on: changing it needs its name typed", async () => {
    const from = '10.213.7.77';
    const n = (await t.http.get('/api/v1/appliance/network').set(bearer(t.adminToken)).set('X-Forwarded-For', from)).body;
    expect(n.managementInterface).toBe(A);
    const cfg = n.config;
    cfg.interfaces = cfg.interfaces.map((i: { name: string }) => (i.name === A ? { ...i, mtu: 1300 } : i));
    const refused = await t.http.put('/api/v1/appliance/network').set(bearer(t.adminToken)).set('X-Forwarded-For', from).send(cfg);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(new RegExp(`touches ${A}, the interface this session came in on`));
    expect(readBack().mtu).toBe(1400);
  });

  test('an MTU under 1280 with IPv6 (the kernel would silently drop the addresses): 400, nothing run', async () => {
    const cfg = (await config()).config;
    cfg.interfaces = cfg.interfaces.map((i: { name: string }) => (i.name === A ? { ...i, mtu: 1000 } : i));
    const res = await apply(cfg);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/IPv6 needs an MTU of at least 1280/);
    expect(readBack().mtu).toBe(1400);
    expect(globalAddrs()).toEqual(['10.213.7.10/24', 'fd00:cafe::10/64']);
    expect((await config()).pending).toBeNull();
  });
});
