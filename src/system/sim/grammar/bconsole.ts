/**
 * bconsole (Bacula 9.6.7): getopt "D:lLC:c:d:nstu:?" (no long options: `--x` is "invalid option -- '-'"), no operands.
 * Refusals as bconsole 9.6.7 prints them on Debian 12 (stderr, exit 1): getopt's line, then the usage below; an operand:
 * the usage alone. The commands themselves come on its standard input (the Bacula simulation reads them).
 */
import { refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const USAGE = `Copyright (C) 2000-2020 Kern Sibbald.

Version: 9.6.7 (10 December 2020) x86_64-pc-linux-gnu debian bookworm/sid

Usage: bconsole [-s] [-c config_file] [-d debug_level]
       -D <dir>    select a Director
       -l          list Directors defined
       -L          list Consoles defined
       -C <cons>   select a console
       -c <file>   set configuration file to file
       -d <nn>     set debug level to <nn>
       -dt         print timestamp in debug output
       -n          no conio
       -s          no signals
       -u <nn>     set command execution timeout to <nn> seconds
       -t          test - read configuration and exit
       -?          print this message.

`;
const flag = (short: string): OptionSpec => ({ short, value: false });
const valued = (short: string): OptionSpec => ({ short, value: true });

export const bconsoleGrammar: ToolGrammar = {
  tool: 'bconsole',
  style: 'gnu',
  options: [valued('D'), flag('l'), flag('L'), valued('C'), valued('c'), valued('d'), flag('n'), flag('s'), flag('t'), valued('u'), flag('?')],
  refuse: {
    unknownShort: (c) => refusal(`bconsole: invalid option -- '${c}'\n${USAGE}`, 1),
    unknownLong: () => refusal(`bconsole: invalid option -- '-'\n${USAGE}`, 1),
    missingValue: (o) => refusal(`bconsole: option requires an argument -- '${o.short}'\n${USAGE}`, 1),
    operands: (operands) => (operands.length ? refusal(USAGE, 1) : null),
  },
};
