/**
 * chronyd (chrony 4.3): `--help` and `--version` are read first (whole words only), then getopt
 * "+46df:F:hl:L:mnpP:qQrRst:u:Uvx" (options end at the first directive; a long option is "invalid option -- '-'").
 * Refusals as captured from chronyd 4.3 on Debian 12: getopt's line on stderr, the usage on stdout, exit 1. Its operands
 * are configuration directives, read (and refused, naming the line) with the configuration.
 */
import { refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const USAGE = `Usage: chronyd [OPTION]... [DIRECTIVE]...

Options:
  -4\t\tUse IPv4 addresses only
  -6\t\tUse IPv6 addresses only
  -f FILE\tSpecify configuration file (/etc/chrony/chrony.conf)
  -n\t\tDon't run as daemon
  -d\t\tDon't run as daemon and log to stderr
  -l FILE\tLog to file
  -L LEVEL\tSet logging threshold (0)
  -p\t\tPrint configuration and exit
  -q\t\tSet clock and exit
  -Q\t\tLog offset and exit
  -r\t\tReload dump files
  -R\t\tAdapt configuration for restart
  -s\t\tSet clock from RTC
  -t SECONDS\tExit after elapsed time
  -u USER\tSpecify user (_chrony)
  -U\t\tDon't check for root
  -F LEVEL\tSet system call filter level (0)
  -P PRIORITY\tSet process priority (0)
  -m\t\tLock memory
  -x\t\tDon't control clock
  -v, --version\tPrint version and exit
  -h, --help\tPrint usage and exit
`;
const flag = (short: string): OptionSpec => ({ short, value: false });
const valued = (short: string): OptionSpec => ({ short, value: true });

export const chronydGrammar: ToolGrammar = {
  tool: 'chronyd',
  style: 'posix',
  takenWhole: (all) => all.includes('--help') || all.includes('--version'),
  options: [
    flag('4'),
    flag('6'),
    flag('d'),
    valued('f'),
    valued('F'),
    flag('h'),
    valued('l'),
    valued('L'),
    flag('m'),
    flag('n'),
    flag('p'),
    valued('P'),
    flag('q'),
    flag('Q'),
    flag('r'),
    flag('R'),
    flag('s'),
    valued('t'),
    valued('u'),
    flag('U'),
    flag('v'),
    flag('x'),
  ],
  refuse: {
    unknownShort: (c) => refusal(`chronyd: invalid option -- '${c}'\n`, 1, USAGE),
    unknownLong: () => refusal("chronyd: invalid option -- '-'\n", 1, USAGE),
    missingValue: (o) => refusal(`chronyd: option requires an argument -- '${o.short}'\n`, 1, USAGE),
    operands: () => null,
  },
};
