/**
 * timedatectl and hostnamectl (systemd 252): getopt_long, their long options in the order of their tables (getopt_long
 * names an ambiguous prefix's candidates in that order: `--a`, `--h`, `--m`, `--n`, `--v` probed on Debian 12).
 * Refusals as they print them (stderr, no usage, exit 1). Both connect to the system bus before they read their verb, so
 * what they say of a verb or its arguments cannot be captured without systemd as init: the appliance simulation answers.
 */
import { getoptRefusals, refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const flag = (long: string, short?: string): OptionSpec => ({ long, short, value: false });
const valued = (long: string, short?: string, accepts?: (v: string) => boolean): OptionSpec => ({ long, short, value: true, accepts });

export const timedatectlGrammar: ToolGrammar = {
  tool: 'timedatectl',
  style: 'gnu',
  abbreviations: 'unique',
  options: [
    flag('help', 'h'),
    flag('version'),
    flag('no-pager'),
    valued('host', 'H'),
    valued('machine', 'M'),
    flag('no-ask-password'),
    flag('adjust-system-clock'),
    flag('monitor'),
    valued('property', 'p'),
    flag('all', 'a'),
    flag('value'),
  ],
  refuse: { ...getoptRefusals('timedatectl', 1), operands: () => null },
};

const JSON_MODES = new Set(['short', 'pretty', 'off', 'help']);

export const hostnamectlGrammar: ToolGrammar = {
  tool: 'hostnamectl',
  style: 'gnu',
  abbreviations: 'unique',
  options: [
    flag('help', 'h'),
    flag('version'),
    flag('transient'),
    flag('static'),
    flag('pretty'),
    valued('host', 'H'),
    valued('machine', 'M'),
    flag('no-ask-password'),
    valued('json', undefined, (v) => JSON_MODES.has(v)),
  ],
  refuse: {
    ...getoptRefusals('hostnamectl', 1),
    badValue: (_o, value) => refusal(`Unknown argument to --json= switch: ${value}\n`, 1),
    operands: () => null,
  },
};
