/**
 * The appliance's network over the API, on the simulated appliance (iproute2's formats and
 * refusals): reading, apply with a pending change, confirm, automatic revert by the daemon's timer
 * (an injected clock, no real wait), 409 while pending, the interface the caller came in on,
 * permissions and hostile input (400, nothing applied), audit.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { NetworkChanges } from '../../../src/services/appliance/network.js';
import { ManualTimers } from '../../helpers/manual-clock.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;
let sim: SimulatedHost;
let clock: ManualTimers;
let changes: NetworkChanges;
let operator: string;
let reader: string;

type Iface = { name: string; mtu: number; addresses: { address: string }[]; [k: string]: unknown };
type Net = {
  interfaces: Iface[];
  config: Record<string, unknown> & { interfaces: Record<string, unknown>[] };
  pending: { id: number; remainingSeconds: number } | null;
  [k: string]: unknown;
};

const get = async (token = t.adminToken, from?: string): Promise<Net> => {
  const req = t.http.get('/api/v1/appliance/network').set(bearer(token));
  if (from) req.set('X-Forwarded-For', from);
  const res = await req;
  expect(res.status).toBe(200);
  return res.body as Net;
};
const put = (body: unknown, token = t.adminToken, from?: string) => {
  const req = t.http
    .put('/api/v1/appliance/network')
    .set(bearer(token))
    .send(body as object);
  if (from) req.set('X-Forwarded-For', from);
  return req;
};
const iface = (n: Net, name: string) => n.interfaces.find((i) => i.name === name)!;
const addrs = (n: Net, name: string) => iface(n, name).addresses.map((a) => a.address);
/** Commands that change the simulated network (not the reads). */
const changesRun = () =>
  sim
    .history(500)
    .filter(
      (c) =>
        c.command === 'ip' && /^(set|add|del|replace)$/.test(c.args.find((a) => !a.startsWith('-') && a !== 'link' && a !== 'addr' && a !== 'route') ?? ''),
    ).length;

beforeAll(async () => {
  clock = new ManualTimers(Date.UTC(2026, 10, 30, 10, 0, 0));
  changes = new NetworkChanges({ clock });
  sim = new SimulatedHost({ now: () => clock.now() });
  t = await startTestApp({ host: sim, appliance: { network: changes } });
  operator = await t.userWithRoles('netop', ['Operator']);
  reader = await t.userWithRoles('netview', ['ReadOnly']);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('reading', () => {
  test('every role reads the interfaces, bond with LACP state, VLAN, speeds, gateway, DNS', async () => {
    const n = await get(reader);
    expect(n.interfaces.map((i) => i.name)).toEqual(['eth0', 'eth1', 'eth2', 'eth3', 'bond0', 'bond0.100']);
    expect(iface(n, 'eth0')).toMatchObject({ kind: 'ethernet', state: 'UP', mtu: 1500, speedMbps: 10000, addressing: 'static', mac: '52:54:00:12:34:01' });
    expect(addrs(n, 'eth0')).toEqual(['10.0.0.10/24', 'fd00:10::10/64']);
    expect(iface(n, 'bond0')).toMatchObject({
      kind: 'bond',
      speedMbps: 20000,
      bond: { mode: '802.3ad', lacpRate: 'fast', xmitHashPolicy: 'layer3+4', members: ['eth1', 'eth2'], aggregatorId: 1 },
    });
    expect(iface(n, 'eth1')).toMatchObject({ master: 'bond0', lacp: { state: 'ACTIVE', inSync: true } });
    expect(iface(n, 'bond0.100')).toMatchObject({ kind: 'vlan', parent: 'bond0', vlanId: 100 });
    expect(iface(n, 'eth3')).toMatchObject({ state: 'DOWN', speedMbps: null, addressing: 'none' });
    expect(n).toMatchObject({ gateway4: '10.0.0.1', gateway6: 'fd00:10::1', renderer: 'ip', pending: null, managementInterface: null });
    // The configuration Calypso starts from is the live one.
    expect(n.config).toMatchObject({
      bonds: [{ name: 'bond0', members: ['eth1', 'eth2'], mode: '802.3ad' }],
      vlans: [{ name: 'bond0.100', parent: 'bond0', id: 100 }],
    });
  });
});

/** The current configuration with a change made to it. */
async function edited(change: (cfg: Net['config']) => void): Promise<Net['config']> {
  const cfg = structuredClone((await get()).config);
  change(cfg);
  return cfg;
}
const setIface = (cfg: Net['config'], name: string, patch: Record<string, unknown>) => {
  const i = cfg.interfaces.find((x) => x['name'] === name);
  if (i) Object.assign(i, patch);
  else cfg.interfaces.push({ name, dhcp4: false, dhcp6: false, addresses: [], mtu: null, ...patch });
};

describe('permissions and hostile input', () => {
  test('an Operator cannot re-address the appliance (403), nor confirm or revert; nothing ran', async () => {
    const before = changesRun();
    const cfg = await edited((c) => setIface(c, 'eth0', { addresses: ['10.0.0.99/24'] }));
    const res = await put(cfg, operator);
    expect(res.status).toBe(403);
    expect((await t.http.post('/api/v1/appliance/network/changes/1/confirm').set(bearer(operator))).status).toBe(403);
    expect((await t.http.post('/api/v1/appliance/network/changes/1/revert').set(bearer(reader))).status).toBe(403);
    expect(changesRun()).toBe(before);
    expect(addrs(await get(), 'eth0')).toEqual(['10.0.0.10/24', 'fd00:10::10/64']);
  });

  test.each([
    ['an interface name starting with -', (c: Net['config']) => setIface(c, '-eth0', { addresses: ['10.9.0.1/24'] }), /interface name/],
    ['an interface name with a shell character', (c: Net['config']) => setIface(c, 'eth0;reboot', {}), /interface name/],
    ['an interface name of 16 characters', (c: Net['config']) => setIface(c, 'abcdefghijklmnop', {}), /interface name|15/],
    ['an interface name ..', (c: Net['config']) => setIface(c, '..', {}), /interface name/],
    ['an address without a prefix', (c: Net['config']) => setIface(c, 'eth3', { addresses: ['10.0.3.10'] }), /prefix length/],
    ['an address out of range', (c: Net['config']) => setIface(c, 'eth3', { addresses: ['10.0.3.300/24'] }), /prefix length/],
    ['an address with a newline', (c: Net['config']) => setIface(c, 'eth3', { addresses: ['10.0.3.1/24\nnameserver 1.2.3.4'] }), /prefix length/],
    ['a loopback address', (c: Net['config']) => setIface(c, 'eth3', { addresses: ['127.0.0.2/8'] }), /loopback/],
    ['a network address', (c: Net['config']) => setIface(c, 'eth3', { addresses: ['10.0.3.0/24'] }), /network address/],
    ['a duplicate address', (c: Net['config']) => setIface(c, 'eth3', { addresses: ['10.0.0.10/16'] }), /twice/],
    ['an unknown interface', (c: Net['config']) => setIface(c, 'eth9', { addresses: ['10.0.9.1/24'] }), /no interface eth9/],
    ['a hostile host name', (c: Net['config']) => Object.assign(c, { hostname: 'calypso;rm -rf' }), /host name/],
    ['a host name starting with -', (c: Net['config']) => Object.assign(c, { hostname: '-calypso' }), /host name/],
    ['a gateway off every subnet', (c: Net['config']) => Object.assign(c, { gateway4: '172.16.0.1' }), /not on a configured subnet/],
    ['a gateway of the wrong family', (c: Net['config']) => Object.assign(c, { gateway4: 'fd00:10::1' }), /not an IPv4 address/],
    ['an MTU too large', (c: Net['config']) => setIface(c, 'eth0', { mtu: 70000 }), /65535/],
    [
      'a port in two bonds',
      (c: Net['config']) => Object.assign(c, { bonds: [...(c['bonds'] as object[]), { name: 'bond1', members: ['eth2', 'eth3'], mode: 'active-backup' }] }),
      /one bond only/,
    ],
    ['a bond port with its own address', (c: Net['config']) => setIface(c, 'eth1', { addresses: ['10.0.1.1/24'] }), /port of bond0/],
    ['an unknown bond mode', (c: Net['config']) => Object.assign(c, { bonds: [{ name: 'bond0', members: ['eth1', 'eth2'], mode: 'fastest' }] }), /mode/],
    ['a VLAN id of 5000', (c: Net['config']) => Object.assign(c, { vlans: [{ name: 'bond0.100', parent: 'bond0', id: 5000 }] }), /4094/],
    ['four DNS servers', (c: Net['config']) => Object.assign(c, { dns: { servers: ['1.1.1.1', '1.0.0.1', '8.8.8.8', '8.8.4.4'], search: [] } }), /3/],
    ['a search domain with a space', (c: Net['config']) => Object.assign(c, { dns: { servers: [], search: ['a b'] } }), /domain/],
    ['an unknown field', (c: Net['config']) => Object.assign(c, { script: 'x' }), /script/],
  ])('%s: 400, nothing applied', async (_what, change, message) => {
    const before = changesRun();
    const res = await put(await edited(change));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(message);
    expect(changesRun()).toBe(before);
    expect((await get()).pending).toBeNull();
  });
});

describe('apply, confirm, revert', () => {
  test('apply answers a pending change id; a second change is 409; confirm keeps it', async () => {
    const cfg = await edited((c) => {
      setIface(c, 'eth3', { addresses: ['10.0.3.10/24', 'fd00:3::10/64'], mtu: 9000 });
      setIface(c, 'eth0', { mtu: 9000 });
    });
    const res = await put(cfg);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ revertSeconds: 60, renderer: 'ip', deadlineAt: new Date(clock.now() + 60_000).toISOString() });
    expect(res.body.commands).toEqual(
      expect.arrayContaining([
        'ip link set dev eth0 mtu 9000',
        'ip addr add 10.0.3.10/24 dev eth3',
        'ip addr add fd00:3::10/64 dev eth3',
        'ip link set dev eth3 up',
      ]),
    );
    const id = res.body.changeId as number;
    let n = await get();
    expect(n.pending).toMatchObject({ id, remainingSeconds: 60, createdBy: 'admin' });
    expect(addrs(n, 'eth3')).toEqual(['10.0.3.10/24', 'fd00:3::10/64']);
    expect(iface(n, 'eth0').mtu).toBe(9000);

    const second = await put(await edited((c) => setIface(c, 'eth3', { mtu: 1500 })));
    expect(second.status).toBe(409);
    expect(second.body.detail).toMatch(new RegExp(`change ${id} by admin is waiting`));

    clock.advance(20_000);
    expect((await get()).pending!.remainingSeconds).toBe(40);
    const ok = await t.http.post(`/api/v1/appliance/network/changes/${id}/confirm`).set(bearer(t.adminToken));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ id, state: 'confirmed' });
    expect(clock.armed).toBe(0);
    clock.advance(120_000);
    await changes.idle();
    n = await get();
    expect(n.pending).toBeNull();
    expect(addrs(n, 'eth3')).toEqual(['10.0.3.10/24', 'fd00:3::10/64']);
    expect((await t.http.post(`/api/v1/appliance/network/changes/${id}/confirm`).set(bearer(t.adminToken))).status).toBe(409);
    expect((await t.http.post('/api/v1/appliance/network/changes/9999/confirm').set(bearer(t.adminToken))).status).toBe(404);
  });

  test('not confirmed: the daemon reverts it when the window ends (VLAN deleted, bond created, gateway moved: all put back), audited', async () => {
    const before = await get();
    const cfg = await edited((c) => {
      c['vlans'] = [{ name: 'eth0.200', parent: 'eth0', id: 200 }];
      c['bonds'] = [{ name: 'bond0', members: ['eth1', 'eth2'], mode: '802.3ad', lacpRate: 'fast', xmitHashPolicy: 'layer3+4' }];
      c.interfaces = c.interfaces.filter((i) => i['name'] !== 'bond0.100');
      setIface(c, 'eth0.200', { addresses: ['10.200.0.10/24'] });
      c['gateway4'] = '10.200.0.1';
      c['dns'] = { servers: ['10.200.0.53'], search: ['lab.example'] };
      c['hostname'] = 'calypso-lab';
    });
    const res = await put(cfg);
    expect(res.body).toMatchObject({ renderer: 'ip' });
    const id = res.body.changeId as number;
    let n = await get();
    expect(n.interfaces.map((i) => i.name)).toEqual(expect.arrayContaining(['eth0.200']));
    expect(n.interfaces.map((i) => i.name)).not.toContain('bond0.100');
    expect(n).toMatchObject({ gateway4: '10.200.0.1', dns: { servers: ['10.200.0.53'], search: ['lab.example'] }, hostname: 'calypso-lab' });

    clock.advance(59_000);
    await changes.idle();
    expect((await get()).pending).toMatchObject({ id, remainingSeconds: 1 });
    clock.advance(1_000);
    await changes.idle();

    n = await get();
    expect(n.pending).toBeNull();
    expect(n.interfaces.map((i) => i.name)).toEqual(before.interfaces.map((i) => i.name));
    expect(addrs(n, 'bond0.100')).toEqual(['192.168.100.10/24']);
    expect(iface(n, 'bond0.100')).toMatchObject({ vlanId: 100, parent: 'bond0' });
    expect(n.gateway4).toBe(before['gateway4']);
    expect(n.config).toEqual(before.config);
    const row = await t.app.db('network_changes').where({ id }).first();
    expect(row).toMatchObject({ state: 'reverted', finished_by: 'system' });
    const audit = await t.app.db('audit_log').whereIn('operation', ['appliance.network.apply', 'appliance.network.revert']).orderBy('id');
    expect(audit.map((a) => [a.operation, a.actor_name, a.face, a.result])).toEqual(
      expect.arrayContaining([
        ['appliance.network.apply', 'admin', 'api', 'ok'],
        ['appliance.network.revert', 'system', 'system', 'ok'],
      ]),
    );
    expect(audit.find((a) => a.operation === 'appliance.network.revert' && a.actor_name === 'system')!.target).toBe(String(id));
    // Confirming too late is refused: it was reverted.
    expect((await t.http.post(`/api/v1/appliance/network/changes/${id}/confirm`).set(bearer(t.adminToken))).status).toBe(409);
  });

  test('a bond replaced by another with the same ports (and its VLAN dropped), then put back by a revert', async () => {
    const before = await get();
    const res = await put(
      await edited((c) => {
        c['bonds'] = [{ name: 'bond1', members: ['eth1', 'eth2'], mode: 'active-backup' }];
        c['vlans'] = [];
        c.interfaces = c.interfaces.filter((i) => i['name'] !== 'bond0' && i['name'] !== 'bond0.100');
        setIface(c, 'bond1', { addresses: ['192.168.100.10/24'] });
      }),
    );
    expect(res.status).toBe(200);
    let n = await get();
    expect(n.interfaces.map((i) => i.name)).not.toContain('bond0');
    expect(iface(n, 'bond1')).toMatchObject({ kind: 'bond', bond: { mode: 'active-backup', members: ['eth1', 'eth2'] }, lacp: null });
    expect(addrs(n, 'bond1')).toEqual(['192.168.100.10/24']);
    const back = await t.http.post(`/api/v1/appliance/network/changes/${res.body.changeId}/revert`).set(bearer(t.adminToken));
    expect(back.status).toBe(200);
    n = await get();
    expect(n.interfaces.map((i) => i.name)).toEqual(before.interfaces.map((i) => i.name));
    expect(iface(n, 'bond0')).toMatchObject({ bond: { mode: '802.3ad', members: ['eth1', 'eth2'], lacpRate: 'fast', xmitHashPolicy: 'layer3+4' } });
    expect(addrs(n, 'bond0.100')).toEqual(['192.168.100.10/24']);
  });

  test('revert by hand', async () => {
    const res = await put(await edited((c) => setIface(c, 'eth3', { mtu: 1400 })));
    expect(res.status).toBe(200);
    expect(iface(await get(), 'eth3').mtu).toBe(1400);
    const back = await t.http.post(`/api/v1/appliance/network/changes/${res.body.changeId}/revert`).set(bearer(t.adminToken));
    expect(back.status).toBe(200);
    expect(back.body).toEqual({ id: res.body.changeId, state: 'reverted' });
    expect(iface(await get(), 'eth3').mtu).toBe(9000);
    expect(clock.armed).toBe(0);
  });

  test('what ip refuses mid-way is a 502 with its words, and what was done before it is undone', async () => {
    const before = await get();
    const cfg = await edited((c) => {
      setIface(c, 'eth3', { addresses: [...(c.interfaces.find((i) => i['name'] === 'eth3')!['addresses'] as string[]), '10.0.5.10/24'] });
      // bond0's ports take at most 9216: the kernel refuses, after eth3 got its new address.
      setIface(c, 'bond0', { mtu: 9500 });
    });
    const res = await put(cfg);
    expect(res.status).toBe(502);
    expect(JSON.stringify(res.body)).toMatch(/mtu greater than device maximum/);
    const n = await get();
    expect(n.pending).toBeNull();
    expect(addrs(n, 'eth3')).toEqual(addrs(before, 'eth3'));
    expect(n.config).toEqual(before.config);
    expect(await t.app.db('network_changes').where({ state: 'pending' })).toEqual([]);
  });
});

describe('the interface the session came in on', () => {
  test('a change to it needs its name typed; other changes do not; a gateway change counts for a routed client', async () => {
    const lan = '10.0.0.77';
    let n = await get(t.adminToken, lan);
    expect(n.managementInterface).toBe('eth0');
    expect(iface(n, 'eth0')['management']).toBe(true);

    const cfg = await edited((c) => setIface(c, 'eth0', { mtu: 1500 }));
    const refused = await put(cfg, t.adminToken, lan);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/touches eth0, the interface this session came in on/);
    expect(refused.body.errors).toEqual([{ path: 'confirmInterface', message: 'type eth0 to confirm' }]);
    expect((await put({ ...cfg, confirmInterface: 'eth3' }, t.adminToken, lan)).status).toBe(400);
    expect((await get()).pending).toBeNull();

    const other = await put(await edited((c) => setIface(c, 'eth3', { mtu: 1500 })), t.adminToken, lan);
    expect(other.status).toBe(200);
    await t.http.post(`/api/v1/appliance/network/changes/${other.body.changeId}/confirm`).set(bearer(t.adminToken)).expect(200);

    // A client beyond the gateway came in on eth0 through 10.0.0.1: moving the gateway could cut it off.
    const far = '203.0.113.9';
    expect((await get(t.adminToken, far)).managementInterface).toBe('eth0');
    const gw = await edited((c) => Object.assign(c, { gateway4: '10.0.0.254' }));
    expect((await put(gw, t.adminToken, far)).status).toBe(400);
    // The local console and loopback clients came in on no interface.
    expect((await get(t.adminToken)).managementInterface).toBeNull();

    const forced = await put({ ...cfg, confirmInterface: 'eth0' }, t.adminToken, lan);
    expect(forced.status).toBe(200);
    n = await get(t.adminToken, lan);
    expect(iface(n, 'eth0').mtu).toBe(1500);
    clock.advance(60_000);
    await changes.idle();
    expect(iface(await get(), 'eth0').mtu).toBe(9000);
  });
});

describe('a daemon restart', () => {
  test('a change left pending by a stopped daemon is reverted at the next start once its deadline passed', async () => {
    const mtuBefore = iface(await get(), 'eth3').mtu;
    const res = await put(await edited((c) => setIface(c, 'eth3', { mtu: 1600 })));
    expect(res.status).toBe(200);
    // The daemon stops: its timers go with it (the row stays pending).
    await changes.stop();
    clock.advance(300_000);
    await changes.idle();
    expect(iface(await get(), 'eth3').mtu).toBe(1600);
    // The next daemon re-arms from the table: the deadline passed, so it reverts at once, as the system.
    const next = new NetworkChanges({ clock });
    try {
      await next.recover(t.app.db, t.app.call);
      clock.advance(0);
      await next.idle();
    } finally {
      await next.stop();
    }
    expect(await t.app.db('network_changes').where({ id: res.body.changeId }).first()).toMatchObject({ state: 'reverted', finished_by: 'system' });
    expect(iface(await get(), 'eth3').mtu).toBe(mtuBefore);
  });
});
