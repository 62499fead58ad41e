/**
 * journalctl (systemd 252): getopt_long "hefo:aln::qmb::kD:p:g:c:S:U:t:u:NF:xrM:i:" and its long options in the order of
 * its table (getopt_long lists an ambiguous prefix's candidates in that order: captured from journalctl 252 on Debian 12,
 * one probe per first letter). Refusals as it prints them (exit 1). `-n` and `-b` take the next argument only when it
 * looks like their value (`-n 5`; `-n x`: x is a match).
 */
import { getoptRefusals, refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const OUTPUTS = new Set([
  'short',
  'short-full',
  'short-iso',
  'short-iso-precise',
  'short-precise',
  'short-monotonic',
  'short-delta',
  'short-unix',
  'verbose',
  'export',
  'json',
  'json-pretty',
  'json-sse',
  'json-seq',
  'cat',
  'with-unit',
]);
const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const level = (v: string) => LEVELS.includes(v) || /^[0-7]$/.test(v);

const flag = (long: string, short?: string): OptionSpec => ({ long, short, value: false });
const valued = (long: string, short?: string, accepts?: (v: string) => boolean): OptionSpec => ({ long, short, value: true, accepts });

const options: OptionSpec[] = [
  flag('all', 'a'),
  valued('after-cursor'),
  { long: 'boot', short: 'b', value: 'optional', next: (v) => /^([+-]?\d+|all|[0-9a-f]{32}([+-]\d+)?)$/.test(v) },
  flag('case-sensitive'),
  valued('cursor', 'c'),
  valued('cursor-file'),
  flag('catalog', 'x'),
  flag('dmesg', 'k'),
  valued('directory', 'D'),
  flag('disk-usage'),
  flag('dump-catalog'),
  flag('follow', 'f'),
  flag('force'),
  flag('full', 'l'),
  valued('file', 'i'),
  valued('facility'),
  valued('field', 'F'),
  flag('fields', 'N'),
  flag('flush'),
  valued('grep', 'g'),
  flag('help', 'h'),
  flag('header'),
  valued('image'),
  valued('identifier', 't'),
  valued('interval'),
  { long: 'lines', short: 'n', value: 'optional', next: (v) => /^\+?\d+$/.test(v) },
  flag('list-boots'),
  flag('list-catalog'),
  flag('merge', 'm'),
  valued('machine', 'M'),
  flag('no-pager'),
  flag('no-full'),
  flag('no-tail'),
  flag('new-id128'),
  flag('no-hostname'),
  valued('namespace'),
  valued('output', 'o', (v) => OUTPUTS.has(v)),
  valued('output-fields'),
  flag('pager-end', 'e'),
  // A level, or a range of two (err..info).
  valued('priority', 'p', (v) => (v.includes('..') ? v.split('..').length === 2 && v.split('..').every(level) : level(v))),
  flag('quiet', 'q'),
  valued('root'),
  flag('reverse', 'r'),
  flag('relinquish-var'),
  flag('rotate'),
  flag('system'),
  flag('setup-keys'),
  flag('show-cursor'),
  valued('since', 'S'),
  flag('smart-relinquish-var'),
  flag('sync'),
  flag('this-boot'),
  flag('user'),
  valued('until', 'U'),
  valued('unit', 'u'),
  valued('user-unit'),
  flag('update-catalog'),
  flag('utc'),
  flag('version'),
  flag('verify'),
  valued('verify-key'),
  valued('vacuum-size'),
  valued('vacuum-files'),
  valued('vacuum-time'),
];

export const journalctlGrammar: ToolGrammar = {
  tool: 'journalctl',
  style: 'gnu',
  abbreviations: 'unique',
  options,
  refuse: {
    ...getoptRefusals('journalctl', 1),
    badValue: (o, value) => {
      if (o.long === 'output') return refusal(`Unknown output format '${value}'.\n`, 1);
      if (value.includes('..')) return refusal(`Failed to parse log level range ${value}\n`, 1);
      return refusal(`Unknown log level ${value}\n`, 1);
    },
    // Matches (FIELD=VALUE), `+` between them, or a path to an executable or device.
    operands: (operands) => {
      const bad = operands.find((o) => o !== '+' && !o.includes('=') && !o.startsWith('/'));
      return bad === undefined ? null : refusal(`Failed to add match '${bad}': Invalid argument\n`, 1);
    },
  },
};
