/**
 * systemctl (systemd 252, Debian 12): getopt_long options from `systemctl --help` and the ones it takes without listing them
 * (--no-legend, --ignore-inhibitors, --fail, --irreversible, --ignore-dependencies, --kill-who); its verbs, and the number of
 * arguments it checks for the verbs the appliance and an operator use. Refusals as systemctl 252 prints them (exit 1),
 * captured here (test/fixtures/systemd/README.md): nothing of the machine is touched before these checks.
 */
import { ambiguousText, refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const flag = (long: string, short?: string): OptionSpec => ({ long, short, value: false });
const valued = (long: string, short?: string): OptionSpec => ({ long, short, value: true });

const options: OptionSpec[] = [
  flag('help', 'h'),
  flag('version'),
  flag('system'),
  flag('user'),
  valued('host', 'H'),
  valued('machine', 'M'),
  valued('type', 't'),
  valued('state'),
  flag('failed'),
  valued('property', 'p'),
  { short: 'P', value: true },
  flag('all', 'a'),
  flag('full', 'l'),
  flag('recursive', 'r'),
  flag('reverse'),
  flag('with-dependencies'),
  valued('job-mode'),
  flag('show-transaction', 'T'),
  flag('show-types'),
  flag('value'),
  valued('check-inhibitors'),
  { short: 'i', value: false },
  valued('kill-whom'),
  valued('signal', 's'),
  valued('what'),
  flag('dry-run'),
  flag('quiet', 'q'),
  flag('wait'),
  // In the order of systemctl's table where getopt_long lists them ("--no" is ambiguous: the real list, in order).
  flag('no-block'),
  flag('no-legend'),
  flag('no-pager'),
  flag('no-wall'),
  flag('no-reload'),
  flag('no-ask-password'),
  flag('now'),
  valued('legend'),
  flag('global'),
  flag('runtime'),
  flag('force', 'f'),
  valued('preset-mode'),
  valued('root'),
  valued('image'),
  valued('lines', 'n'),
  valued('output', 'o'),
  flag('firmware-setup'),
  valued('boot-loader-menu'),
  valued('boot-loader-entry'),
  flag('plain'),
  valued('timestamp'),
  flag('read-only'),
  flag('mkdir'),
  flag('marked'),
  // Taken, not listed by --help.
  flag('ignore-inhibitors'),
  flag('fail'),
  flag('irreversible'),
  flag('ignore-dependencies'),
  valued('kill-who'),
];

/** The verbs systemctl 252 knows: those --help lists, and the older names it still takes. */
const VERBS = new Set(
  `list-units list-automounts list-sockets list-timers is-active is-failed status show cat help list-dependencies start stop
  reload restart try-restart reload-or-restart try-reload-or-restart isolate kill clean freeze thaw set-property bind
  mount-image service-log-level service-log-target reset-failed list-unit-files enable disable reenable preset preset-all
  is-enabled mask unmask link revert add-wants add-requires edit get-default set-default list-machines list-jobs cancel
  show-environment set-environment unset-environment import-environment daemon-reload daemon-reexec log-level log-target
  service-watchdogs is-system-running default rescue emergency halt poweroff reboot kexec exit switch-root suspend hibernate
  hybrid-sleep suspend-then-hibernate condstop condrestart condreload force-reload reload-or-try-restart check`.split(/\s+/),
);

/** [least, most] arguments, the verb included, for the verbs whose counts were checked against systemctl 252. */
const COUNTS: Record<string, [number, number]> = {};
for (const verb of `start stop reload restart try-restart reload-or-restart try-reload-or-restart condstop condrestart condreload
  force-reload reload-or-try-restart check is-active is-failed enable disable is-enabled mask unmask cat kill`.split(/\s+/))
  COUNTS[verb] = [2, Infinity];
for (const verb of ['daemon-reload', 'is-system-running', 'get-default', 'show-environment']) COUNTS[verb] = [1, 1];
COUNTS['set-default'] = [2, 2];

export function systemctlGrammar(args: string[]): ToolGrammar {
  return {
    tool: 'systemctl',
    style: 'gnu',
    abbreviations: 'unique',
    options,
    refuse: {
      unknownShort: (c) => refusal(`systemctl: invalid option -- '${c}'\n`, 1),
      // getopt names the argument as written, a value included.
      unknownLong: (name) =>
        refusal(`systemctl: unrecognized option '${args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`)) ?? `--${name}`}'\n`, 1),
      ambiguous: (written, candidates) => refusal(ambiguousText('systemctl', written, candidates), 1),
      missingValue: (_o, written) =>
        refusal(
          written.startsWith('--')
            ? `systemctl: option '${written}' requires an argument\n`
            : `systemctl: option requires an argument -- '${written.slice(1)}'\n`,
          1,
        ),
      operands: (operands) => {
        // No verb: list-units.
        if (operands.length === 0) return null;
        const verb = operands[0]!;
        if (!VERBS.has(verb)) return refusal(`Unknown command verb ${verb}.\n`, 1);
        const count = COUNTS[verb];
        if (count && operands.length < count[0]) return refusal('Too few arguments.\n', 1);
        if (count && operands.length > count[1]) return refusal('Too many arguments.\n', 1);
        return null;
      },
    },
  };
}
