/**
 * System tab for the appliance's network: interfaces (state, MTU, speed, addresses, DHCP or
 * static, bonds with their LACP state, VLANs, bridges), gateways, DNS and the host name. Every
 * change sends the whole configuration to appliance.network.apply (the daemon validates it) and
 * comes back as a pending change: the tab counts down to its automatic revert and `c` confirms it
 * (`u` reverts it now). The countdown runs on the console's clock from the seconds the daemon
 * answered, so a console whose clock is off still shows the right time left.
 */
import React, { useEffect, useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import type { Input, Output } from '../../contracts/index.js';
import { useShell, type ShellApi } from '../context.js';
import { Table, useTable, type Column } from '../components/Table.js';
import { KeyValues, readFailure } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import type { KeyBinding } from '../keys.js';

type Network = Output<'appliance.network.get'>;
type Iface = Network['interfaces'][number];
type Config = Input<'appliance.network.apply'>;

const list = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

function addressesText(i: Iface): string {
  const global = i.addresses.filter((a) => a.scope === 'global').map((a) => (a.dynamic ? `${a.address} (dhcp)` : a.address));
  if (global.length) return global.join(' ');
  if (i.master) return `port of ${i.master}`;
  return i.addressing === 'dhcp' ? 'dhcp (no lease)' : '-';
}

function kindText(i: Iface): string {
  if (i.kind === 'vlan') return `vlan ${i.vlanId ?? ''}`;
  if (i.kind === 'ethernet') return 'ether';
  return i.kind;
}

/** Each bond in a few words: mode, ports and whether LACP agrees with the switch. */
function bondsText(n: Network): string {
  const bonds = n.interfaces.filter((i) => i.bond);
  if (!bonds.length) return 'none';
  return bonds
    .map((b) => {
      const ports = n.interfaces.filter((p) => p.master === b.name);
      const lacp = b.bond!.mode === '802.3ad' ? (ports.every((p) => p.lacp?.inSync) ? ', LACP in sync' : ', LACP NOT in sync') : '';
      return `${b.name} ${b.bond!.mode} (${b.bond!.members.join(' ') || 'no ports'})${lacp}`;
    })
    .join('; ');
}

function details(i: Iface): string[] {
  const lines = [
    `${i.name}: ${kindText(i)}, ${i.state}${i.management ? ' (you came in on it)' : ''}`,
    `MAC ${i.mac ?? '-'}, MTU ${i.mtu}, speed ${i.speedMbps ? `${i.speedMbps} Mb/s` : 'unknown'}, addressing ${i.addressing}`,
    ...i.addresses.map((a) => `  ${a.address}  ${a.family} ${a.scope}${a.dynamic ? ' dynamic' : ''}`),
  ];
  if (i.bond)
    lines.push(
      `Bond: mode ${i.bond.mode}, ports ${i.bond.members.join(', ') || 'none'}, hash ${i.bond.xmitHashPolicy ?? '-'}, LACP rate ${i.bond.lacpRate ?? '-'}`,
      `LACP aggregator ${i.bond.aggregatorId ?? '-'}, partner ${i.bond.partnerMac ?? '-'}`,
    );
  if (i.lacp)
    lines.push(
      `Port of ${i.master}: ${i.lacp.state}, link ${i.lacp.miiStatus}, LACP ${i.lacp.inSync ? 'in sync' : 'NOT in sync'}`,
      `  ours: ${i.lacp.actor.join(' ') || '-'}`,
      `  partner: ${i.lacp.partner.join(' ') || '-'}`,
    );
  if (i.parent) lines.push(`VLAN ${i.vlanId} on ${i.parent}`);
  if (i.bridgePorts.length) lines.push(`Bridge ports: ${i.bridgePorts.join(', ')}`);
  return lines;
}

/** Seconds left of the pending change, counted down on the console's clock from what the daemon said. */
function useCountdown(shell: ShellApi, pending: Network['pending'] | undefined, onZero: () => void): number | null {
  const clock = shell.services.clock;
  const [left, setLeft] = useState<number | null>(null);
  useEffect(() => {
    if (!pending) {
      setLeft(null);
      return undefined;
    }
    const start = clock.now();
    setLeft(pending.remainingSeconds);
    let fired = false;
    return clock.every(1000, () => {
      const rest = Math.max(0, pending.remainingSeconds - Math.floor((clock.now() - start) / 1000));
      setLeft(rest);
      if (rest === 0 && !fired) {
        fired = true;
        onZero();
      }
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- restarts only for another pending change (onZero is a fresh closure each render)
  }, [clock, pending?.id, pending?.remainingSeconds]);
  return left;
}

export function NetworkTab({ extra }: { extra: KeyBinding[] }): React.ReactElement {
  const shell = useShell();
  const { theme, width, height, active } = shell;
  const q = useQuery('appliance.network.get', {}, { refreshOn: ['audit'] });
  const n = q.data;
  const left = useCountdown(shell, n?.pending, q.reload);
  const columns: Column<Iface>[] = [
    { key: 'name', title: 'INTERFACE', width: 11, render: (i) => `${i.management ? '*' : ' '}${i.name}` },
    { key: 'kind', title: 'KIND', width: 8, render: kindText },
    {
      key: 'state',
      title: 'STATE',
      width: 6,
      render: (i) => i.state,
      color: (i) => theme.c(i.state === 'UP' ? 'green' : i.adminUp ? 'red' : 'gray'),
    },
    { key: 'mtu', title: 'MTU', width: 5, render: (i) => String(i.mtu) },
    { key: 'speed', title: 'SPEED', width: 5, render: (i) => (i.speedMbps ? (i.speedMbps >= 1000 ? `${i.speedMbps / 1000}G` : `${i.speedMbps}M`) : '-') },
    { key: 'addresses', title: 'ADDRESSES', width: 0, render: addressesText },
  ];
  const table = useTable(n?.interfaces ?? [], columns, (i) => i.name);
  const sel = table.selected;

  /** The stored configuration with one change, sent whole; the answer is a pending change. */
  const apply = (change: (cfg: Config) => void, what: string) => {
    if (!n) return;
    const cfg = structuredClone(n.config) as Config;
    change(cfg);
    void shell
      .act('appliance.network.apply', cfg, { success: (r) => `${what}: applied; reverted in ${r.revertSeconds} s unless you press c to confirm` })
      .then(q.reload);
  };
  const ifaceConfig = (cfg: Config, name: string) => {
    let i = cfg.interfaces.find((x) => x.name === name);
    if (!i) {
      i = { name, dhcp4: false, dhcp6: false, addresses: [], mtu: null };
      cfg.interfaces.push(i);
    }
    return i;
  };
  const editAddresses = (i: Iface) => {
    const conf = n?.config.interfaces.find((x) => x.name === i.name);
    shell.prompt({
      label: `Addresses of ${i.name}: CIDR list (10.0.0.10/24 fd00::10/64), "dhcp" or "dhcp6" for DHCP, empty: none`,
      initial: [...(conf?.dhcp4 ? ['dhcp'] : []), ...(conf?.dhcp6 ? ['dhcp6'] : []), ...(conf?.addresses ?? [])].join(' '),
      onSubmit: (text) =>
        apply((cfg) => {
          const words = list(text);
          const c = ifaceConfig(cfg, i.name);
          c.dhcp4 = words.includes('dhcp');
          c.dhcp6 = words.includes('dhcp6');
          c.addresses = words.filter((w) => w !== 'dhcp' && w !== 'dhcp6');
        }, `Addresses of ${i.name}`),
    });
  };
  const editMtu = (i: Iface) =>
    shell.prompt({
      label: `MTU of ${i.name} (68-65535; 9000 for jumbo frames)`,
      initial: String(i.mtu),
      onSubmit: (text) => {
        if (!/^\d{2,5}$/.test(text.trim())) return shell.toast(`The MTU is a number of bytes (68-65535), not ${JSON.stringify(text.trim())}`, 'error');
        apply((cfg) => {
          ifaceConfig(cfg, i.name).mtu = Number(text.trim());
        }, `MTU of ${i.name}`);
      },
    });
  const editGateway = () =>
    shell.prompt({
      label: 'Default gateways: IPv4 and/or IPv6 address, space-separated (empty: none)',
      initial: [n?.config.gateway4, n?.config.gateway6].filter(Boolean).join(' '),
      onSubmit: (text) =>
        apply((cfg) => {
          const words = list(text);
          cfg.gateway4 = words.find((w) => !w.includes(':')) ?? null;
          cfg.gateway6 = words.find((w) => w.includes(':')) ?? null;
        }, 'Gateway'),
    });
  const editDns = () =>
    shell.prompt({
      label: 'DNS: servers, then "search" and the search domains (e.g. 10.0.0.53 1.1.1.1 search example.net)',
      initial: [...(n?.config.dns.servers ?? []), ...(n?.config.dns.search.length ? ['search', ...n.config.dns.search] : [])].join(' '),
      onSubmit: (text) =>
        apply((cfg) => {
          const words = list(text);
          const at = words.indexOf('search');
          cfg.dns = { servers: at < 0 ? words : words.slice(0, at), search: at < 0 ? [] : words.slice(at + 1) };
        }, 'DNS'),
    });
  const editHostname = () =>
    shell.prompt({
      label: 'Host name and domain (calypso.example.net)',
      initial: n ? [n.config.hostname, n.config.domain].filter(Boolean).join('.') : '',
      onSubmit: (text) =>
        apply((cfg) => {
          const [host = '', ...rest] = text.trim().split('.');
          cfg.hostname = host;
          cfg.domain = rest.join('.');
        }, 'Host name'),
    });
  const addVlan = () =>
    shell.prompt({
      label: `VLAN: PARENT ID [ADDRESS/PREFIX] (e.g. ${sel?.kind === 'bond' ? sel.name : 'bond0'} 200 10.200.0.10/24)`,
      initial: sel && (sel.kind === 'bond' || sel.kind === 'ethernet') ? `${sel.name} ` : '',
      onSubmit: (text) => {
        const [parent = '', id = '', ...addrs] = list(text);
        const name = `${parent}.${id}`;
        if (!/^\d{1,4}$/.test(id)) return shell.toast(`The VLAN id is a number (1-4094), not ${JSON.stringify(id)}`, 'error');
        apply((cfg) => {
          cfg.vlans = [...(cfg.vlans ?? []), { name, parent, id: Number(id) }];
          cfg.interfaces.push({ name, dhcp4: false, dhcp6: false, addresses: addrs, mtu: null });
        }, `VLAN ${name}`);
      },
    });
  const addBond = () =>
    shell.prompt({
      label: 'Bond: NAME MODE PORT,PORT [fast] [layer3+4] (modes: 802.3ad active-backup balance-xor...)',
      initial: 'bond1 802.3ad ',
      onSubmit: (text) => {
        const [name = '', mode = '', ports = '', ...opts] = text.trim().split(/\s+/);
        apply((cfg) => {
          const members = ports.split(',').filter(Boolean);
          cfg.bonds = [
            ...(cfg.bonds ?? []),
            {
              name,
              mode: mode as never,
              members,
              lacpRate: opts.includes('fast') ? 'fast' : opts.includes('slow') ? 'slow' : null,
              xmitHashPolicy: (opts.find((o) => o.startsWith('layer') || o.startsWith('encap')) as never) ?? null,
            },
          ];
          // Ports carry no configuration of their own once in a bond.
          cfg.interfaces = cfg.interfaces.filter((x) => !members.includes(x.name));
          cfg.interfaces.push({ name, dhcp4: false, dhcp6: false, addresses: [], mtu: null });
        }, `Bond ${name}`);
      },
    });
  const deleteVirtual = (i: Iface) =>
    apply((cfg) => {
      cfg.vlans = (cfg.vlans ?? []).filter((v) => v.name !== i.name);
      cfg.bonds = (cfg.bonds ?? []).filter((b) => b.name !== i.name);
      cfg.interfaces = cfg.interfaces.filter((x) => x.name !== i.name);
    }, `Delete ${i.name}`);

  const pending = n?.pending;
  useBindings([
    ...extra,
    ...table.bindings({ prompt: shell.prompt, pageSize: Math.max(3, height - 12) }),
    ...(pending
      ? [
          {
            key: 'c',
            description: 'Confirm change',
            operation: 'appliance.network.confirm',
            action: () =>
              void shell
                .act('appliance.network.confirm', { id: pending.id }, { success: () => `Network change ${pending.id} confirmed: it stays` })
                .then(q.reload),
          },
          {
            key: 'u',
            description: 'Revert now',
            operation: 'appliance.network.revert',
            action: () =>
              void shell.act('appliance.network.revert', { id: pending.id }, { success: () => `Network change ${pending.id} reverted` }).then(q.reload),
          },
        ]
      : []),
    ...(sel
      ? [
          { key: 'enter', description: 'Details', action: () => shell.showText(`Interface ${sel.name}`, details(sel)) },
          ...(sel.master ? [] : [{ key: 'a', description: 'Addresses', operation: 'appliance.network.apply', action: () => editAddresses(sel) }]),
          { key: 'm', description: 'MTU', operation: 'appliance.network.apply', action: () => editMtu(sel) },
          ...(sel.kind === 'vlan' || sel.kind === 'bond'
            ? [{ key: 'x', description: `Delete ${sel.kind}`, operation: 'appliance.network.apply', action: () => deleteVirtual(sel) }]
            : []),
        ]
      : []),
    { key: 'g', description: 'Gateway', operation: 'appliance.network.apply', action: editGateway },
    { key: 'd', description: 'DNS', operation: 'appliance.network.apply', action: editDns },
    { key: 'n', description: 'Host name', operation: 'appliance.network.apply', action: editHostname },
    { key: 'v', description: 'Add VLAN', operation: 'appliance.network.apply', action: addVlan },
    { key: 'b', description: 'Add bond', operation: 'appliance.network.apply', action: addBond },
    { key: 'r', description: 'Refresh', hint: false, action: q.reload },
  ]);
  const failed = readFailure(q, theme);
  if (failed) return failed;
  const gateways = [n?.gateway4, n?.gateway6].filter(Boolean).join(', ') || 'none';
  return (
    <Box flexDirection="column">
      {pending ? (
        <Text color={theme.c('yellow')} bold wrap="truncate">
          {`Change ${pending.id} by ${pending.createdBy}: reverted in ${left ?? pending.remainingSeconds} s unless confirmed (c confirm, u revert now)`}
        </Text>
      ) : null}
      <KeyValues
        rows={[
          ['Host name', n ? [n.hostname, n.domain].filter(Boolean).join('.') : '-'],
          ['Gateway', gateways],
          ['Bonds', n ? bondsText(n) : '-'],
          ['DNS', n ? `${n.dns.servers.join(', ') || 'none'}${n.dns.search.length ? `; search ${n.dns.search.join(' ')}` : ''}` : '-'],
          [
            'Applied by',
            n
              ? `${n.renderer === 'netplan' ? 'netplan' : 'live ip commands'}${n.managementInterface ? `; you came in on ${n.managementInterface} (*)` : ''}`
              : '-',
          ],
        ]}
      />
      <Table
        table={table}
        columns={columns}
        width={width - 2}
        height={Math.max(3, height - (pending ? 10 : 9))}
        theme={theme}
        focused={active}
        emptyText={q.loading ? 'Loading...' : 'No interface.'}
      />
    </Box>
  );
}
