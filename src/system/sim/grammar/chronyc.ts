/**
 * chronyc (chrony 4.3): `--help` and `--version` are read first (whole words only), then getopt "+46acdef:h:imnNp:v"
 * (options end at the first command word; a long option is "invalid option -- '-'"). Refusals as captured from chronyc
 * 4.3 on Debian 12: getopt's line on stderr, the usage on stdout, exit 1. Without -m the words after the options are one
 * command line; with -m each is a command. The command words are chronyc's (each one checked against the real chronyc:
 * an unknown word is "Unrecognized command" before anything is sent); their own arguments are checked by chronyd.
 */
import { refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const USAGE = `Usage: chronyc [OPTION]... [COMMAND]...

Options:
  -4\t\tUse IPv4 addresses only
  -6\t\tUse IPv6 addresses only
  -n\t\tDon't resolve hostnames
  -N\t\tPrint original source names
  -c\t\tEnable CSV format
  -m\t\tAccept multiple commands
  -h HOST\tSpecify server (/run/chrony/chronyd.sock,127.0.0.1,::1)
  -p PORT\tSpecify UDP port (323)
  -v, --version\tPrint version and exit
      --help\tPrint usage and exit
`;

export const CHRONYC_COMMANDS = new Set(
  (
    'accheck activity add allow authdata burst clients cmdaccheck cmdallow cmddeny cyclelogs delete deny dfreq doffset dump ' +
    'exit help keygen local makestep manual maxdelay maxdelaydevratio maxdelayratio maxpoll maxupdateskew minpoll minstratum ' +
    'ntpdata offline online onoffline polltarget quit refresh rekey reload reselect reselectdist reset retries rtcdata ' +
    'selectdata serverstats settime shutdown smoothing smoothtime sourcename sources sourcestats timeout tracking trimrtc ' +
    'waitsync writertc'
  ).split(' '),
);

const flag = (short: string): OptionSpec => ({ short, value: false });

export function chronycGrammar(): ToolGrammar {
  return {
    tool: 'chronyc',
    style: 'posix',
    takenWhole: (all) => all.includes('--help') || all.includes('--version'),
    options: [
      flag('4'),
      flag('6'),
      flag('a'),
      flag('c'),
      flag('d'),
      flag('e'),
      { short: 'f', value: true },
      { short: 'h', value: true },
      flag('i'),
      flag('m'),
      flag('n'),
      flag('N'),
      { short: 'p', value: true },
      flag('v'),
    ],
    refuse: {
      unknownShort: (c) => refusal(`chronyc: invalid option -- '${c}'\n`, 1, USAGE),
      unknownLong: () => refusal("chronyc: invalid option -- '-'\n", 1, USAGE),
      missingValue: (o) => refusal(`chronyc: option requires an argument -- '${o.short}'\n`, 1, USAGE),
      operands: (operands, parsed) => {
        if (parsed.options.has('v')) return null;
        const lines = parsed.options.has('m') ? operands : operands.length ? [operands.join(' ')] : [];
        const word = (l: string) => l.trim().split(/\s+/)[0]!;
        const bad = lines.find((l) => word(l) !== '' && !CHRONYC_COMMANDS.has(word(l)));
        return bad === undefined ? null : refusal('Unrecognized command\n', 1);
      },
    },
  };
}
