/**
 * The simulated appliance's iproute2: the same JSON keys as the real tool's captured output, parsed
 * by the same parsers, and the real refusals with their words and exit codes
 * (test/fixtures/iproute2/errors.txt).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { HostCommandError } from '../../../src/system/host.js';
import { NetworkAdapter, parseIpAddr, parseIpLink } from '../../../src/system/network/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/iproute2/${name}`, import.meta.url), 'utf8');

async function refusal(sim: SimulatedHost, args: string[]): Promise<{ code: number | null; stderr: string }> {
  try {
    await sim.run('ip', args);
  } catch (err) {
    if (err instanceof HostCommandError) return { code: err.code, stderr: err.stderr.trim() };
    throw err;
  }
  throw new Error(`ip ${args.join(' ')} was accepted`);
}

describe('simulated ip', () => {
  test('link and addr entries carry the keys the real iproute2 prints', async () => {
    const sim = new SimulatedHost();
    const simLinks = JSON.parse((await sim.run('ip', ['-j', '-d', 'link', 'show'])).stdout) as Record<string, unknown>[];
    const realLinks = JSON.parse(fixture('link-details.json')) as Record<string, unknown>[];
    const realEth = realLinks.find((l) => l['ifname'] === 'eth0')!;
    const simEth = simLinks.find((l) => l['ifname'] === 'eth0')!;
    for (const key of [
      'ifindex',
      'ifname',
      'flags',
      'mtu',
      'qdisc',
      'operstate',
      'linkmode',
      'group',
      'txqlen',
      'link_type',
      'address',
      'broadcast',
      'min_mtu',
      'max_mtu',
    ])
      expect([key, key in simEth]).toEqual([key, key in realEth]);
    const realAddr = (JSON.parse(fixture('addr.json')) as { ifname: string; addr_info: Record<string, unknown>[] }[]).find((l) => l.ifname === 'eth0')!
      .addr_info[0]!;
    const simAddr = (JSON.parse((await sim.run('ip', ['-j', 'addr', 'show'])).stdout) as { ifname: string; addr_info: Record<string, unknown>[] }[]).find(
      (l) => l.ifname === 'eth0',
    )!.addr_info[0]!;
    expect(Object.keys(simAddr).sort()).toEqual(Object.keys(realAddr).sort());
    // The bond sample's keys (hand-written, see the fixtures README) are what the simulator prints too.
    const bond = simLinks.find((l) => l['ifname'] === 'bond0') as { linkinfo: { info_data: Record<string, unknown> } };
    expect(Object.keys(bond.linkinfo.info_data)).toEqual(expect.arrayContaining(['mode', 'miimon', 'xmit_hash_policy', 'ad_lacp_rate', 'ad_info']));
    expect(parseIpLink(JSON.stringify(simLinks)).find((l) => l.name === 'bond0')!.bond!.mode).toBe('802.3ad');
    expect(parseIpAddr((await sim.run('ip', ['-j', 'addr', 'show'])).stdout).get('bond0.100')![0]!.address).toBe('192.168.100.10');
  });

  test('the real refusals, words and exit codes', async () => {
    const sim = new SimulatedHost();
    expect(await refusal(sim, ['link', 'set', 'dev', 'nosuch', 'mtu', '1400'])).toEqual({ code: 1, stderr: 'Cannot find device "nosuch"' });
    expect(await refusal(sim, ['addr', 'add', '10.0.0.10/24', 'dev', 'eth0'])).toEqual({ code: 2, stderr: 'Error: ipv4: Address already assigned.' });
    expect(await refusal(sim, ['addr', 'del', '10.213.9.9/24', 'dev', 'eth0'])).toEqual({ code: 2, stderr: 'Error: ipv4: Address not found.' });
    expect(await refusal(sim, ['link', 'set', 'dev', 'eth0', 'mtu', '99999'])).toEqual({ code: 2, stderr: 'Error: mtu greater than device maximum.' });
    expect(await refusal(sim, ['link', 'set', 'dev', 'eth0', 'mtu', '10'])).toEqual({ code: 2, stderr: 'Error: mtu less than device minimum.' });
    expect(await refusal(sim, ['route', 'replace', 'default', 'via', '10.99.0.1'])).toEqual({ code: 2, stderr: 'Error: Nexthop has invalid gateway.' });
    expect(await refusal(sim, ['addr', 'add', '300.1.1.1/24', 'dev', 'eth0'])).toEqual({
      code: 1,
      stderr: 'Error: any valid prefix is expected rather than "300.1.1.1/24".',
    });
    expect(await refusal(sim, ['link', 'del', 'nosuch'])).toEqual({ code: 1, stderr: 'Cannot find device "nosuch"' });
    expect(await refusal(sim, ['route', 'del', 'default', 'via', '10.0.0.254'])).toEqual({ code: 2, stderr: 'RTNETLINK answers: No such process' });
    expect(await refusal(sim, ['-j', 'addr', 'show', 'dev', 'nosuch'])).toEqual({ code: 1, stderr: 'Device "nosuch" does not exist.' });
    expect(await refusal(sim, ['link', 'add', 'name', 'br9', 'type', 'bridge'])).toEqual({ code: 2, stderr: 'Error: Unknown device type.' });
    // A port joins a bond only while down, as the bonding driver wants.
    expect(await refusal(sim, ['link', 'set', 'dev', 'eth0', 'master', 'bond0'])).toEqual({ code: 2, stderr: 'Error: Device can not be enslaved while up.' });
  });

  test('bond and VLAN made and read back; a removed address takes its default route with it', async () => {
    const sim = new SimulatedHost();
    const net = new NetworkAdapter(sim);
    await net.run([
      ['link', 'add', 'name', 'bond1', 'type', 'bond', 'mode', 'active-backup'],
      ['link', 'set', 'dev', 'eth3', 'down'],
      ['link', 'set', 'dev', 'eth3', 'master', 'bond1'],
      ['link', 'add', 'link', 'bond1', 'name', 'bond1.7', 'type', 'vlan', 'id', '7'],
      ['link', 'set', 'dev', 'bond1', 'up'],
    ]);
    const live = await net.read();
    expect(live.links.find((l) => l.name === 'bond1')!.bond!.mode).toBe('active-backup');
    expect(live.links.find((l) => l.name === 'eth3')!.master).toBe('bond1');
    expect(live.links.find((l) => l.name === 'bond1.7')).toMatchObject({ kind: 'vlan', vlanId: 7, parent: 'bond1' });
    expect(await net.routeTo('10.0.0.77')).toMatchObject({ dev: 'eth0', gateway: null });
    expect(await net.routeTo('198.51.100.1')).toMatchObject({ dev: 'eth0', gateway: '10.0.0.1' });
    expect(await net.routeTo('fd00:10::99')).toMatchObject({ dev: 'eth0' });
    await net.run([['addr', 'del', '10.0.0.10/24', 'dev', 'eth0']]);
    expect((await net.read()).routes4.find((r) => r.dst === 'default')).toBeUndefined();
    expect(await net.speed('bond0')).toBe(20000);
    expect(await net.speed('eth3')).toBeNull();
  });
});
