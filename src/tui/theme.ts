/**
 * What the terminal can show: colour (NO_COLOR), and which glyphs. The Linux console has
 * box-drawing and full blocks but no braille or eighth blocks; a non-UTF-8 locale gets ASCII.
 */
export type GlyphLevel = 'unicode' | 'block' | 'ascii';

export interface Theme {
  color: boolean;
  glyphs: GlyphLevel;
  /** Ink border style for boxes. */
  border: 'single' | 'classic';
  /** Partial-fill characters for sparklines, lowest first. */
  spark: string[];
  barFull: string;
  barEmpty: string;
  /** Tree connectors: branch, last branch, pipe. */
  tree: { branch: string; last: string; pipe: string };
  pointer: string;
  check: [string, string];
  /** A colour name, or undefined when colour is off. */
  c(name: string): string | undefined;
}

export function detectGlyphs(env: NodeJS.ProcessEnv): GlyphLevel {
  if (env.CALYPSO_GLYPHS === 'ascii' || env.CALYPSO_GLYPHS === 'block' || env.CALYPSO_GLYPHS === 'unicode') return env.CALYPSO_GLYPHS;
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  if (locale && !/utf-?8/i.test(locale) && locale !== 'C.UTF-8') {
    if (locale === 'C' || locale === 'POSIX') return env.TERM === 'linux' ? 'ascii' : 'block';
    return 'ascii';
  }
  if (env.TERM === 'linux' || env.TERM === 'vt100' || env.TERM === 'vt220') return 'block';
  return 'unicode';
}

export function makeTheme(env: NodeJS.ProcessEnv = process.env): Theme {
  const color = !env.NO_COLOR;
  const glyphs = detectGlyphs(env);
  const ascii = glyphs === 'ascii';
  return {
    color,
    glyphs,
    border: ascii ? 'classic' : 'single',
    spark:
      glyphs === 'unicode'
        ? [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']
        : glyphs === 'block'
          ? [' ', '_', '.', '-', '=', '▄', '▄', '█', '█']
          : [' ', '_', '.', '-', '=', '+', '*', '#', '#'],
    barFull: ascii ? '#' : '█',
    barEmpty: ascii ? '.' : '░',
    tree: ascii ? { branch: '|-', last: '`-', pipe: '| ' } : { branch: '├─', last: '└─', pipe: '│ ' },
    pointer: ascii ? '>' : '▶',
    check: ascii ? ['[x]', '[ ]'] : ['[x]', '[ ]'],
    c: (name) => (color && name ? name : undefined),
  };
}

/** Colour for a ZFS health word or SMART verdict. */
export function healthColor(health: string | null | undefined): string {
  switch ((health ?? '').toUpperCase()) {
    case 'ONLINE':
    case 'PASSED':
    case 'OK':
    case 'SUCCEEDED':
      return 'green';
    case 'DEGRADED':
    case 'RUNNING':
    case 'WARNING':
      return 'yellow';
    case 'FAULTED':
    case 'UNAVAIL':
    case 'SUSPENDED':
    case 'FAILED':
    case 'REMOVED':
    case 'CRITICAL':
      return 'red';
    default:
      return 'gray';
  }
}
