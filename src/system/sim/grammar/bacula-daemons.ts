/**
 * bacula-dir and bacula-sd (Bacula 9.6.7): getopt (no long options: `--x` is "invalid option -- '-'"), the Director
 * "c:d:fg:mPr:stu:vT?", the Storage daemon "c:d:fg:imPpstu:vT?"; one operand at most, a configuration file (relative to
 * /etc/bacula). Refusals as captured from both on Debian 12 (stderr, exit 1): getopt's line, then the usage below; a
 * second operand: the usage alone. The appliance runs them with `-t -c FILE` (test the configuration and exit).
 */
import { refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const DIR_USAGE = `Copyright (C) 2000-2020 Kern Sibbald.

Version: 9.6.7 (10 December 2020)

Usage: bacula-dir [-f -s] [-c config_file] [-d debug_level] [config_file]
     -c <file>        set configuration file to file
     -d <nn>[,<tags>] set debug level to <nn>, debug tags to <tags>
     -dt              print timestamp in debug output
     -T               set trace on
     -f               run in foreground (for debugging)
     -g               groupid
     -m               print kaboom output (for debugging)
     -r <job>         run <job> now
     -P               do not create pid file
     -s               no signals
     -t               test - read configuration and exit
     -u               userid
     -v               verbose user messages
     -?               print this message.

`;
const SD_USAGE = `Copyright (C) 2000-2020 Kern Sibbald.

Version: 9.6.7 (10 December 2020)

Usage: bacula-sd [options] [-c config_file] [config_file]
     -c <file>         use <file> as configuration file
     -d <nn>[,<tags>]  set debug level to <nn>, debug tags to <tags>
     -dt               print timestamp in debug output
     -T                set trace on
     -f                run in foreground (for debugging)
     -g <group>        set groupid to group
     -m                print kaboom output (for debugging)
     -p                proceed despite I/O errors
     -P                do not create pid file
     -s                no signals (for debugging)
     -t                test - read config and exit
     -u <user>         userid to <user>
     -v                verbose user messages
     -?                print this message.

`;
const letters = (flags: string, valued: string): OptionSpec[] => [
  ...[...flags].map((short) => ({ short, value: false })),
  ...[...valued].map((short) => ({ short, value: true })),
];

function baculaDaemon(tool: string, options: OptionSpec[], usage: string): ToolGrammar {
  return {
    tool,
    style: 'gnu',
    options,
    refuse: {
      unknownShort: (c) => refusal(`${tool}: invalid option -- '${c}'\n${usage}`, 1),
      unknownLong: () => refusal(`${tool}: invalid option -- '-'\n${usage}`, 1),
      missingValue: (o) => refusal(`${tool}: option requires an argument -- '${o.short}'\n${usage}`, 1),
      operands: (operands) => (operands.length > 1 ? refusal(usage, 1) : null),
    },
  };
}

export const baculaDirGrammar = baculaDaemon('bacula-dir', letters('fmPstvT?', 'cdgru'), DIR_USAGE);
export const baculaSdGrammar = baculaDaemon('bacula-sd', letters('fimpPstvT?', 'cdgu'), SD_USAGE);
