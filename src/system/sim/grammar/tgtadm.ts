/**
 * tgtadm (tgt 1.0.85): getopt_long options "dhVL:o:m:t:s:c:l:n:v:b:E:f:y:T:I:Q:u:p:H:F:P:B:Y:O:C:S:"
 * and its long names (tgtadm --help); refusals as it prints them (exit 22, EINVAL).
 */
import { ambiguousText, refusal, type OptionSpec, type Parsed, type ToolGrammar } from './grammar.js';

const TRY = "Try `tgtadm --help' for more information.\n";
const valued = (short: string, long: string): OptionSpec => ({ short, long, value: true });

const MODES = new Map([
  ['system', 'system'],
  ['sys', 'system'],
  ['target', 'target'],
  ['tgt', 'target'],
  ['logicalunit', 'logicalunit'],
  ['lu', 'logicalunit'],
  ['portal', 'portal'],
  ['account', 'account'],
  ['connection', 'connection'],
  ['conn', 'connection'],
  ['session', 'session'],
  ['sess', 'session'],
  ['lld', 'lld'],
]);
const OPS = new Set(['new', 'delete', 'show', 'bind', 'unbind', 'update', 'stat', 'start', 'stop']);

const one = (p: Parsed, name: string) => p.options.get(name)?.at(-1);

export const tgtadmGrammar: ToolGrammar = {
  tool: 'tgtadm',
  style: 'gnu',
  abbreviations: 'unique',
  options: [
    { short: 'd', long: 'debug', value: false },
    { short: 'h', long: 'help', value: false },
    { short: 'V', long: 'version', value: false },
    valued('L', 'lld'),
    valued('o', 'op'),
    valued('m', 'mode'),
    valued('t', 'tid'),
    valued('s', 'sid'),
    valued('c', 'cid'),
    valued('l', 'lun'),
    valued('n', 'name'),
    valued('v', 'value'),
    valued('b', 'backing-store'),
    valued('E', 'bstype'),
    valued('S', 'bsopts'),
    valued('f', 'bsoflags'),
    valued('y', 'blocksize'),
    valued('T', 'targetname'),
    valued('I', 'initiator-address'),
    valued('Q', 'initiator-name'),
    valued('u', 'user'),
    valued('p', 'password'),
    valued('H', 'host'),
    valued('P', 'params'),
    valued('B', 'bus'),
    valued('Y', 'device-type'),
    valued('C', 'control-port'),
    // Flags in their long form; the short letters take a value in tgtadm's getopt string.
    { long: 'force', value: false },
    { long: 'outgoing', value: false },
    { short: 'F', value: true },
    { short: 'O', value: true },
  ],
  refuse: {
    unknownShort: (c) => refusal(`tgtadm: invalid option -- '${c}'\n${TRY}`, 22),
    unknownLong: (name) => refusal(`tgtadm: unrecognized option '--${name}'\n${TRY}`, 22),
    ambiguous: (written, candidates) => refusal(`${ambiguousText('tgtadm', written, candidates)}${TRY}`, 22),
    missingValue: (o, written) =>
      written.startsWith('--')
        ? refusal(`tgtadm: option '${written}' requires an argument\n${TRY}`, 22)
        : refusal(`tgtadm: option requires an argument -- '${o.short}'\n${TRY}`, 22),
    // tgtadm takes no operands: the first one is named as an unrecognized option.
    operands: (operands) => (operands.length ? refusal(`tgtadm: unrecognized option '${operands[0]}'\n${TRY}`, 22) : null),
  },
  check: (p) => {
    if (p.options.has('help') || p.options.has('version')) return null;
    const mode = one(p, 'mode');
    const op = one(p, 'op');
    if (mode === undefined) return refusal('tgtadm: specify the mode\n', 22);
    if (!MODES.has(mode)) return refusal(`tgtadm: unknown mode: ${mode}\n`, 1);
    if (op === undefined) return refusal('tgtadm: specify the operation type\n', 22);
    if (!OPS.has(op)) return refusal(`tgtadm: unknown operation: ${op}\n`, 1);
    const m = MODES.get(mode);
    if (m === 'target' && op === 'new' && !p.options.has('targetname')) return refusal('tgtadm: creating new target requires a name, use --targetname\n', 22);
    if (m === 'logicalunit' && op === 'new' && !p.options.has('backing-store')) return refusal("tgtadm: 'backing-store' option is necessary\n", 22);
    return null;
  },
};
