/** smbcontrol (Samba 4.17): popt options from smbcontrol(1); refusals as it prints them (exit 1). */
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
    operands: (operands) => (operands.length < 2 ? refusal(USAGE, 1) : null),
  },
};
