/**
 * timedatectl and hostnamectl (systemd 252): getopt_long, their long options in the order of their tables (getopt_long
 * names an ambiguous prefix's candidates in that order: `--a`, `--h`, `--m`, `--n`, `--v` probed on Debian 12).
 * Refusals as they print them (stderr, no usage, exit 1).
 *
 * Their verbs (systemd's dispatch_verb: exact names, no verb is `status`) and how many arguments each takes, counted with
 * the verb as systemd counts them: an unknown verb is "Unknown command verb X.", too few or too many arguments "Too few
 * arguments." / "Too many arguments.", all exit 1, and the boolean of set-ntp and set-local-rtc is read (parse_boolean)
 * before anything is asked of the daemon. Both tools connect to the system bus before they read their verb, so these
 * texts were captured with systemd 252 given a bus of its own (a private dbus-daemon and /run/systemd/system in a private
 * mount namespace, as test/system/core/sim-grammar.test.ts does): what the daemons answer is the appliance simulation's.
 */
import type { RunResult } from '../../host.js';
import { getoptRefusals, refusal, type OptionSpec, type Parsed, type ToolGrammar } from './grammar.js';

/** A verb's arguments, the verb included (systemd's min_args, max_args; Infinity: VERB_ANY). */
type VerbArity = readonly [min: number, max: number];

const TIMEDATECTL_VERBS: Record<string, VerbArity> = {
  status: [1, 1],
  show: [1, 1],
  'set-time': [2, 2],
  'set-timezone': [2, 2],
  'list-timezones': [1, 1],
  'set-local-rtc': [2, 2],
  'set-ntp': [2, 2],
  'timesync-status': [1, 1],
  'show-timesync': [1, 1],
  'ntp-servers': [3, Infinity],
  revert: [2, 2],
  help: [1, Infinity],
};

const HOSTNAMECTL_VERBS: Record<string, VerbArity> = {
  status: [1, 1],
  hostname: [1, 2],
  'set-hostname': [2, 2],
  'icon-name': [1, 2],
  'set-icon-name': [2, 2],
  chassis: [1, 2],
  'set-chassis': [2, 2],
  deployment: [1, 2],
  'set-deployment': [2, 2],
  location: [1, 2],
  'set-location': [2, 2],
  help: [1, Infinity],
};

/** systemd's parse_boolean (any case). */
const BOOLEAN = /^(1|yes|y|true|t|on|0|no|n|false|f|off)$/i;

/** dispatch_verb's answer to the operands (the verb first), or null when the verb takes them (`--help` and `--version` end the tool first). */
function verbRefusal(verbs: Record<string, VerbArity>, operands: string[], parsed: Parsed): RunResult | null {
  if (parsed.options.has('help') || parsed.options.has('version')) return null;
  const verb = operands[0] ?? 'status';
  const arity = Object.hasOwn(verbs, verb) ? verbs[verb] : undefined;
  if (!arity) return refusal(`Unknown command verb ${verb}.\n`, 1);
  const count = Math.max(1, operands.length);
  if (count < arity[0]) return refusal('Too few arguments.\n', 1);
  if (count > arity[1]) return refusal('Too many arguments.\n', 1);
  return null;
}

function timedatectlOperands(operands: string[], parsed: Parsed): RunResult | null {
  const bad = verbRefusal(TIMEDATECTL_VERBS, operands, parsed);
  if (bad || parsed.options.has('help') || parsed.options.has('version')) return bad;
  const [verb, value = ''] = operands;
  if (verb === 'set-ntp' && !BOOLEAN.test(value)) return refusal(`Failed to parse NTP setting '${value}': Invalid argument\n`, 1);
  if (verb === 'set-local-rtc' && !BOOLEAN.test(value)) return refusal(`Failed to parse local RTC setting '${value}': Invalid argument\n`, 1);
  return null;
}

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
  refuse: { ...getoptRefusals('timedatectl', 1), operands: timedatectlOperands },
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
    operands: (operands, parsed) => verbRefusal(HOSTNAMECTL_VERBS, operands, parsed),
  },
};
