/**
 * snmptrap (Net-SNMP 5.9.3, Debian 12), as the appliance runs it (src/system/snmp): with POSIXLY_CORRECT=1, so glibc's
 * getopt ends the options at the first operand (the manager). Net-SNMP's option letters ("VhHm:M:O:I:P:D:dv:r:t:c:Z:e:E:
 * n:u:l:x:X:a:A:p:T:-:3:L:s:S:Y:" with snmptrap's "C:"; probed letter by letter against the real tool), `--TOKEN=VALUE`
 * a configuration directive (read, not refused). Every refusal below was captured from the real tool: getopt's and the
 * value checks' lines followed by the whole usage (stderr, exit 1), except -C's, which prints its line alone.
 *
 * - `-v` takes 1, 2c or 3 ("Invalid version specified after -v flag: X").
 * - `-e` an engine ID in hex (0x optional): not hex (or an odd count of digits) is "Bad engine ID value after -3e
 *   flag.", fewer than 5 or more than 32 bytes "Invalid engine ID value after -e flag.".
 * - `-C` letters, of which snmptrap knows `i` (an inform).
 * - No operand: "No hostname specified.". What the trap parameters after the manager say (uptime, OIDs, types) is
 *   read later by the tool and not modelled here, nor the warning a `--TOKEN` directive it does not know prints.
 */
import { refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const USAGE = `USAGE: snmptrap [OPTIONS] AGENT TRAP-PARAMETERS

  Version:  5.9.3
  Web:      http://www.net-snmp.org/
  Email:    net-snmp-coders@lists.sourceforge.net

OPTIONS:
  -h, --help\t\tdisplay this help message
  -H\t\t\tdisplay configuration file directives understood
  -v 1|2c|3\t\tspecifies SNMP version to use
  -V, --version\t\tdisplay package version number
SNMP Version 1 or 2c specific
  -c COMMUNITY\t\tset the community string
SNMP Version 3 specific
  -a PROTOCOL\t\tset authentication protocol (MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512)
  -A PASSPHRASE\t\tset authentication protocol pass phrase
  -e ENGINE-ID\t\tset security engine ID (e.g. 800000020109840301)
  -E ENGINE-ID\t\tset context engine ID (e.g. 800000020109840301)
  -l LEVEL\t\tset security level (noAuthNoPriv|authNoPriv|authPriv)
  -n CONTEXT\t\tset context name (e.g. bridge1)
  -u USER-NAME\t\tset security name (e.g. bert)
  -x PROTOCOL\t\tset privacy protocol (DES|AES|AES-192|AES-256)
  -X PASSPHRASE\t\tset privacy protocol pass phrase
  -Z BOOTS,TIME\t\tset destination engine boots/time
General communication options
  -r RETRIES\t\tset the number of retries
  -t TIMEOUT\t\tset the request timeout (in seconds)
Debugging
  -d\t\t\tdump input/output packets in hexadecimal
  -D[TOKEN[,...]]\tturn on debugging output for the specified TOKENs
\t\t\t   (ALL gives extremely verbose debugging output)
General options
  -m MIB[:...]\t\tload given list of MIBs (ALL loads everything)
  -M DIR[:...]\t\tlook in given list of directories for MIBs
    (default: $HOME/.snmp/mibs:/usr/share/snmp/mibs:/usr/share/snmp/mibs/iana:/usr/share/snmp/mibs/ietf)
  -P MIBOPTS\t\tToggle various defaults controlling MIB parsing:
\t\t\t  u:  allow the use of underlines in MIB symbols
\t\t\t  c:  disallow the use of "--" to terminate comments
\t\t\t  d:  save the DESCRIPTIONs of the MIB objects
\t\t\t  e:  disable errors when MIB symbols conflict
\t\t\t  w:  enable warnings when MIB symbols conflict
\t\t\t  W:  enable detailed warnings when MIB symbols conflict
\t\t\t  R:  replace MIB symbols from latest module
  -O OUTOPTS\t\tToggle various defaults controlling output display:
\t\t\t  0:  print leading 0 for single-digit hex characters
\t\t\t  a:  print all strings in ascii format
\t\t\t  b:  do not break OID indexes down
\t\t\t  e:  print enums numerically
\t\t\t  E:  escape quotes in string indices
\t\t\t  f:  print full OIDs on output
\t\t\t  n:  print OIDs numerically
\t\t\t  p PRECISION:  display floating point values with specified PRECISION (printf format string)
\t\t\t  q:  quick print for easier parsing
\t\t\t  Q:  quick print with equal-signs
\t\t\t  s:  print only last symbolic element of OID
\t\t\t  S:  print MIB module-id plus last element
\t\t\t  t:  print timeticks unparsed as numeric integers
\t\t\t  T:  print human-readable text along with hex strings
\t\t\t  u:  print OIDs using UCD-style prefix suppression
\t\t\t  U:  don't print units
\t\t\t  v:  print values only (not OID = value)
\t\t\t  x:  print all strings in hex format
\t\t\t  X:  extended index format
  -I INOPTS\t\tToggle various defaults controlling input parsing:
\t\t\t  b:  do best/regex matching to find a MIB node
\t\t\t  h:  don't apply DISPLAY-HINTs
\t\t\t  r:  do not check values for range/type legality
\t\t\t  R:  do random access to OID labels
\t\t\t  u:  top-level OIDs must have '.' prefix (UCD-style)
\t\t\t  s SUFFIX:  Append all textual OIDs with SUFFIX before parsing
\t\t\t  S PREFIX:  Prepend all textual OIDs with PREFIX before parsing
  -L LOGOPTS\t\tToggle various defaults controlling logging:
\t\t\t  e:           log to standard error
\t\t\t  o:           log to standard output
\t\t\t  n:           don't log at all
\t\t\t  f file:      log to the specified file
\t\t\t  s facility:  log to syslog (via the specified facility)

\t\t\t  (variants)
\t\t\t  [EON] pri:   log to standard error, output or /dev/null for level 'pri' and above
\t\t\t  [EON] p1-p2: log to standard error, output or /dev/null for levels 'p1' to 'p2'
\t\t\t  [FS] pri token:    log to file/syslog for level 'pri' and above
\t\t\t  [FS] p1-p2 token:  log to file/syslog for levels 'p1' to 'p2'
  -C APPOPTS\t\tSet various application specific behaviour:
\t\t\t  i:  send an INFORM instead of a TRAP

  -v 1 TRAP-PARAMETERS:
\t enterprise-oid agent trap-type specific-type uptime [OID TYPE VALUE]...
  or
  -v 2 TRAP-PARAMETERS:
\t uptime trapoid [OID TYPE VALUE] ...
`;

const usage = (line: string) => refusal(`${line}\n${USAGE}`, 1);

/** The engine ID's bytes, or null when it is not hex. */
function engineBytes(v: string): number | null {
  const hex = v.replace(/^0x/i, '');
  return /^(?:[0-9a-fA-F]{2})*$/.test(hex) ? hex.length / 2 : null;
}

const VERSION = /^(1|2c|3)$/i;

export const snmptrapGrammar: ToolGrammar = {
  tool: 'snmptrap',
  style: 'posix',
  options: [
    ...[...'VhHd'].map((short): OptionSpec => ({ short, value: false })),
    ...[...'mMOIPDrtcZEnulxXaApTLsSY3-'].map((short): OptionSpec => ({ short, value: true })),
    { short: 'v', value: true, accepts: (v) => VERSION.test(v) },
    { short: 'e', value: true, accepts: (v) => engineBytes(v) !== null && engineBytes(v)! >= 5 && engineBytes(v)! <= 32 },
    { short: 'C', value: true, accepts: (v) => /^i*$/.test(v) },
  ],
  refuse: {
    unknownShort: (c) => usage(`snmptrap: invalid option -- '${c}'`),
    unknownLong: (name) => usage(`snmptrap: invalid option -- '${name[0] ?? '-'}'`),
    missingValue: (o) => usage(`snmptrap: option requires an argument -- '${o.short}'`),
    badValue: (o, v) => {
      if (o.short === 'v') return usage(`Invalid version specified after -v flag: ${v}`);
      if (o.short === 'C') return refusal(`Unknown flag passed to -C: ${[...v].find((c) => c !== 'i')}\n`, 1);
      return usage(engineBytes(v) === null ? 'Bad engine ID value after -3e flag.' : 'Invalid engine ID value after -e flag.');
    },
    // Said once the MIB directories are set up, when the usage names the default one with $HOME read (root's: the appliance's).
    operands: (operands) => (operands.length ? null : refusal(`No hostname specified.\n${USAGE.replace('$HOME/', '/root/')}`, 1)),
  },
};
