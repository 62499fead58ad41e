/**
 * ip (iproute2 6.1): its own option reader, not getopt: options before the object, each matched by iproute2's matches()
 * (any prefix of the name, the first name in ip.c's order that fits: `-d` is -details, `-b` -batch, `-br` -brief;
 * `-4`, `-6`, `-0`, `-M`, `-B`, `-echo` only whole), `--name` read as `-name`, `--` ending them. Then the object and its
 * command, each by prefix in ip's tables. Refusals captured from ip 6.1 on Debian 12: an unknown option or command exits
 * 255, an unknown object 1, an option without its value prints the usage (255). The arguments after the command (dev,
 * via, type...) are checked by the simulation, as ip checks them against the kernel.
 */
import { refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
`;

const FAMILIES = new Set(['inet', 'inet6', 'link', 'mpls', 'bridge']);
const flag = (long: string, exact?: boolean): OptionSpec => ({ long, value: false, exact });
const valued = (long: string, accepts?: (v: string) => boolean): OptionSpec => ({ long, value: true, accepts });

/** In ip.c's order, which decides what a prefix means. */
const options: OptionSpec[] = [
  valued('loops'),
  valued('family', (v) => FAMILIES.has(v)),
  flag('4', true),
  flag('6', true),
  flag('0', true),
  flag('M', true),
  flag('B', true),
  flag('human-readable'),
  flag('iec'),
  flag('stats'),
  flag('statistics'),
  flag('details'),
  flag('resolve'),
  flag('oneline'),
  flag('timestamp'),
  flag('tshort'),
  flag('Version'),
  flag('force'),
  valued('batch'),
  flag('brief'),
  flag('json'),
  flag('pretty'),
  valued('rcvbuf'),
  flag('color'),
  flag('help'),
  valued('netns'),
  flag('Numeric'),
  flag('all'),
  flag('echo', true),
];

/** ip's objects in its table's order (a prefix means the first that fits: `a` address, `l` link, `r` route). */
const OBJECTS = [
  'address',
  'addrlabel',
  'maddress',
  'route',
  'rule',
  'neighbor',
  'neighbour',
  'ntable',
  'ntbl',
  'link',
  'l2tp',
  'fou',
  'ila',
  'macsec',
  'tunnel',
  'tunl',
  'tuntap',
  'tap',
  'token',
  'tcpmetrics',
  'tcp_metrics',
  'monitor',
  'xfrm',
  'mroute',
  'mrule',
  'netns',
  'netconf',
  'vrf',
  'sr',
  'nexthop',
  'mptcp',
  'ioam',
  'help',
  'stats',
  'amt',
];

/** The commands of the objects the appliance drives, in the order their do_*() read them; the name ip's refusal gives. */
const COMMANDS: Record<string, { words: string[]; help: string }> = {
  link: { words: ['add', 'change', 'set', 'replace', 'delete', 'show', 'lst', 'list', 'xstats', 'afstats', 'property', 'help'], help: 'link' },
  address: {
    words: ['add', 'change', 'replace', 'delete', 'list', 'show', 'lst', 'flush', 'save', 'showdump', 'restore', 'help'],
    help: 'address',
  },
  route: {
    words: ['add', 'change', 'replace', 'prepend', 'append', 'test', 'delete', 'list', 'show', 'lst', 'get', 'flush', 'save', 'restore', 'showdump', 'help'],
    help: 'route',
  },
};

const fits = (written: string, names: string[]) => names.find((n) => written.length > 0 && n.startsWith(written));

/** The object `args` names after ip's options (by prefix), or undefined. */
export function ipObject(written: string): string | undefined {
  return fits(written, OBJECTS);
}

export const ipGrammar: ToolGrammar = {
  tool: 'ip',
  style: 'single-dash',
  abbreviations: 'first',
  optionsFirst: true,
  options,
  refuse: {
    unknownShort: (c) => refusal(`Option "-${c}" is unknown, try "ip -help".\n`, 255),
    unknownLong: (name) => refusal(`Option "-${name}" is unknown, try "ip -help".\n`, 255),
    missingValue: (o) => (o.long === 'netns' ? refusal('Cannot open network namespace "(null)": No such file or directory\n', 255) : refusal(USAGE, 255)),
    badValue: (o, value) => (o.long === 'family' ? refusal(`Error: argument "${value}" is wrong: invalid protocol family\n`, 255) : refusal(USAGE, 255)),
    operands: (operands, parsed) => {
      if (parsed.options.has('batch') || parsed.options.has('Version') || parsed.options.has('help')) return null;
      if (operands.length === 0) return refusal(USAGE, 255);
      const object = ipObject(operands[0]!);
      if (!object) return refusal(`Object "${operands[0]}" is unknown, try "ip help".\n`, 1);
      const commands = COMMANDS[object];
      const command = operands[1];
      if (!commands || command === undefined || fits(command, commands.words)) return null;
      return refusal(`Command "${command}" is unknown, try "ip ${commands.help} help".\n`, 255);
    },
  },
};
