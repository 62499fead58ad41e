/**
 * chpasswd (shadow 4.13): getopt_long "c:ehmR:s:", its long options in the order of its table; refusals as chpasswd
 * 4.13 prints them on Debian 12 (stderr: the reason, then the usage below; exit 2). It reads user:password lines on its
 * standard input and ignores operands.
 */
import { getoptRefusals, refusal, type ToolGrammar } from './grammar.js';

export const CHPASSWD_USAGE = `Usage: chpasswd [options]

Options:
  -c, --crypt-method METHOD     the crypt method (one of NONE DES MD5 SHA256 SHA512 YESCRYPT)
  -e, --encrypted               supplied passwords are encrypted
  -h, --help                    display this help message and exit
  -m, --md5                     encrypt the clear text password using
                                the MD5 algorithm
  -R, --root CHROOT_DIR         directory to chroot into
  -s, --sha-rounds              number of rounds for the SHA, BCRYPT
                                or YESCRYPT crypt algorithms

`;
const METHODS = new Set(['NONE', 'DES', 'MD5', 'SHA256', 'SHA512', 'YESCRYPT']);

export const chpasswdGrammar: ToolGrammar = {
  tool: 'chpasswd',
  style: 'gnu',
  abbreviations: 'unique',
  options: [
    { short: 'c', long: 'crypt-method', value: true, accepts: (v) => METHODS.has(v) },
    { short: 'e', long: 'encrypted', value: false },
    { short: 'h', long: 'help', value: false },
    { short: 'm', long: 'md5', value: false },
    { short: 'R', long: 'root', value: true },
    { short: 's', long: 'sha-rounds', value: true },
  ],
  refuse: {
    ...getoptRefusals('chpasswd', 2, CHPASSWD_USAGE),
    badValue: (_o, value) => refusal(`chpasswd: unsupported crypt method: ${value}\n${CHPASSWD_USAGE}`, 2),
    operands: () => null,
  },
  check: (p) =>
    p.options.has('sha-rounds') && !p.options.has('crypt-method') ? refusal(`chpasswd: -s flag is only allowed with the -c flag\n${CHPASSWD_USAGE}`, 2) : null,
};
