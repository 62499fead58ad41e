/**
 * The full-screen live charts, drawn with blessed-contrib. The console unmounts Ink before
 * this runs and mounts it again after: the two never own the terminal at the same time.
 * Where braille cannot be drawn (the Linux console, ASCII terminals) the charts are text
 * column charts instead.
 */
import type { ConsoleServices } from './context.js';
import { bytes, columnChart, percent, rate } from './format.js';
import type { Series } from './metrics.js';
import { safeText } from './safe-text.js';
import { wrapText } from './components/wrap.js';

interface Panel {
  title: string;
  /** Plotted values are divided by this (bytes to MiB...), so the axis stays readable. */
  scale?: number;
  /** Series to draw; empty means "no data" with `missing` as the reason. */
  series: () => Series[];
  format: (v: number) => string;
  max?: () => number | undefined;
  missing: string;
}

const COLORS = ['cyan', 'yellow', 'green', 'magenta', 'red', 'blue', 'white'];

/** blessed-contrib's line chart: canvas pixels per row, and the pixel rows it keeps below the plot. */
const LINE_CANVAS_ROWS = (rows: number) => rows * 4 - 8;
const LINE_Y_PADDING = 11;

/** 1, 2, 2.5, 5 times a power of ten: the smallest at least `x`. */
function niceStep(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x - 1e-9) return m * p;
  return 10 * p;
}

/**
 * The y axis of a line chart `rows` rows tall (its border included): as many labels as have a
 * row of their own (blessed-contrib draws them where the value falls, so labels closer than a
 * row overwrite each other's digits), a round step, and a top high enough that the highest
 * value (or `cap`, e.g. 100 for a percentage) is drawn inside the plot: blessed-contrib draws a
 * value at the very top two pixels above the canvas, where it disappears (an ARC hit ratio of
 * 95.9 % on a 0-100 axis drew nothing).
 */
export function yAxis(rows: number, dataMax: number, cap?: number): { maxY: number; numYLabels: number } {
  const plot = Math.max(4, LINE_CANVAS_ROWS(rows) - LINE_Y_PADDING);
  const labels = Math.max(1, Math.min(5, Math.floor(plot / 4)));
  const top = Math.max(cap ?? 0, Number.isFinite(dataMax) ? dataMax : 0);
  // The value drawn at `top` must land at least 3 pixels below the canvas's top edge.
  const need = (top > 0 ? top : 1) * (plot / Math.max(1, plot - 3));
  const step = niceStep(need / labels);
  return { maxY: step * labels, numYLabels: labels };
}

/**
 * A panel's title with the latest values, fitted to the panel: a border label longer than its
 * box wraps into the plot (the pool I/O title did, and "8" of an axis label beside "27%" read
 * "827%"). Values that do not fit are counted ("+2 more") rather than cut in the middle.
 */
export function chartTitle(title: string, values: string[], width: number, names?: string[]): string {
  const room = Math.max(4, width - 4);
  // When the values do not all fit, the names alone (each interface or pool once) say what is drawn.
  if (names && names.length && values.length && ` ${title}: ${values.join(', ')} `.length > room) {
    const distinct = [...new Set(names)];
    return chartTitle(title, distinct, width);
  }
  const base = ` ${safeText(title)}`;
  if (base.length + 1 > room) return `${base.slice(0, room - 2)}~ `;
  let out = base;
  let shown = 0;
  for (let i = 0; i < values.length; i++) {
    const piece = `${shown ? ', ' : ': '}${safeText(values[i])}`;
    const rest = values.length - i - 1;
    const suffix = rest ? ` +${rest} more` : '';
    // Keep room for the "+N more" of what would follow.
    if ((out + piece + suffix).length + 1 > room) {
      const more = ` +${values.length - i} more`;
      if ((out + more).length + 1 <= room) out += more;
      return `${out} `;
    }
    out += piece;
    shown++;
  }
  return `${out} `;
}

/** The network series, in the dashboard's order: every interface it lists, received then sent. */
export function networkSeries(received: Series[], sent: Series[]): Series[] {
  const out: Series[] = [];
  for (const r of received) {
    out.push(r);
    const t = sent.find((x) => x.labels.interface === r.labels.interface);
    if (t) out.push(t);
  }
  for (const t of sent) if (!out.includes(t)) out.push(t);
  return out;
}

function panels(services: ConsoleServices): Panel[] {
  const m = services.metrics;
  const noMonitoring = 'waiting for the monitoring service (not in this build)';
  const memTotal = () => m.get('calypso_memory_total_bytes')?.last;
  return [
    // The total only: per-CPU series (labelled) would crowd a small chart.
    {
      title: 'CPU %',
      series: () =>
        m
          .all('calypso_cpu_usage_percent')
          .filter((s) => !Object.keys(s.labels).length)
          .slice(0, 1),
      format: (v) => percent(v, 1),
      max: () => 100,
      missing: noMonitoring,
    },
    { title: 'Memory GiB', scale: 2 ** 30, series: () => m.all('calypso_memory_used_bytes'), format: bytes, max: memTotal, missing: noMonitoring },
    // Every interface the dashboard lists, idle ones too (a flat line at zero is an answer).
    {
      title: 'Network MiB/s',
      scale: 2 ** 20,
      series: () => networkSeries(m.all('calypso_network_receive_bytes_per_second'), m.all('calypso_network_transmit_bytes_per_second')),
      format: rate,
      missing: 'no network samples yet, or monitoring is not in this build',
    },
    {
      title: 'Pool capacity %',
      series: () => m.all('calypso_pool_capacity_percent'),
      format: (v) => percent(v),
      max: () => 100,
      missing: 'no pools, or storage is not in this build',
    },
    {
      title: 'Pool I/O MiB/s',
      scale: 2 ** 20,
      series: () => [...m.all('calypso_pool_read_bytes_per_second'), ...m.all('calypso_pool_write_bytes_per_second')],
      format: rate,
      missing: noMonitoring,
    },
    {
      title: 'ARC hit ratio %',
      series: () => m.all('calypso_arc_hit_ratio_percent'),
      format: (v) => percent(v, 1),
      max: () => 100,
      missing: 'no ARC statistics yet',
    },
  ];
}

function label(s: Series): string {
  const l = safeText(Object.values(s.labels).join(' ')) || 'total';
  const kind = s.name.includes('receive') || s.name.includes('read') ? ' in' : s.name.includes('transmit') || s.name.includes('write') ? ' out' : '';
  return `${l}${kind}`.trim();
}

/** Until a quit key, or `signal` aborts (the console stops, or its terminal hung up). */
export async function runCharts(services: ConsoleServices, input: NodeJS.ReadStream, output: NodeJS.WriteStream, signal?: AbortSignal): Promise<void> {
  // Loaded when the charts open, not with the console: blessed-contrib alone takes ~0.3 s to import.
  const [{ default: blessed }, { default: contrib }] = await Promise.all([import('blessed'), import('blessed-contrib')]);
  const { theme } = services;
  const braille = theme.glyphs === 'unicode';
  // Ink's unmount unref'd stdin; without this the process would exit under blessed.
  input.ref?.();
  const term = process.env.TERM ?? 'xterm';
  const screen = blessed.screen({
    input,
    output,
    smartCSR: true,
    warnings: false,
    title: 'Calypso live charts',
    // blessed cannot parse some tmux/screen terminfo entries; xterm's is a safe superset there.
    terminal: /^(screen|tmux)/.test(term) ? 'xterm-256color' : term,
    forceUnicode: theme.glyphs !== 'ascii',
  });
  // Draw boxes with Unicode lines rather than the VT100 line-drawing set, which some
  // terminals (and tmux captures) show as letters.
  if (theme.glyphs !== 'ascii') (screen.tput as unknown as { brokenACS: boolean }).brokenACS = true;
  const defs = panels(services);
  let widgets: { draw: () => void }[] = [];

  const build = () => {
    for (const child of [...screen.children]) child.destroy();
    const grid = new contrib.grid({ rows: 12, cols: 12, screen });
    widgets = defs.map((p, i) => {
      const row = Math.floor(i / 2) * 4;
      const col = (i % 2) * 6;
      const style = theme.color ? { fg: 'white', border: { fg: 'cyan' } } : {};
      if (braille) {
        const line = grid.set(row, col, 4, 6, contrib.line, {
          label: ` ${p.title} `,
          showLegend: false,
          style: theme.color ? { line: 'cyan', text: 'white', baseline: 'white' } : { line: 'white', text: 'white', baseline: 'white' },
          border: { type: 'line' },
          wholeNumbersOnly: false,
          xLabelPadding: 3,
          xPadding: 5,
        });
        const text = grid.set(row, col, 4, 6, blessed.box, { label: ` ${p.title} `, border: { type: 'line' }, style, tags: false });
        return {
          draw: () => {
            const series = p.series();
            if (!series.length || series.every((s) => s.points.length < 2)) {
              line.hide();
              text.show();
              text.setContent(
                `\n${wrapText(
                  series.length ? `${label(series[0])}: ${p.format(series[0].last)} (collecting...)` : p.missing,
                  Math.max(10, (text.width as number) - 6),
                )
                  .map((l) => `  ${l}`)
                  .join('\n')}`,
              );
              return;
            }
            text.hide();
            line.show();
            const length = Math.max(...series.map((s) => s.points.length));
            const x = Array.from({ length }, (_, n) => String(n - length + 1));
            const scale = p.scale ?? 1;
            const max = p.max?.();
            const ys = series.map((s) => s.points.map((v) => Math.round((v / scale) * 10) / 10));
            const axis = yAxis(line.height as number, Math.max(0, ...ys.flat()), max === undefined ? undefined : max / scale);
            line.options.maxY = axis.maxY;
            line.options.numYLabels = axis.numYLabels;
            line.options.wholeNumbersOnly = false;
            line.setLabel(
              chartTitle(
                p.title,
                series.map((s) => `${label(s)} ${p.format(s.last)}`),
                line.width as number,
                series.map((s) => safeText(Object.values(s.labels).join(' ')) || 'total'),
              ),
            );
            line.setData(
              series.map((s, n) => ({
                title: label(s).slice(0, 12),
                x: x.slice(length - s.points.length),
                y: ys[n],
                style: { line: theme.color ? COLORS[n % COLORS.length] : 'white' },
              })),
            );
          },
        };
      }
      const box = grid.set(row, col, 4, 6, blessed.box, { label: ` ${p.title} `, border: { type: 'line' }, style, tags: false });
      return {
        draw: () => {
          const series = p.series();
          if (!series.length) {
            box.setContent(
              `\n${wrapText(p.missing, Math.max(10, (box.width as number) - 6))
                .map((l) => `  ${l}`)
                .join('\n')}`,
            );
            return;
          }
          const width = Math.max(4, (box.width as number) - 4);
          const height = Math.max(1, (box.height as number) - 3);
          const s = series[0];
          const rows = columnChart(theme, s.points, width, height, p.max?.());
          // The values line is fitted like a title: a line longer than the box would wrap over the chart.
          box.setContent(
            [
              chartTitle(
                '',
                series.map((x) => `${label(x)} ${p.format(x.last)}`),
                width + 4,
              )
                .replace(/^ : /, ' ')
                .trimEnd(),
              ...rows.map((r) => ` ${r}`),
            ].join('\n'),
          );
        },
      };
    });
    const help = blessed.box({
      parent: screen,
      bottom: 0,
      left: 0,
      height: 1,
      width: '100%',
      content: ' q / Esc / Enter: back to the console   (refreshed every 2 s)',
      style: theme.color ? { fg: 'black', bg: 'cyan' } : { inverse: true },
    });
    void help;
  };

  const draw = () => {
    for (const w of widgets) {
      try {
        w.draw();
      } catch {
        // A chart too small to draw after a resize: skip it this round.
      }
    }
    screen.render();
  };

  build();
  draw();
  const onChange = () => draw();
  services.metrics.on('change', onChange);
  const timer = setInterval(draw, 2000);
  screen.on('resize', () => {
    build();
    draw();
  });
  await new Promise<void>((resolve) => {
    screen.key(['q', 'escape', 'enter', 'C-c'], () => resolve());
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(timer);
  services.metrics.off('change', onChange);
  screen.destroy();
  // blessed leaves its key decoder on the stream; drop it so Ink alone reads the keys (and a
  // later visit to the charts installs a fresh one).
  input.removeAllListeners('data');
  delete (input as unknown as { _keypressDecoder?: unknown })._keypressDecoder;
}
