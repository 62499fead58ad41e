/**
 * OpenSSH 9.2p1 (Debian 12): ssh, ssh-keygen and ssh-keyscan read their options with OpenSSH's own BSD getopt (options end
 * at the first operand; `--x` is "unknown option -- -"). Its refusals are logged with a carriage return
 * ("unknown option -- Z\r\n"), then the usage (stderr); what the tools print themselves (`Bad port 'x'`) has none. The
 * option letters and every text below were captured from the real tools here.
 *
 * - ssh "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:PQ:R:S:TVw:W:XYy" (exit 255): after the destination it reads
 *   options again, up to the remote command's first word. Each `-o` is read by ssh's config parser as it comes
 *   (sshConfigRefusal below): an unknown keyword, a keyword without a value and the Host, Match and Include directives
 *   are refused; of the values, those of the keywords Calypso writes are checked (the others are taken).
 * - ssh-keygen "ABHKLQUXceghiklopquvyC:D:E:F:I:M:N:O:P:R:V:Y:Z:a:b:f:m:n:r:s:t:w:z:" (exit 1): operands only with
 *   `-s` (a CA signing files), `-k`, `-Q`, `-M` or `-Y`.
 * - ssh-keyscan "46cDHvf:p:T:t:" (exit 1): a host or `-f FILE`; `-p` a port 1-65535, `-T` a positive time
 *   (`10`, `1m`, `1h30m`), `-t` a comma list of key types (exit 255 on an unknown one).
 */
import type { RunResult } from '../../host.js';
import { readArgs, refusal, type OptionSpec, type Refusals, type ToolGrammar } from './grammar.js';

const KEYGEN_USAGE = `usage: ssh-keygen [-q] [-a rounds] [-b bits] [-C comment] [-f output_keyfile]
                  [-m format] [-N new_passphrase] [-O option]
                  [-t dsa | ecdsa | ecdsa-sk | ed25519 | ed25519-sk | rsa]
                  [-w provider] [-Z cipher]
       ssh-keygen -p [-a rounds] [-f keyfile] [-m format] [-N new_passphrase]
                   [-P old_passphrase] [-Z cipher]
       ssh-keygen -i [-f input_keyfile] [-m key_format]
       ssh-keygen -e [-f input_keyfile] [-m key_format]
       ssh-keygen -y [-f input_keyfile]
       ssh-keygen -c [-a rounds] [-C comment] [-f keyfile] [-P passphrase]
       ssh-keygen -l [-v] [-E fingerprint_hash] [-f input_keyfile]
       ssh-keygen -B [-f input_keyfile]
       ssh-keygen -D pkcs11
       ssh-keygen -F hostname [-lv] [-f known_hosts_file]
       ssh-keygen -H [-f known_hosts_file]
       ssh-keygen -K [-a rounds] [-w provider]
       ssh-keygen -R hostname [-f known_hosts_file]
       ssh-keygen -r hostname [-g] [-f input_keyfile]
       ssh-keygen -M generate [-O option] output_file
       ssh-keygen -M screen [-f input_file] [-O option] output_file
       ssh-keygen -I certificate_identity -s ca_key [-hU] [-D pkcs11_provider]
                  [-n principals] [-O option] [-V validity_interval]
                  [-z serial_number] file ...
       ssh-keygen -L [-f input_keyfile]
       ssh-keygen -A [-a rounds] [-f prefix_path]
       ssh-keygen -k -f krl_file [-u] [-s ca_public] [-z version_number]
                  file ...
       ssh-keygen -Q [-l] -f krl_file [file ...]
       ssh-keygen -Y find-principals -s signature_file -f allowed_signers_file
       ssh-keygen -Y match-principals -I signer_identity -f allowed_signers_file
       ssh-keygen -Y check-novalidate -n namespace -s signature_file
       ssh-keygen -Y sign -f key_file -n namespace file [-O option] ...
       ssh-keygen -Y verify -f allowed_signers_file -I signer_identity
                  -n namespace -s signature_file [-r krl_file] [-O option]
`;
const KEYSCAN_USAGE = `usage: ssh-keyscan [-46cDHv] [-f file] [-p port] [-T timeout] [-t type]
\t\t   [host | addrlist namelist]
`;
const SSH_USAGE = `usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface]
           [-b bind_address] [-c cipher_spec] [-D [bind_address:]port]
           [-E log_file] [-e escape_char] [-F configfile] [-I pkcs11]
           [-i identity_file] [-J [user@]host[:port]] [-L address]
           [-l login_name] [-m mac_spec] [-O ctl_cmd] [-o option] [-p port]
           [-Q query_option] [-R address] [-S ctl_path] [-W host:port]
           [-w local_tun[:remote_tun]] destination [command [argument ...]]
`;
const letters = (flags: string, valued: string): OptionSpec[] => [
  ...[...flags].map((short) => ({ short, value: false })),
  ...[...valued].map((short) => ({ short, value: true })),
];

/** OpenSSH's getopt refusals: the logged line (with \r), then the usage. */
function bsdGetopt(usage: string, code: number): Omit<Refusals, 'operands'> {
  return {
    unknownShort: (c) => refusal(`unknown option -- ${c}\r\n${usage}`, code),
    unknownLong: () => refusal(`unknown option -- -\r\n${usage}`, code),
    missingValue: (o) => refusal(`option requires an argument -- ${o.short}\r\n${usage}`, code),
  };
}

/** a2port(): a decimal port 1-65535 (strtonum: leading blanks and a plus sign pass, nothing after the digits). */
export const isPort = (v: string) => /^\s*\+?\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535;

/** convtime(): a positive time in seconds, a number or number-and-unit pieces (`1h30m`), at most INT_MAX. */
export function isTime(v: string): boolean {
  const m = /^\s*\+?((?:\d+[smhdwSMHDW]?)+)$/.exec(v);
  if (!m) return false;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of m[1]!.matchAll(/(\d+)([a-zA-Z]?)/g)) total += Number(n) * (unit[(u || 's').toLowerCase()] ?? NaN);
  return total > 0 && total <= 2147483647;
}

/** The key type names ssh-keyscan -t takes (compared without case), each checked against ssh-keyscan 9.2. */
const KEY_TYPES = new Set(
  (
    'dsa ecdsa ed25519 rsa ecdsa-sk ed25519-sk ssh-rsa ssh-dss ssh-ed25519 ecdsa-sha2-nistp256 ecdsa-sha2-nistp384 ' +
    'ecdsa-sha2-nistp521 sk-ssh-ed25519@openssh.com sk-ecdsa-sha2-nistp256@openssh.com rsa-sha2-256 rsa-sha2-512'
  ).split(' '),
);
const unknownKeyType = (list: string) => list.split(',').find((t) => t !== '' && !KEY_TYPES.has(t.toLowerCase()));

export const sshKeygenGrammar: ToolGrammar = {
  tool: 'ssh-keygen',
  style: 'posix',
  options: letters('ABHKLQUXceghiklopquvy', 'CDEFIMNOPRVYZabfmnrstwz'),
  refuse: {
    ...bsdGetopt(KEYGEN_USAGE, 1),
    operands: (operands, parsed) => {
      const has = (c: string) => parsed.options.has(c);
      if (has('Y')) return null;
      if (has('s')) return operands.length || has('k') ? null : refusal(`Too few arguments.\r\n${KEYGEN_USAGE}`, 1);
      return operands.length && !has('k') && !has('Q') && !has('M') ? refusal(`Too many arguments.\r\n${KEYGEN_USAGE}`, 1) : null;
    },
  },
};

export const sshKeyscanGrammar: ToolGrammar = {
  tool: 'ssh-keyscan',
  style: 'posix',
  options: [
    ...letters('46cDHv', 'f'),
    { short: 'p', value: true, accepts: isPort },
    { short: 'T', value: true, accepts: isTime },
    { short: 't', value: true, accepts: (v) => unknownKeyType(v) === undefined },
  ],
  refuse: {
    ...bsdGetopt(KEYSCAN_USAGE, 1),
    badValue: (o, v) =>
      o.short === 'p'
        ? refusal(`Bad port '${v}'\n`, 1)
        : o.short === 'T'
          ? refusal(`Bad timeout '${v}'\n${KEYSCAN_USAGE}`, 1)
          : refusal(`Unknown key type "${unknownKeyType(v)}"\r\n`, 255),
    operands: (operands, parsed) => (operands.length || parsed.options.has('f') ? null : refusal(KEYSCAN_USAGE, 1)),
  },
};

/**
 * The ssh_config keywords of OpenSSH 9.2p1 (Debian 12) as the parser knows them, lower case: the current ones (`ssh -G`
 * prints them), their older spellings, and the deprecated and unsupported ones it reads and ignores (with a warning, not a
 * refusal). Each was given to the real ssh (`ssh -G -o KEYWORD=1`) and not refused as a bad option.
 */
export const SSH_CONFIG_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'addkeystoagent addressfamily batchmode bindaddress bindinterface canonicaldomains canonicalizefallbacklocal ' +
    'canonicalizehostname canonicalizemaxdots canonicalizepermittedcnames casignaturealgorithms certificatefile ' +
    'challengeresponseauthentication checkhostip cipher ciphers clearallforwardings compression connectionattempts ' +
    'connecttimeout controlmaster controlpath controlpersist dynamicforward enableescapecommandline enablesshkeysign ' +
    'escapechar exitonforwardfailure fingerprinthash forkafterauthentication forwardagent forwardx11 forwardx11timeout ' +
    'forwardx11trusted gatewayports globalknownhostsfile gssapiauthentication gssapiclientidentity ' +
    'gssapidelegatecredentials gssapikexalgorithms gssapikeyexchange gssapirenewalforcesrekey gssapiserveridentity ' +
    'gssapitrustdns hashknownhosts hostbasedacceptedalgorithms hostbasedauthentication hostbasedkeytypes ' +
    'hostkeyalgorithms hostkeyalias hostname identitiesonly identityagent identityfile ignoreunknown ipqos ' +
    'kbdinteractiveauthentication kbdinteractivedevices kexalgorithms knownhostscommand localcommand localforward ' +
    'loglevel logverbose macs nohostauthenticationforlocalhost numberofpasswordprompts passwordauthentication ' +
    'permitlocalcommand permitremoteopen pkcs11provider port preferredauthentications proxycommand proxyjump ' +
    'proxyusefdpass pubkeyacceptedalgorithms pubkeyacceptedkeytypes pubkeyauthentication rekeylimit remotecommand ' +
    'remoteforward requesttty requiredrsasize revokedhostkeys securitykeyprovider sendenv serveralivecountmax ' +
    'serveraliveinterval sessiontype setenv smartcarddevice stdinnull streamlocalbindmask streamlocalbindunlink ' +
    'stricthostkeychecking syslogfacility tcpkeepalive tunnel tunneldevice updatehostkeys user userknownhostsfile ' +
    'verifyhostkeydns visualhostkey xauthlocation ' +
    // older spellings, deprecated and unsupported keywords: read, warned about, ignored
    'afstokenpassing compressionlevel dsaauthentication fallbacktorsh globalknownhostsfile2 kerberosauthentication ' +
    'kerberostgtpassing protocol rhostsauthentication rhostsrsaauthentication rsaauthentication skeyauthentication ' +
    'tisauthentication useprivilegedport userknownhostsfile2 useroaming usersh'
  ).split(' '),
);

const WHITESPACE = ' \t\r\n';

/** OpenSSH's strdelim with '=' as a delimiter: the first word, and the rest after the blanks and at most one '='. */
function strdelim(s: string): [word: string, rest: string | null] {
  let i = 0;
  while (i < s.length && !WHITESPACE.includes(s[i]!) && s[i] !== '=' && s[i] !== '"') i++;
  if (i === s.length) return [s, null];
  const equals = s[i] === '=';
  let j = i + 1;
  while (j < s.length && WHITESPACE.includes(s[j]!)) j++;
  if (!equals && s[j] === '=') {
    j++;
    while (j < s.length && WHITESPACE.includes(s[j]!)) j++;
  }
  return [s.slice(0, i), s.slice(j)];
}

/** convtime(): a time in seconds (0 included), a number or number-and-unit pieces, at most INT_MAX. */
function isTimeValue(v: string): boolean {
  if (!/^(?:\d+[smhdwSMHDW]?)+$/.test(v)) return false;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const [, n, u] of v.matchAll(/(\d+)([a-zA-Z]?)/g)) total += Number(n) * unit[(u || 's').toLowerCase()]!;
  return total <= 2147483647;
}

/** strtonum(v, 0, INT_MAX)'s complaint, or null. */
function intComplaint(v: string): string | null {
  if (!/^\s*[+-]?\d+$/.test(v)) return 'invalid';
  const n = Number(v);
  return n < 0 ? 'too small' : n > 2147483647 ? 'too large' : null;
}

const YES_NO = new Set(['yes', 'no', 'true', 'false']);
const STRICT = new Set([...YES_NO, 'ask', 'off', 'accept-new']);

/** The value checks of the keywords Calypso writes (src/system/ssh): the complaint after "command-line line 0: ", or null. */
const VALUE_CHECKS: Record<string, (arg: string) => string | null> = {
  batchmode: (a) => (YES_NO.has(a.toLowerCase()) ? null : `unsupported option "${a}".`),
  identitiesonly: (a) => (YES_NO.has(a.toLowerCase()) ? null : `unsupported option "${a}".`),
  stricthostkeychecking: (a) => (STRICT.has(a.toLowerCase()) ? null : `unsupported option "${a}".`),
  connecttimeout: (a) => (isTimeValue(a) ? null : 'invalid time value.'),
  serveraliveinterval: (a) => (isTimeValue(a) ? null : 'invalid time value.'),
  serveralivecountmax: (a) => {
    const why = intComplaint(a);
    return why ? `integer value ${why}.` : null;
  },
  port: (a) => (isPort(a) ? null : `Bad port '${a}'.`),
};

/** ssh's config parser on one `-o` line (process_config_line, "command-line", line 0): its refusal, or null. */
export function sshConfigRefusal(line: string): RunResult | null {
  const said = (text: string) => refusal(`${text}\r\n`, 255);
  let [keyword, rest] = strdelim(line);
  // Leading blanks or '=': the keyword is the next word.
  if (keyword === '' && rest !== null) [keyword, rest] = strdelim(rest);
  if (keyword === '' || keyword.startsWith('#')) return null;
  keyword = keyword.toLowerCase();
  const value = rest?.replace(/^[ \t\r\n]+/, '') ?? '';
  if (value === '') return said(`command-line line 0: no argument after keyword "${keyword}"`);
  if (keyword === 'host' || keyword === 'match') return said('Host directive not supported as a command-line option');
  if (keyword === 'include') return said('Include directive not supported as a command-line option');
  if (!SSH_CONFIG_KEYWORDS.has(keyword)) return said(`command-line: line 0: Bad configuration option: ${keyword}`);
  const check = VALUE_CHECKS[keyword];
  if (!check) return null;
  const words = value.split(/[ \t\r\n]+/).filter(Boolean);
  const arg = words[0]!.replace(/^"(.*)"$/, '$1');
  const why = check(arg);
  if (why) return said(`command-line line 0: ${why}`);
  if (words.length > 1) return said(`command-line line 0: keyword ${keyword} extra arguments at end of line`);
  return null;
}

const sshOptions: ToolGrammar = {
  tool: 'ssh',
  style: 'posix',
  options: [
    ...letters('1246afgknqstvxACGKMNPTVXYy', 'bceilmBDEFIJLOQRSwW'),
    { short: 'p', value: true, accepts: isPort },
    { short: 'o', value: true, accepts: (v) => sshConfigRefusal(v) === null },
  ],
  refuse: {
    ...bsdGetopt(SSH_USAGE, 255),
    badValue: (o, v) => (o.short === 'o' ? sshConfigRefusal(v)! : refusal(`Bad port '${v}'\n`, 255)),
    operands: () => null,
  },
  check: (parsed) => (parsed.options.has('1') ? refusal('SSH protocol v.1 is no longer supported\r\n', 255) : null),
};

/** ssh's answer to `args` before it connects: a refusal, or null. Options are read before and after the destination. */
export function sshRefusal(args: string[]): RunResult | null {
  const first = readArgs(sshOptions, args);
  if ('refusal' in first) return first.refusal;
  const { operands, options } = first.parsed;
  if (options.has('V') || options.has('Q')) return null;
  if (operands.length === 0) return refusal(SSH_USAGE, 255);
  // Read again after the destination, up to the remote command's first word, unless `--` ended the options (ssh looks at
  // the argument before the destination, as here).
  const ended = args[args.length - operands.length - 1] === '--';
  if (ended || operands.length === 1) return null;
  const rest = readArgs(sshOptions, operands.slice(1));
  return 'refusal' in rest ? rest.refusal : null;
}
