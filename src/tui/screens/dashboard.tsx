/**
 * Dashboard: the latest values with a sparkline each, from the metrics store. The full-screen
 * blessed-contrib charts open with Enter (Ink steps aside while they own the terminal).
 */
import React, { useEffect, useState } from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { useShell } from '../context.js';
import { Notice, Title } from '../components/Panels.js';
import { useBindings } from '../hooks/use-operation.js';
import { bytes, levelColor, pad, percent, rate, sparkline } from '../format.js';
import type { Series } from '../metrics.js';

function useMetricsVersion(): number {
  const { services } = useShell();
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let pending = false;
    const onChange = () => {
      if (pending) return;
      pending = true;
      setTimeout(() => {
        pending = false;
        setVersion((v) => v + 1);
      }, 200);
    };
    services.metrics.on('change', onChange);
    return () => {
      services.metrics.off('change', onChange);
    };
  }, [services]);
  return version;
}

export function DashboardScreen(): React.ReactElement {
  const shell = useShell();
  const { services, theme, width, height } = shell;
  const { metrics } = services;
  useMetricsVersion();
  useBindings([
    {
      key: 'enter',
      aliases: ['L'],
      description: 'Live charts (full screen)',
      action: () => (services.openCharts ? services.openCharts() : shell.toast('The live charts need a real terminal', 'error')),
    },
  ]);
  // Rows are laid out once all values are known: the value column is as wide as its widest value
  // (a value is never cut), and the sparkline takes what is left of the line.
  const pending: { label: string; value: string; s: Series | undefined; opts: { max?: number; color?: string } }[] = [];
  const row = (label: string, value: string, s: Series | undefined, opts: { max?: number; color?: string } = {}) => {
    pending.push({ label, value, s, opts });
    return pending.length - 1;
  };
  const cpu = metrics.get('calypso_cpu_usage_percent');
  const memUsed = metrics.get('calypso_memory_used_bytes');
  const memTotal = metrics.get('calypso_memory_total_bytes');
  const rx = metrics.all('calypso_network_receive_bytes_per_second');
  const tx = metrics.all('calypso_network_transmit_bytes_per_second');
  const cap = metrics.all('calypso_pool_capacity_percent');
  const reads = metrics.all('calypso_pool_read_bytes_per_second');
  const writes = metrics.all('calypso_pool_write_bytes_per_second');
  const arcHit = metrics.get('calypso_arc_hit_ratio_percent');
  const arcSize = metrics.get('calypso_arc_size_bytes');
  const lines: (React.ReactElement | number)[] = [];
  const section = (t: string) =>
    lines.push(
      <Text key={`s-${t}`} bold underline>
        {t}
      </Text>,
    );
  const hostMetrics = cpu || memUsed || rx.length;
  if (hostMetrics) {
    section('Host');
    if (cpu) lines.push(row('CPU', percent(cpu.last, 1), cpu, { max: 100, color: levelColor(cpu.last) }));
    if (memUsed) lines.push(row('Memory', memTotal ? `${bytes(memUsed.last)}/${bytes(memTotal.last)}` : bytes(memUsed.last), memUsed, { max: memTotal?.last }));
    for (const s of rx) {
      const t = tx.find((x) => x.labels.interface === s.labels.interface);
      lines.push(row(`${s.labels.interface ?? 'net'} in/out`, `${rate(s.last)} ${t ? rate(t.last) : ''}`.trim(), s));
    }
  }
  if (cap.length) {
    section('Pools');
    for (const s of cap) lines.push(row(`${s.labels.pool} used`, percent(s.last), s, { max: 100, color: levelColor(s.last) }));
    for (const s of reads) {
      const w = writes.find((x) => x.labels.pool === s.labels.pool);
      lines.push(row(`${s.labels.pool} read/write`, `${rate(s.last)} ${w ? rate(w.last) : ''}`.trim(), s));
    }
  }
  if (arcHit || arcSize) {
    section('ARC');
    if (arcHit) lines.push(row('Hit ratio', percent(arcHit.last, 1), arcHit, { max: 100 }));
    if (arcSize) lines.push(row('Size', bytes(arcSize.last), arcSize));
  }
  const inner = Math.max(20, width - 2);
  const labelWidth = Math.min(22, Math.max(10, ...pending.map((r) => r.label.length)));
  const valueWidth = Math.min(Math.max(8, inner - labelWidth - 2), Math.max(8, ...pending.map((r) => r.value.length)));
  const sparkWidth = Math.max(0, Math.min(60, inner - labelWidth - valueWidth - 2));
  const drawn = lines.map((l) => {
    if (typeof l !== 'number') return l;
    const r = pending[l];
    return (
      <Text key={r.label} wrap="truncate">
        {pad(r.label, labelWidth)}{' '}
        <Text bold color={theme.c(r.opts.color ?? '')}>
          {pad(r.value, valueWidth, 'right')}
        </Text>{' '}
        <Text color={theme.c('cyan')}>{r.s && sparkWidth >= 4 ? sparkline(theme, r.s.points, sparkWidth, r.opts.max) : ''}</Text>
      </Text>
    );
  });
  const source =
    metrics.source === 'events'
      ? 'Live samples from the monitoring service.'
      : metrics.source === 'metrics.current'
        ? 'Sampled from the monitoring service (metrics.current) every 2 s.'
        : metrics.source === 'storage'
          ? 'Monitoring is not in this build: CPU, memory and network wait for it. Pool capacity and ARC are read from the storage service every 2 s.'
          : shell.app.contract('storage.pools.list') || shell.app.contract('metrics.current')
            ? 'Waiting for the first sample...'
            : 'Monitoring and storage are not in this build yet: there is nothing to chart. The dashboard draws CPU, memory, network, pool capacity and I/O, and ARC as soon as their services land.';
  return (
    <Box flexDirection="column" paddingX={1}>
      <Title text="Dashboard" theme={theme} right="Enter: live charts" />
      <Notice theme={theme}>{source}</Notice>
      {metrics.lastError ? (
        <Notice theme={theme} kind="error">
          {metrics.lastError}
        </Notice>
      ) : null}
      <Text> </Text>
      {drawn.slice(0, Math.max(0, height - 4))}
    </Box>
  );
}
