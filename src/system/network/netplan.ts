/**
 * The network configuration rendered for Ubuntu 24.04: one netplan file (docs/network.md says why
 * netplan rather than hand-written systemd-networkd units). netplan renders it for
 * systemd-networkd (`renderer: networkd`); `netplan generate` checks it, `netplan apply` makes it
 * live. Every value in the file went through the contract's validation (names, addresses, modes
 * from fixed lists); strings are written as JSON strings, which YAML reads as the same strings.
 */
import type { NetworkConfig } from './config.js';
import { inSubnet, parseCidr } from './config.js';

export interface RenderedFile {
  path: string;
  content: string;
  mode: number;
}

/** A way to make a configuration the appliance's own: render it, check it, apply it. */
export interface NetworkRenderer {
  readonly name: string;
  render(config: NetworkConfig): RenderedFile[];
  /** The command that checks the written files (argv), or null. */
  checkCommand(): [string, string[]] | null;
  /** The command that makes the written files live. */
  applyCommand(): [string, string[]];
}

const q = (s: string) => JSON.stringify(s);
const list = (xs: string[]) => `[${xs.map(q).join(', ')}]`;

export class NetplanRenderer implements NetworkRenderer {
  readonly name = 'netplan';
  constructor(
    readonly path = '/etc/netplan/90-calypso.yaml',
    private readonly netplan = 'netplan',
  ) {}

  checkCommand(): [string, string[]] {
    return [this.netplan, ['generate']];
  }

  applyCommand(): [string, string[]] {
    return [this.netplan, ['apply']];
  }

  render(config: NetworkConfig): RenderedFile[] {
    return [{ path: this.path, content: renderNetplan(config), mode: 0o600 }];
  }
}

/** The interface whose static subnet holds `gateway` (routes are per interface in netplan). */
function gatewayInterface(config: NetworkConfig, gateway: string | null): string | null {
  if (!gateway) return null;
  for (const i of config.interfaces) {
    for (const a of i.addresses) {
      const c = parseCidr(a);
      if (c && inSubnet(gateway, c)) return i.name;
    }
  }
  return null;
}

export function renderNetplan(config: NetworkConfig): string {
  const bonds = new Map(config.bonds.map((b) => [b.name, b]));
  const vlans = new Map(config.vlans.map((v) => [v.name, v]));
  const members = new Set(config.bonds.flatMap((b) => b.members));
  const gw4 = gatewayInterface(config, config.gateway4);
  const gw6 = gatewayInterface(config, config.gateway6);
  // DNS goes with the interface of the default route (or the first configured one): systemd-resolved uses it for every lookup.
  const dnsOn = gw4 ?? gw6 ?? config.interfaces[0]?.name ?? null;

  const body = (name: string, extra: string[]): string[] => {
    const i = config.interfaces.find((x) => x.name === name);
    const lines = [...extra];
    lines.push(`dhcp4: ${i?.dhcp4 ? 'true' : 'false'}`, `dhcp6: ${i?.dhcp6 ? 'true' : 'false'}`);
    if (i?.addresses.length) lines.push(`addresses: ${list(i.addresses)}`);
    if (i?.mtu) lines.push(`mtu: ${i.mtu}`);
    const routes: string[] = [];
    if (gw4 === name && config.gateway4) routes.push(`{to: default, via: ${q(config.gateway4)}}`);
    if (gw6 === name && config.gateway6) routes.push(`{to: default, via: ${q(config.gateway6)}}`);
    if (routes.length) lines.push(`routes: [${routes.join(', ')}]`);
    if (dnsOn === name && (config.dns.servers.length || config.dns.search.length))
      lines.push(`nameservers: {addresses: ${list(config.dns.servers)}, search: ${list(config.dns.search)}}`);
    return lines;
  };
  const section = (title: string, entries: [string, string[]][]): string[] =>
    entries.length ? [`  ${title}:`, ...entries.flatMap(([n, lines]) => [`    ${q(n)}:`, ...lines.map((l) => `      ${l}`)])] : [];

  const ethernets = [...new Set([...config.interfaces.map((i) => i.name), ...members])].filter((n) => !bonds.has(n) && !vlans.has(n));
  const out = [
    '# Written by Calypso (appliance network settings); changes made here are replaced at the next apply.',
    'network:',
    '  version: 2',
    '  renderer: networkd',
    ...section(
      'ethernets',
      ethernets.map((n) => [n, members.has(n) ? ['dhcp4: false', 'dhcp6: false'] : body(n, [])]),
    ),
    ...section(
      'bonds',
      config.bonds.map((b) => {
        const params = [`mode: ${q(b.mode)}`];
        if (b.lacpRate && b.mode === '802.3ad') params.push(`lacp-rate: ${q(b.lacpRate)}`);
        if (b.xmitHashPolicy) params.push(`transmit-hash-policy: ${q(b.xmitHashPolicy)}`);
        params.push('mii-monitor-interval: 100');
        return [b.name, body(b.name, [`interfaces: ${list(b.members)}`, `parameters: {${params.join(', ')}}`])];
      }),
    ),
    ...section(
      'vlans',
      config.vlans.map((v) => [v.name, body(v.name, [`id: ${v.id}`, `link: ${q(v.parent)}`])]),
    ),
  ];
  return `${out.join('\n')}\n`;
}
