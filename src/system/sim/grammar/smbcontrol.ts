/**
 * smbcontrol (Samba 4.17): popt options from smbcontrol(1); refusals as it prints them (exit 1). The message types and
 * their parameters were captured from smbcontrol 4.17.12 (test/fixtures/samba/README.md).
 */
import { isIP } from 'node:net';
import type { RunResult } from '../../host.js';
import { refusal, type ToolGrammar } from './grammar.js';

/** The message types smbcontrol knows, with the description its usage prints. */
const MESSAGE_TYPES: [string, string][] = [
  ['debug', 'Set debuglevel'],
  ['idmap', 'Manipulate idmap cache'],
  ['force-election', 'Force a browse election'],
  ['ping', 'Elicit a response'],
  ['profile', ''],
  ['inject', 'Inject a fatal signal into a running smbd'],
  ['stacktrace', 'Display a stack trace of a daemon'],
  ['profilelevel', ''],
  ['debuglevel', 'Display current debuglevels'],
  ['printnotify', 'Send a print notify message'],
  ['close-share', 'Forcibly disconnect a share'],
  ['close-denied-share', 'Forcibly disconnect users from shares disallowed now'],
  ['kill-client-ip', 'Forcibly disconnect a client with a specific IP address'],
  ['ip-dropped', 'Tell winbind that an IP got dropped'],
  ['pool-usage', 'Display talloc memory usage'],
  ['rpc-dump-status', 'Display rpc status'],
  ['ringbuf-log', 'Display ringbuf log'],
  ['dmalloc-mark', ''],
  ['dmalloc-log-changed', ''],
  ['shutdown', 'Shut down daemon'],
  ['drvupgrade', 'Notify a printer driver has changed'],
  ['reload-config', 'Force smbd or winbindd to reload config file'],
  ['reload-printers', 'Force smbd to reload printers'],
  ['nodestatus', 'Ask nmbd to do a node status request'],
  ['online', 'Ask winbind to go into online state'],
  ['offline', 'Ask winbind to go into offline state'],
  ['onlinestatus', 'Request winbind online status'],
  ['validate-cache', "Validate winbind's credential cache"],
  ['dump-domain-list', 'Dump winbind domain list'],
  ['disconnect-dc', ''],
  ['notify-cleanup', ''],
  ['num-children', 'Print number of smbd child processes'],
  ['msg-cleanup', ''],
  ['noop', 'Do nothing'],
  ['sleep', 'Cause the target process to sleep'],
];

const USAGE = `Usage: smbcontrol [OPTION...] <destination> <message-type> <parameters>
  -t, --timeout=TIMEOUT              Set timeout value in seconds

Help options:
  -?, --help                         Show this help message
      --usage                        Display brief usage message

Common Samba options:
  -d, --debuglevel=DEBUGLEVEL        Set debug level
      --debug-stdout                 Send debug output to standard output
  -s, --configfile=CONFIGFILE        Use alternative configuration file
      --option=name=value            Set smb.conf option from command line
  -l, --log-basename=LOGFILEBASE     Basename for log/debug files
      --leak-report                  enable talloc leak reporting on exit
      --leak-report-full             enable full talloc leak reporting on exit

Version options:
  -V, --version                      Print version

<destination> is one of "nmbd", "smbd", "winbindd" or a process ID

<message-type> is one of:
${MESSAGE_TYPES.map(([name, what]) => `\t${name.padEnd(30)}${what}\n`).join('')}
`;

/**
 * What each message type takes after it, as smbcontrol checks it before sending anything: how many parameters (at least,
 * at most) and the usage line it prints otherwise. idmap, printnotify, stacktrace and msg-cleanup read their parameters
 * in ways of their own (subcommands, platform support) and are not checked beyond their name.
 */
const PARAMETERS: Record<string, [min: number, max: number, usage: string]> = {
  debug: [1, 1, '<dest> debug <debug-string>'],
  'force-election': [0, 0, '<dest> force-election'],
  ping: [0, 0, '<dest> ping'],
  profile: [1, 1, '<dest> profile <off|count|on|flush>'],
  inject: [1, 1, '<dest> inject <bus|hup|term|internal|segv>'],
  profilelevel: [0, 0, '<dest> profilelevel'],
  debuglevel: [0, 0, '<dest> debuglevel'],
  'close-share': [1, 1, '<dest> close-share <sharename>'],
  'close-denied-share': [1, 1, '<dest> close-denied-share <sharename>'],
  'kill-client-ip': [1, 1, '<dest> kill-client-ip <IP address>'],
  'ip-dropped': [1, 1, '<dest> ip-dropped <ip-address>'],
  'pool-usage': [0, 0, '<dest> pool-usage'],
  'rpc-dump-status': [0, 0, '<dest> rpc-dump-status'],
  'ringbuf-log': [0, 0, '<dest> ringbuf-log'],
  'dmalloc-mark': [0, 0, '<dest> dmalloc-mark'],
  'dmalloc-log-changed': [0, 0, '<dest> dmalloc-log-changed'],
  shutdown: [0, 0, '<dest> shutdown'],
  drvupgrade: [1, 1, '<dest> drvupgrade <driver-name>'],
  'reload-config': [0, 0, '<dest> reload-config'],
  'reload-printers': [0, 0, '<dest> reload-printers'],
  nodestatus: [1, 1, 'nmbd nodestatus <ip>'],
  online: [0, 0, 'winbindd online'],
  offline: [0, 0, 'winbindd offline'],
  onlinestatus: [0, 0, 'winbindd onlinestatus'],
  'validate-cache': [0, 0, 'winbindd validate-cache'],
  'dump-domain-list': [0, 1, '<dest> dump-domain-list <domain>'],
  'disconnect-dc': [0, 0, '<dest> disconnect-dc'],
  'notify-cleanup': [0, 0, 'smbd notify-cleanup'],
  'num-children': [0, 0, '<dest> num-children'],
  noop: [0, 0, '<dest> noop'],
  sleep: [1, 1, '<dest> sleep seconds'],
};

const PROFILE = new Set(['off', 'count', 'on', 'flush']);

/** smbcontrol's refusal of `<destination> <message-type> [parameters]`, or null when it would send the message. */
function message(operands: string[]): RunResult | null {
  if (operands.length < 2) return refusal(USAGE, 1);
  const [, type, ...params] = operands as [string, string, ...string[]];
  if (!MESSAGE_TYPES.some(([name]) => name === type)) return refusal(`smbcontrol: unknown command '${type}'\n`, 1);
  const rule = PARAMETERS[type];
  if (!rule) return null;
  const [min, max, usage] = rule;
  if (params.length < min || params.length > max) return refusal(`Usage: smbcontrol ${usage}\n`, 1);
  if (type === 'profile' && !PROFILE.has(params[0]!)) return refusal(`Unknown profile command '${params[0]}'\n`, 1);
  if (type === 'kill-client-ip' && !isIP(params[0]!)) return refusal(`${params[0]} is not a valid IP address!\n`, 1);
  return null;
}

export const smbcontrolGrammar: ToolGrammar = {
  tool: 'smbcontrol',
  style: 'gnu',
  options: [
    { short: 't', long: 'timeout', value: true },
    { short: '?', long: 'help', value: false },
    { long: 'usage', value: false },
    { short: 'd', long: 'debuglevel', value: true },
    { long: 'debug-stdout', value: false },
    { short: 's', long: 'configfile', value: true },
    { long: 'option', value: true },
    { short: 'l', long: 'log-basename', value: true },
    { long: 'leak-report', value: false },
    { long: 'leak-report-full', value: false },
    { short: 'V', long: 'version', value: false },
  ],
  refuse: {
    unknownShort: () => refusal(`Invalid option\n${USAGE}`, 1),
    unknownLong: () => refusal(`Invalid option\n${USAGE}`, 1),
    missingValue: () => refusal(`Invalid option\n${USAGE}`, 1),
    // <destination> <message-type> [parameters...]
    operands: message,
  },
};
