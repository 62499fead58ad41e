/**
 * The netplan way of applying (a real appliance): the configuration rendered to
 * /etc/netplan/90-calypso.yaml (0600), checked by `netplan generate`, made live by `netplan apply`,
 * the host name set with hostnamectl; a refused file is put back and nothing stays pending; the
 * automatic revert renders the previous configuration and applies it again. netplan is not in
 * Debian 12, so a host around the simulated appliance plays it (recording what ran) and the
 * simulated iproute2 answers the reads.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { NetworkChanges, setNetworkDeployment } from '../../../src/services/appliance/network.js';
import { ManualTimers } from '../../helpers/manual-clock.js';
import type { CommandRecord, Host, RunOptions, RunResult } from '../../../src/system/host.js';
import { HostCommandError } from '../../../src/system/host.js';
import { SimulatedHost } from '../../../src/system/sim/simulated-host.js';
import { bearer, startTestApp, type TestApp } from '../../helpers/app.js';

const FILE = '/etc/netplan/90-calypso.yaml';

/** The simulated appliance with netplan, hostname and hostnamectl played here. */
class NetplanSim implements Host {
  readonly kind = 'sim' as const;
  readonly ran: string[] = [];
  refuseGenerate: string | null = null;
  hostname = 'calypso.example.net';
  constructor(private readonly sim: SimulatedHost) {}
  get files() {
    return this.sim.files;
  }
  async run(command: string, args: string[], opts?: RunOptions): Promise<RunResult> {
    if (command === 'netplan' || command === 'hostnamectl' || command === 'hostname') {
      this.ran.push([command, ...args].join(' '));
      if (command === 'hostname') return { code: 0, stdout: `${this.hostname}\n`, stderr: '' };
      if (command === 'hostnamectl') this.hostname = args[1]!;
      if (command === 'netplan' && args[0] === 'generate' && this.refuseGenerate) throw new HostCommandError(command, args, 1, this.refuseGenerate);
      return { code: 0, stdout: '', stderr: '' };
    }
    return this.sim.run(command, args, opts);
  }
  history(limit?: number): CommandRecord[] {
    return this.sim.history(limit);
  }
}

let t: TestApp;
let host: NetplanSim;
const clock = new ManualTimers(Date.UTC(2026, 10, 30, 12, 0, 0));
const changes = new NetworkChanges({ clock });

beforeAll(async () => {
  host = new NetplanSim(new SimulatedHost({ now: () => clock.now() }));
  t = await startTestApp({ host, appliance: { network: changes } });
  await setNetworkDeployment(t.app.db, 'sim', { mode: 'netplan', hostnameManager: 'hostnamectl', dnsWritePath: null });
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const get = async () => (await t.http.get('/api/v1/appliance/network').set(bearer(t.adminToken))).body;

describe('netplan', () => {
  test('apply: rendered, checked, applied, host name set; the revert renders the previous configuration', async () => {
    const n = await get();
    expect(n).toMatchObject({ renderer: 'netplan', hostname: 'calypso', domain: 'example.net' });
    const cfg = n.config;
    cfg.interfaces = cfg.interfaces.map((i: { name: string }) => (i.name === 'eth3' ? { ...i, addresses: ['10.0.3.10/24'], mtu: 9000 } : i));
    cfg.hostname = 'backup1';
    const res = await t.http.put('/api/v1/appliance/network').set(bearer(t.adminToken)).send(cfg);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ renderer: 'netplan', commands: ['netplan generate', 'netplan apply', 'hostnamectl set-hostname backup1.example.net'] });
    const file = await host.files.read(FILE);
    expect(file).toContain('  renderer: networkd');
    expect(file).toMatch(/ {4}"eth3":\n {6}dhcp4: false\n {6}dhcp6: false\n {6}addresses: \["10\.0\.3\.10\/24"\]\n {6}mtu: 9000\n/);
    expect(file).toMatch(
      / {4}"bond0":\n {6}interfaces: \["eth1", "eth2"\]\n {6}parameters: \{mode: "802\.3ad", lacp-rate: "fast", transmit-hash-policy: "layer3\+4"/,
    );
    expect(file).toMatch(/routes: \[\{to: default, via: "10\.0\.0\.1"\}, \{to: default, via: "fd00:10::1"\}\]/);
    expect(host.hostname).toBe('backup1.example.net');

    host.ran.length = 0;
    clock.advance(60_000);
    await changes.idle();
    expect(host.ran).toEqual(['netplan generate', 'netplan apply', 'hostnamectl set-hostname calypso.example.net']);
    const back = await host.files.read(FILE);
    expect(back).not.toContain('10.0.3.10/24');
    expect(back).toMatch(/ {4}"eth3":\n {6}dhcp4: false\n {6}dhcp6: false\n {6}mtu: 1500\n/);
    expect((await get()).pending).toBeNull();
  });

  test('netplan generate refuses: 502 with its words, the previous file back, nothing pending', async () => {
    const before = await host.files.read(FILE);
    host.refuseGenerate = '/etc/netplan/90-calypso.yaml:12:7: Error in network definition: invalid something';
    const cfg = (await get()).config;
    cfg.dns = { servers: ['10.0.0.53'], search: [] };
    const res = await t.http.put('/api/v1/appliance/network').set(bearer(t.adminToken)).send(cfg);
    host.refuseGenerate = null;
    expect(res.status).toBe(502);
    expect(JSON.stringify(res.body)).toMatch(/Error in network definition/);
    expect(await host.files.read(FILE)).toBe(before);
    const n = await get();
    expect(n.pending).toBeNull();
    expect(n.config.dns.servers).toEqual([]);
  });
});
