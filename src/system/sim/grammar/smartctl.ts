/**
 * smartctl (smartmontools 7.3): options from smartctl(8); refusals as smartctl 7.3 prints them
 * (on standard output, exit 1; with -j, as the JSON document's error messages).
 */
import { refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const BANNER =
  'smartctl 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-18-amd64] (local build)\nCopyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n';
const HINT = 'Use smartctl -h to get a usage summary';

const TESTS = /^(offline|short|long|conveyance|force|vendor,\d+|select,(\d+-\d+|\d+\+\d+|next|redo|cont)|pending,\d+|afterselect,(on|off))$/;
const LOGS =
  /^(error|selftest|selective|directory(,[gs])?|background|sasphy(,reset)?|sataphy(,reset)?|scttemp(sts|int|hist)?|scttempint,\d+(,p)?|scterc(,\d+,\d+)?(,p|,reset)?|devstat(,\d+)?|defects|envrep|genstats|ssd|zdevstat|farm|nvmelog,\d+,\d+|xerror(,\d+)?(,error)?|xselftest(,\d+)?(,selftest)?|gplog,\d+(,\d+(-\d+|\+\d+)?)?|smartlog,\d+(,\d+(-\d+|\+\d+)?)?|error(,\d+)?|selftest(,\d+)?)$/;
const VALID: Record<string, string> = {
  t: 'offline, short, long, conveyance, force, vendor,N, select,M-N, pending,N, afterselect,[on|off]',
  q: 'errorsonly, silent, noserial',
  json: 'c, g, i, o, s, u, v, y',
  l: 'error, selftest, selective, directory[,g|s], xerror[,N][,error], xselftest[,N][,selftest], background, sasphy[,reset], sataphy[,reset], scttemp[sts,hist], scttempint,N[,p], scterc[,N,M][,p|reset], devstat[,N], defects, envrep, genstats, ssd, gplog,N[,RANGE], smartlog,N[,RANGE], nvmelog,N,SIZE',
};

const options: OptionSpec[] = [
  { short: 'h', long: 'help', value: false },
  { long: 'usage', value: false },
  { short: 'V', long: 'version', value: false },
  { long: 'copyright', value: false },
  { long: 'license', value: false },
  { short: 'i', long: 'info', value: false },
  { short: 'g', long: 'get', value: true },
  { short: 'a', long: 'all', value: false },
  { short: 'x', long: 'xall', value: false },
  { long: 'scan', value: false },
  { long: 'scan-open', value: false },
  // --json[=cgiosuvy]: the letters pick the form (c compact, y YAML, g grep-able, o with the text output, s sorted, u
  // unknown values, v verbose, i with the info lines).
  { short: 'j', long: 'json', value: 'optional', accepts: (v) => /^[cgiosuvy]*$/.test(v) },
  { short: 'q', long: 'quietmode', value: true, accepts: (v) => /^(errorsonly|silent|noserial)$/.test(v) },
  { short: 'd', long: 'device', value: true },
  { short: 'T', long: 'tolerance', value: true },
  { short: 'b', long: 'badsum', value: true },
  { short: 'r', long: 'report', value: true },
  { short: 'n', long: 'nocheck', value: true },
  { short: 's', long: 'smart', value: true },
  { short: 'o', long: 'offlineauto', value: true },
  { short: 'S', long: 'saveauto', value: true },
  { short: 'H', long: 'health', value: false },
  { short: 'c', long: 'capabilities', value: false },
  { short: 'A', long: 'attributes', value: false },
  { short: 'f', long: 'format', value: true },
  { short: 'l', long: 'log', value: true, accepts: (v) => LOGS.test(v) },
  { short: 'v', long: 'vendorattribute', value: true },
  { short: 'F', long: 'firmwarebug', value: true },
  { short: 'P', long: 'presets', value: true },
  { short: 'B', long: 'drivedb', value: true },
  { short: 't', long: 'test', value: true, accepts: (v) => TESTS.test(v) },
  { short: 'C', long: 'captive', value: false },
  { short: 'X', long: 'abort', value: false },
];

/**
 * smartctl's refusal: text on standard output, or with -j/--json[=...] the JSON document carrying the error messages (on one
 * line, unended, with --json=c). The other letters' forms (YAML, grep-able, sorted, with the text output) are not simulated: the
 * refusal is printed as JSON whatever they say.
 */
function refuse(args: string[], messages: string[], textOnly: string[] = []) {
  const json = args.find((a) => a === '-j' || a === '--json' || a.startsWith('--json=') || /^-[a-zA-Z]*j/.test(a));
  if (json) {
    const doc = {
      json_format_version: [1, 0],
      smartctl: {
        version: [7, 3],
        svn_revision: '5338',
        platform_info: 'x86_64-linux-6.1.0-18-amd64',
        build_info: '(local build)',
        argv: ['smartctl', ...args],
        messages: messages.filter(Boolean).map((string) => ({ string, severity: 'error' })),
        exit_status: 1,
      },
    };
    const compact = json.startsWith('--json=') && json.includes('c');
    // smartctl 7.3 ends the one-line document without a newline.
    return refusal('', 1, compact ? JSON.stringify(doc) : `${JSON.stringify(doc, null, 2)}\n`);
  }
  return refusal('', 1, `${BANNER}\n${[...messages, ...textOnly].join('\n')}\n\n${HINT}\n\n`);
}

export function smartctlGrammar(args: string[]): ToolGrammar {
  return {
    tool: 'smartctl',
    style: 'gnu',
    // getopt_long takes a prefix of one long option; smartctl reads an ambiguous one as unrecognized (no ambiguous()).
    abbreviations: 'unique',
    options,
    refuse: {
      unknownShort: (c) => refuse(args, [`=======> UNRECOGNIZED OPTION: ${c}`]),
      unknownLong: (name) => refuse(args, [`=======> UNRECOGNIZED OPTION: ${name}`]),
      missingValue: (o) =>
        refuse(args, [
          `=======> ARGUMENT REQUIRED FOR OPTION: ${o.short ?? o.long}`,
          ...(VALID[o.short ?? ''] ? [`=======> VALID ARGUMENTS ARE: ${VALID[o.short!]} <=======`] : []),
        ]),
      badValue: (o, v) => {
        // --json's value is named by the long option; the others by their letter, however they were written.
        const name = o.long === 'json' ? '--json' : `-${o.short ?? o.long}`;
        const valid = VALID[o.long === 'json' ? 'json' : (o.short ?? '')];
        return refuse(args, [`=======> INVALID ARGUMENT TO ${name}: ${v}`, ...(valid ? [`=======> VALID ARGUMENTS ARE: ${valid} <=======`] : [])]);
      },
      operands: (operands, parsed) => {
        const scanning = ['scan', 'scan-open', 'help', 'usage', 'version', 'copyright', 'license'].some((o) => parsed.options.has(o));
        if (scanning) return null;
        if (operands.length === 0) return refuse(args, ['ERROR: smartctl requires a device name as the final command-line argument.', '']);
        // The device names given are listed in the text only: the JSON document carries the first line.
        if (operands.length > 1)
          return refuse(
            args,
            ['ERROR: smartctl takes ONE device name as the final command-line argument.'],
            [`You have provided ${operands.length} device names:`, ...operands],
          );
        return null;
      },
    },
  };
}
