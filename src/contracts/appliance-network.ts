/**
 * The appliance's network (issue 15): interfaces, bonds, VLANs, bridges, routes, DNS and the host
 * name, read by everyone with appliance.read; changed only by appliance.network (Admin): an
 * Operator must not be able to re-address the appliance. A change is applied with a safety net:
 * it is reverted automatically unless confirmed within the revert window (60 s), and a change that
 * touches the interface the caller came in on needs that interface's name typed in
 * `confirmInterface`.
 */
import net from 'node:net';
import { z } from 'zod';
import { contractSet, defineContract, definePermissions } from './core.js';
import { isoTime } from './time.js';
import { rowId } from './list.js';

export const networkPermissions = definePermissions([
  {
    name: 'appliance.network',
    description: 'Change the network: addresses, MTU, VLANs, bonds, gateway, DNS and the host name; confirm or revert a pending change',
    level: 'admin',
  },
]);

export const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'] as const;
export const XMIT_HASH_POLICIES = ['layer2', 'layer2+3', 'layer3+4', 'encap2+3', 'encap3+4', 'vlan+srcmac'] as const;

/** Linux interface names: 1-15 of letters, digits, '_', '.', '-', not starting with '-' ('.' and '..' refused). */
export const interfaceName = z
  .string()
  .min(1)
  .max(15)
  .regex(/^(?!\.{1,2}$)[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/, "an interface name: 1-15 letters, digits, '_', '.' or '-', not starting with '-'")
  .meta({ examples: ['eth0'] });

function validCidr(v: string): boolean {
  const m = /^([0-9A-Fa-f:.]+)\/(\d{1,3})$/.exec(v);
  if (!m) return false;
  const family = net.isIP(m[1]!);
  return family !== 0 && Number(m[2]) <= (family === 4 ? 32 : 128) && Number(m[2]) >= (family === 4 ? 1 : 8);
}

/** An interface address with its prefix length: 10.0.0.10/24 or fd00::10/64. */
export const interfaceAddress = z
  .string()
  .min(4)
  .max(50)
  .refine(validCidr, 'an IPv4 or IPv6 address with its prefix length, such as 10.0.0.10/24 or fd00::10/64')
  .meta({ examples: ['192.0.2.10/24'] });

export const ipAddress = z
  .string()
  .min(2)
  .max(45)
  .refine((v) => net.isIP(v) !== 0, 'an IPv4 or IPv6 address')
  .meta({ examples: ['192.0.2.1'] });

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
export const hostLabel = z
  .string()
  .min(1)
  .max(63)
  .regex(new RegExp(`^${LABEL}$`), 'a host name: letters, digits and dashes (not at either end), at most 63')
  .meta({ examples: ['calypso'] });
export const domainName = z
  .string()
  .max(253)
  .regex(new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*)?$`), 'a domain name: labels of letters, digits and dashes separated by dots (empty: none)')
  .meta({ examples: ['example.net'] });

const interfaceConfig = z.object({
  name: interfaceName.describe('Interface: a port (eth0), a bond or a VLAN declared below'),
  dhcp4: z.boolean().default(false).describe('Get an IPv4 address by DHCP'),
  dhcp6: z.boolean().default(false).describe('Get an IPv6 address by DHCPv6 / router advertisements'),
  addresses: z.array(interfaceAddress.describe('Static address with prefix length')).max(16).default([]).describe('Static addresses (IPv4 and IPv6)'),
  mtu: z.number().int().min(68).max(65535).nullable().default(null).describe('MTU in bytes (null: leave as it is)'),
});

const vlanConfig = z.object({
  name: interfaceName.describe('Name of the VLAN interface, e.g. bond0.100'),
  parent: interfaceName.describe('The port or bond it rides on'),
  id: z.number().int().min(1).max(4094).describe('VLAN id (1-4094)'),
});

const bondConfig = z.object({
  name: interfaceName.describe('Name of the bond, e.g. bond0'),
  members: z.array(interfaceName.describe('A port of the bond')).min(1).max(8).describe('Its ports (each in one bond only)'),
  mode: z.enum(BOND_MODES).describe('Bonding mode (802.3ad: LACP)'),
  lacpRate: z.enum(['slow', 'fast']).nullable().default(null).describe('LACP rate (802.3ad only; null: slow)'),
  xmitHashPolicy: z.enum(XMIT_HASH_POLICIES).nullable().default(null).describe('Transmit hash policy (balance-xor and 802.3ad; null: layer2)'),
});

export const networkConfigSchema = z.object({
  hostname: hostLabel.describe('Host name of the appliance (one label)'),
  domain: domainName.default('').describe('DNS domain of the appliance (empty: none)'),
  interfaces: z.array(interfaceConfig).max(64).describe('Configured interfaces: addresses, DHCP, MTU'),
  vlans: z.array(vlanConfig).max(64).default([]).describe('VLAN interfaces'),
  bonds: z.array(bondConfig).max(16).default([]).describe('Bonds (link aggregation)'),
  gateway4: ipAddress.nullable().default(null).describe('IPv4 default gateway, on a configured subnet (null: none)'),
  gateway6: ipAddress.nullable().default(null).describe('IPv6 default gateway, on a configured subnet (null: none)'),
  dns: z
    .object({
      servers: z.array(ipAddress.describe('DNS server address')).max(3).default([]).describe('DNS servers, in order (at most 3: the resolver reads no more)'),
      search: z.array(domainName.min(1).describe('Search domain')).max(6).default([]).describe('Search domains'),
    })
    .describe('Name resolution'),
});
export type NetworkConfigInput = z.input<typeof networkConfigSchema>;

const addressOut = z.object({
  address: z.string().describe('Address with prefix length'),
  family: z.enum(['inet', 'inet6']).describe('inet: IPv4; inet6: IPv6'),
  scope: z.string().describe('global, link or host'),
  dynamic: z.boolean().describe('Given by DHCP or router advertisement (has a lifetime), not static'),
});

const interfaceOut = z.object({
  name: z.string().describe('Interface name'),
  kind: z.string().describe('ethernet, bond, vlan, bridge, veth, loopback or other'),
  state: z.string().describe('Operational state: UP, DOWN, LOWERLAYERDOWN, UNKNOWN...'),
  adminUp: z.boolean().describe('Administratively up'),
  carrier: z.boolean().describe('Link detected'),
  mac: z.string().nullable().describe('MAC address'),
  mtu: z.number().describe('MTU in bytes'),
  speedMbps: z.number().nullable().describe('Link speed in Mb/s (null: unknown, virtual or down)'),
  addresses: z.array(addressOut).describe('Its addresses'),
  addressing: z.enum(['static', 'dhcp', 'static+dhcp', 'none']).describe('How it gets its addresses (configuration, else what the kernel shows)'),
  master: z.string().nullable().describe('The bond or bridge it is a port of'),
  parent: z.string().nullable().describe('The lower interface of a VLAN'),
  vlanId: z.number().nullable().describe('VLAN id'),
  bond: z
    .object({
      mode: z.string().describe('Bonding mode'),
      xmitHashPolicy: z.string().nullable().describe('Transmit hash policy'),
      lacpRate: z.string().nullable().describe('LACP rate'),
      members: z.array(z.string()).describe('Its ports'),
      aggregatorId: z.number().nullable().describe('802.3ad aggregator in use'),
      partnerMac: z.string().nullable().describe('MAC of the LACP partner (the switch)'),
    })
    .nullable()
    .describe('Bond details (bonds only)'),
  lacp: z
    .object({
      state: z.string().describe('Port state in the bond: ACTIVE or BACKUP'),
      miiStatus: z.string().describe('Link monitor status: UP or DOWN'),
      actor: z.array(z.string()).describe('Our LACP port state flags'),
      partner: z.array(z.string()).describe("The partner's LACP port state flags"),
      inSync: z.boolean().describe('Aggregating, in sync, collecting and distributing'),
    })
    .nullable()
    .describe('LACP state of a bond port (ports of a bond only)'),
  bridgePorts: z.array(z.string()).describe('Ports of a bridge (bridges only)'),
  management: z.boolean().describe('The interface the caller came in on'),
});

const pendingOut = z.object({
  id: z.number().describe('Pending change id: confirm it with appliance.network.confirm'),
  createdBy: z.string().describe('Who applied it'),
  createdAt: isoTime().describe('When it was applied'),
  deadlineAt: isoTime().describe('When it is reverted unless confirmed'),
  remainingSeconds: z.number().describe('Seconds left before the automatic revert'),
});

const changeOut = z.object({
  changeId: z.number().describe('The change: confirm it (POST .../confirm) before the deadline or it is reverted'),
  deadlineAt: isoTime().describe('When it is reverted unless confirmed'),
  revertSeconds: z.number().describe('The revert window'),
  renderer: z.string().describe('How it was applied: netplan (netplan apply) or ip (live iproute2 commands)'),
  commands: z.array(z.string()).describe('The commands that made it live'),
});

export const networkContracts = contractSet([
  defineContract({
    name: 'appliance.network.get',
    summary: 'Interfaces (state, MAC, MTU, speed, addresses, DHCP or static, VLANs, bonds with LACP state, bridges), gateways, DNS, host name',
    permission: 'appliance.read',
    mutating: false,
    input: z.object({}),
    output: z.object({
      hostname: z.string().describe('Host name'),
      domain: z.string().describe('DNS domain'),
      interfaces: z.array(interfaceOut).describe('Every interface but loopback'),
      gateway4: z.string().nullable().describe('IPv4 default gateway in use'),
      gateway6: z.string().nullable().describe('IPv6 default gateway in use'),
      dns: z
        .object({ servers: z.array(z.string()).describe('DNS servers'), search: z.array(z.string()).describe('Search domains') })
        .describe('Name resolution in use'),
      config: networkConfigSchema.describe('The configuration Calypso keeps (edit it and apply)'),
      renderer: z.string().describe('How changes are applied: netplan or ip'),
      managementInterface: z.string().nullable().describe('The interface the caller came in on (null: the local console or loopback)'),
      pending: pendingOut.nullable().describe('A change waiting for confirmation'),
    }),
    http: { method: 'GET', path: '/appliance/network' },
  }),
  defineContract({
    name: 'appliance.network.apply',
    summary: 'Apply a network configuration; reverted automatically after 60 s unless confirmed',
    description:
      'Validated first (addresses, duplicates, gateways on a configured subnet, ports in one bond only, the interface the caller came in on); ' +
      'then rendered and applied. Answers a pending change id: confirm it with POST /appliance/network/changes/{id}/confirm from a session ' +
      'that still reaches the appliance, or it is reverted. A second change while one is pending is refused (409).',
    permission: 'appliance.network',
    mutating: true,
    input: networkConfigSchema.extend({
      confirmInterface: interfaceName
        .optional()
        .describe('Typed confirmation: the name of the interface you came in on, when the change touches it (you may lose this session)'),
    }),
    output: changeOut,
    target: () => 'network',
    http: { method: 'PUT', path: '/appliance/network' },
  }),
  defineContract({
    name: 'appliance.network.confirm',
    summary: 'Keep a pending network change (stops its automatic revert)',
    permission: 'appliance.network',
    mutating: true,
    input: z.object({ id: rowId('Pending change id') }),
    output: z.object({ id: z.number().describe('Change id'), state: z.string().describe('confirmed') }),
    target: (i) => String(i.id),
    http: { method: 'POST', path: '/appliance/network/changes/:id/confirm' },
  }),
  defineContract({
    name: 'appliance.network.revert',
    summary: 'Revert a pending network change now (the daemon does it by itself when the window ends)',
    permission: 'appliance.network',
    mutating: true,
    input: z.object({ id: rowId('Pending change id') }),
    output: z.object({ id: z.number().describe('Change id'), state: z.string().describe('reverted, or revert-failed with the reason') }),
    target: (i) => String(i.id),
    http: { method: 'POST', path: '/appliance/network/changes/:id/revert' },
  }),
]);
