/** iproute2 JSON parsers on output captured from iproute2 6.1 (test/fixtures/iproute2/README.md), the planner and the netplan renderer. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import {
  configFromLive,
  parseIpAddr,
  parseIpLink,
  parseIpRoute,
  parseResolvConf,
  parseRouteGet,
  planIpChanges,
  type LiveNetwork,
  type NetworkConfig,
} from '../../../src/system/network/index.js';
import { renderNetplan } from '../../../src/system/network/netplan.js';
import { ToolOutputError } from '../../../src/system/host.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/iproute2/${name}`, import.meta.url), 'utf8');

describe('ip -j link show', () => {
  test('captured links: kinds, state, MTU, MAC, bridge ports', () => {
    const links = parseIpLink(fixture('link-details.json'));
    const by = new Map(links.map((l) => [l.name, l]));
    expect([...by.keys()]).toEqual(expect.arrayContaining(['lo', 'eth0', 'eth1', 'eth2', 'br0', 'peer0', 'peer1']));
    expect(by.get('lo')!.kind).toBe('loopback');
    expect(by.get('eth0')).toMatchObject({ kind: 'veth', state: 'UP', adminUp: true, carrier: true, mtu: 9000, parent: 'peer0', master: null });
    expect(by.get('eth0')!.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(by.get('br0')!.kind).toBe('bridge');
    expect(by.get('peer0')!.master).toBe('br0');
    expect(by.get('peer1')).toMatchObject({ state: 'LOWERLAYERDOWN', carrier: false });
    // Without -d there is no linkinfo: a veth reads as ethernet, the bridge as other.
    const plain = new Map(parseIpLink(fixture('link.json')).map((l) => [l.name, l]));
    expect(plain.get('eth0')!.kind).toBe('ethernet');
    expect(plain.get('eth0')!.mtu).toBe(9000);
  });

  test('bond, bond ports with LACP state, VLAN (hand-written sample, see README)', () => {
    const by = new Map(parseIpLink(fixture('link-details-bond-vlan.json')).map((l) => [l.name, l]));
    expect(by.get('bond0')!.bond).toEqual({
      mode: '802.3ad',
      xmitHashPolicy: 'layer3+4',
      lacpRate: 'fast',
      miimon: 100,
      aggregatorId: 1,
      partnerMac: '00:1c:73:aa:bb:cc',
    });
    expect(by.get('eth1')).toMatchObject({ master: 'bond0', bondPort: { state: 'ACTIVE', miiStatus: 'UP' } });
    expect(by.get('eth1')!.bondPort!.lacpActorState).toContain('distributing');
    expect(by.get('eth2')!.bondPort!.lacpActorState).toContain('defaulted');
    expect(by.get('bond0.100')).toMatchObject({ kind: 'vlan', parent: 'bond0', vlanId: 100 });
  });

  test('unreadable output is a ToolOutputError naming the tool', () => {
    expect(() => parseIpLink('{"not": "a list"}')).toThrow(ToolOutputError);
    expect(() => parseIpLink('[{"ifname": "x"}]')).toThrow(/ifindex/);
    expect(() => parseIpAddr('garbage')).toThrow(ToolOutputError);
  });
});

describe('ip -j addr / route', () => {
  test('addresses: static and dynamic (a finite lifetime, as DHCP gives)', () => {
    const addrs = parseIpAddr(fixture('addr.json'));
    expect(addrs.get('eth0')!.filter((a) => a.scope === 'global')).toEqual([
      { family: 'inet', address: '10.213.1.10', prefix: 24, scope: 'global', dynamic: false },
      { family: 'inet6', address: 'fd00:cafe::10', prefix: 64, scope: 'global', dynamic: false },
    ]);
    expect(addrs.get('br0')!.find((a) => a.family === 'inet')).toMatchObject({ address: '10.213.2.5', dynamic: true });
    expect(addrs.get('eth1')).toEqual([]);
  });

  test('routes and route get', () => {
    const r4 = parseIpRoute(fixture('route.json'));
    expect(r4.find((r) => r.dst === 'default')).toMatchObject({ gateway: '10.213.1.1', dev: 'eth0' });
    expect(r4.find((r) => r.dst === '10.213.1.0/24')).toMatchObject({ dev: 'eth0', protocol: 'kernel', gateway: null });
    const r6 = parseIpRoute(fixture('route6.json'));
    expect(r6.find((r) => r.dst === 'default')).toMatchObject({ gateway: 'fd00:cafe::1', metric: 1024 });
    expect(parseRouteGet(fixture('route-get.json'))).toMatchObject({ dev: 'eth0', gateway: null });
    expect(parseRouteGet(fixture('route-get-gw.json'))).toMatchObject({ dev: 'eth0', gateway: '10.213.1.1' });
    expect(parseRouteGet('[]')).toBeNull();
  });

  test('resolv.conf', () => {
    expect(parseResolvConf('# x\nnameserver 10.0.0.53\nnameserver fd00::53 # comment\nsearch a.example b.example\noptions edns0\n')).toEqual({
      nameservers: ['10.0.0.53', 'fd00::53'],
      search: ['a.example', 'b.example'],
    });
  });
});

function captured(): LiveNetwork {
  return {
    links: parseIpLink(fixture('link-details.json')),
    addresses: parseIpAddr(fixture('addr.json')),
    routes4: parseIpRoute(fixture('route.json')),
    routes6: parseIpRoute(fixture('route6.json')),
  };
}

describe('planner and renderer', () => {
  test('a configuration read from the live network plans nothing; a change plans exactly its commands', () => {
    const live = captured();
    const from = configFromLive(live, 'calypso', 'example.net', { servers: [], search: [] });
    expect(from.interfaces.map((i) => i.name)).toEqual(expect.arrayContaining(['eth0', 'eth1', 'eth2']));
    expect(from.interfaces.find((i) => i.name === 'eth0')).toEqual({
      name: 'eth0',
      dhcp4: false,
      dhcp6: false,
      addresses: ['10.213.1.10/24', 'fd00:cafe::10/64'],
      mtu: 9000,
    });
    expect(from.gateway4).toBe('10.213.1.1');
    expect(planIpChanges(from, from, live)).toEqual([]);
    const to: NetworkConfig = {
      ...from,
      interfaces: from.interfaces.map((i) => (i.name === 'eth0' ? { ...i, mtu: 1500, addresses: ['10.213.1.11/24', 'fd00:cafe::10/64'] } : i)),
      gateway4: '10.213.1.254',
    };
    expect(planIpChanges(from, to, live)).toEqual([
      ['link', 'set', 'dev', 'eth0', 'mtu', '1500'],
      ['addr', 'del', '10.213.1.10/24', 'dev', 'eth0'],
      ['addr', 'add', '10.213.1.11/24', 'dev', 'eth0'],
      ['route', 'replace', 'default', 'via', '10.213.1.254'],
    ]);
  });

  test('bonds and VLANs: created with their ports, deleted with them released', () => {
    const live = captured();
    const from = configFromLive(live, 'calypso', '', { servers: [], search: [] });
    const to: NetworkConfig = {
      ...from,
      interfaces: [
        ...from.interfaces.filter((i) => i.name !== 'eth1' && i.name !== 'eth2'),
        { name: 'bond1', dhcp4: false, dhcp6: false, addresses: [], mtu: null },
      ],
      bonds: [{ name: 'bond1', members: ['eth1', 'eth2'], mode: '802.3ad', lacpRate: 'fast', xmitHashPolicy: 'layer3+4' }],
      vlans: [{ name: 'bond1.7', parent: 'bond1', id: 7 }],
    };
    const plan = planIpChanges(from, to, live);
    expect(plan.slice(0, 4)).toEqual([
      ['link', 'add', 'name', 'bond1', 'type', 'bond', 'mode', '802.3ad', 'xmit_hash_policy', 'layer3+4', 'lacp_rate', 'fast'],
      ['link', 'set', 'dev', 'eth1', 'down'],
      ['link', 'set', 'dev', 'eth1', 'master', 'bond1'],
      ['link', 'set', 'dev', 'eth1', 'up'],
    ]);
    expect(plan).toContainEqual(['link', 'add', 'link', 'bond1', 'name', 'bond1.7', 'type', 'vlan', 'id', '7']);
    expect(plan).toContainEqual(['link', 'set', 'dev', 'bond1', 'up']);
  });

  test('netplan: ports, bond parameters, VLAN, routes and DNS on the gateway interface; every value quoted', () => {
    const cfg: NetworkConfig = {
      hostname: 'calypso',
      domain: 'example.net',
      interfaces: [
        { name: 'eth0', dhcp4: false, dhcp6: false, addresses: ['10.0.0.10/24'], mtu: 1500 },
        { name: 'bond0', dhcp4: true, dhcp6: false, addresses: [], mtu: 9000 },
        { name: 'bond0.100', dhcp4: false, dhcp6: false, addresses: ['192.168.100.10/24', 'fd00:100::10/64'], mtu: null },
      ],
      bonds: [{ name: 'bond0', members: ['eth1', 'eth2'], mode: '802.3ad', lacpRate: 'fast', xmitHashPolicy: 'layer3+4' }],
      vlans: [{ name: 'bond0.100', parent: 'bond0', id: 100 }],
      gateway4: '10.0.0.1',
      gateway6: 'fd00:100::1',
      dns: { servers: ['10.0.0.53'], search: ['example.net'] },
    };
    expect(renderNetplan(cfg)).toBe(
      [
        '# Written by Calypso (appliance network settings); changes made here are replaced at the next apply.',
        'network:',
        '  version: 2',
        '  renderer: networkd',
        '  ethernets:',
        '    "eth0":',
        '      dhcp4: false',
        '      dhcp6: false',
        '      addresses: ["10.0.0.10/24"]',
        '      mtu: 1500',
        '      routes: [{to: default, via: "10.0.0.1"}]',
        '      nameservers: {addresses: ["10.0.0.53"], search: ["example.net"]}',
        '    "eth1":',
        '      dhcp4: false',
        '      dhcp6: false',
        '    "eth2":',
        '      dhcp4: false',
        '      dhcp6: false',
        '  bonds:',
        '    "bond0":',
        '      interfaces: ["eth1", "eth2"]',
        '      parameters: {mode: "802.3ad", lacp-rate: "fast", transmit-hash-policy: "layer3+4", mii-monitor-interval: 100}',
        '      dhcp4: true',
        '      dhcp6: false',
        '      mtu: 9000',
        '  vlans:',
        '    "bond0.100":',
        '      id: 100',
        '      link: "bond0"',
        '      dhcp4: false',
        '      dhcp6: false',
        '      addresses: ["192.168.100.10/24", "fd00:100::10/64"]',
        '      routes: [{to: default, via: "fd00:100::1"}]',
        '',
      ].join('\n'),
    );
  });
});
