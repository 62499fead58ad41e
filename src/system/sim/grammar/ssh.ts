/**
 * OpenSSH 9.2p1 (Debian 12): ssh, ssh-keygen and ssh-keyscan read their options with OpenSSH's own BSD getopt (options end
 * at the first operand; `--x` is "unknown option -- -"). Its refusals are logged with a carriage return
 * ("unknown option -- Z\r\n"), then the usage (stderr); what the tools print themselves (`Bad port 'x'`) has none. The
 * option letters and every text below were captured from the real tools here.
 *
 * - ssh "1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:PQ:R:S:TVw:W:XYy" (exit 255): after the destination it reads
 *   options again, up to the remote command's first word. The `-o` keywords and values are checked by ssh's config
 *   parser, not here.
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

const sshOptions: ToolGrammar = {
  tool: 'ssh',
  style: 'posix',
  options: [...letters('1246afgknqstvxACGKMNPTVXYy', 'bceilmoBDEFIJLOQRSwW'), { short: 'p', value: true, accepts: isPort }],
  refuse: {
    ...bsdGetopt(SSH_USAGE, 255),
    badValue: (_o, v) => refusal(`Bad port '${v}'\n`, 255),
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
