/**
 * sg_logs (sg3-utils 1.46, sg_logs 1.81 20200110): getopt_long options from its usage text (`sg_logs -hh`); refusals as
 * it prints them, captured here (test/fixtures/tape/README.md). Its option errors print the usage and exit 0 (sic); a
 * missing or extra DEVICE and a bad --page exit 1.
 */
import type { RunResult } from '../../host.js';
import { ambiguousText, refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const USAGE = `Usage: sg_logs [-All] [--all] [--brief] [--control=PC] [--enumerate]
               [--filter=FL] [--help] [--hex] [--in=FN] [--list]
               [--no_inq] [--maxlen=LEN] [--name] [--page=PG]
               [--paramp=PP] [--pcb] [--ppc] [--pdt=DT] [--raw]
               [--readonly] [--reset] [--select] [--sp] [--temperature]
               [--transport] [--vendor=VP] [--verbose] [--version]
               DEVICE
  where the main options are:
    --All|-A        fetch and decode all log pages and subpages
    --all|-a        fetch and decode all log pages, but not subpages; use
                    twice to fetch and decode all log pages and subpages
    --brief|-b      shorten the output of some log pages
    --enumerate|-e    enumerate known pages, ignore DEVICE. Sort order,
                      '-e': all by acronym; '-ee': non-vendor by acronym;
                      '-eee': all numerically; '-eeee': non-v numerically
    --filter=FL|-f FL    FL is parameter code to display (def: all);
                         with '-e' then FL>=0 enumerate that pdt + spc
                         FL=-1 all (default), FL=-2 spc only
    --help|-h       print usage message then exit. Use twice for more help
    --hex|-H        output response in hex (default: decode if known)
    --in=FN|-i FN    FN is a filename containing a log page in ASCII hex
                     or binary if --raw also given.
    --list|-l       list supported log pages; twice: list log pages and
                    subpages (exclude 0xff subpages); thrice: all pg+spgs
    --page=PG|-p PG    PG is either log page acronym, PGN or PGN,SPGN
                       where (S)PGN is a (sub) page number
    --raw|-r        either output response in binary to stdout or, if
                    '--in=FN' is given, FN is decoded as binary
    --temperature|-t    decode temperature (log page 0xd or 0x2f)
    --transport|-T    decode transport (protocol specific port 0x18) page
    --vendor=VP|-M VP    vendor/product abbreviation [or number]
    --verbose|-v    increase verbosity

Performs a SCSI LOG SENSE (or LOG SELECT) command and decodes the response.
If only DEVICE is given then '-p sp' (supported pages) is assumed. Use
'-e' to see known pages and their acronyms. For more help use '-hh'.
`;

/** How it ends a refusal of a page or a missing DEVICE (not an extra one, nor an option error). */
const SYNTAX = 'sg_logs failed: Syntax error\n';

/** The page acronyms `sg_logs -e` lists. */
const ACRONYMS = new Set([
  'ac',
  'aptr',
  'bbt_',
  'bop',
  'bou',
  'bsr',
  'c_se',
  'cdl',
  'cms',
  'csi',
  'dc',
  'dc_',
  'dcv_',
  'ds',
  'ds_',
  'dtde_',
  'dtds',
  'dui_',
  'els',
  'enl',
  'enr',
  'f_hi',
  'f_se',
  'fs',
  'grsp',
  'gsp',
  'hp0_',
  'hp1_',
  'ie',
  'lbp',
  'lnd',
  'lne',
  'lnic',
  'lnmc',
  'lps',
  'mcdd',
  'mcs',
  'mi_hi',
  'nm',
  'nvc',
  'pc_',
  'pc_hi',
  'pct',
  'pd',
  'psp',
  're',
  'rfe_',
  'rr',
  'rre',
  'sad',
  'sbi',
  'sp',
  'ss_',
  'sscc',
  'ssm',
  'ssp',
  'str',
  'ta',
  'tar',
  'tc_',
  'tdd',
  'temp',
  'tu_',
  'util',
  've',
  'vs',
  'we',
  'we_',
  'zbds',
]);

/** sg_get_num's numbers: decimal, 0x hex or a trailing h; -1 when the text is none. */
function num(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^[0-9a-f]+h$/i.test(text)) return parseInt(text.slice(0, -1), 16);
  return -1;
}

/** sg_logs's refusal of a --page value (page 0-63, subpage 0-255, or a known acronym), or null. */
function badPage(value: string): RunResult | null {
  if (!/^\d/.test(value)) {
    if (ACRONYMS.has(value)) return null;
    return refusal(
      `bad argument to '--page=' no acronyn match to '${value}'\n  Try using '-e' or'-ee' to see available acronyns\nsg_logs failed: Syntax error\n`,
      1,
    );
  }
  const [page, sub] = value.split(',', 2) as [string, string | undefined];
  const p = num(page);
  if (p < 0 || p > 63) return refusal(`Bad argument to '--page='\n${USAGE}${SYNTAX}`, 1);
  if (sub !== undefined) {
    const s = num(sub);
    if (s < 0 || s > 255) return refusal(`Bad second value in argument to '--page='\n${USAGE}${SYNTAX}`, 1);
  }
  return null;
}

const options: OptionSpec[] = [
  { short: 'A', long: 'All', value: false },
  { short: 'a', long: 'all', value: false },
  { short: 'b', long: 'brief', value: false },
  { short: 'c', long: 'control', value: true },
  { short: 'e', long: 'enumerate', value: false },
  { short: 'f', long: 'filter', value: true },
  { short: 'h', long: 'help', value: false },
  { short: 'H', long: 'hex', value: false },
  { short: 'i', long: 'in', value: true },
  { short: 'l', long: 'list', value: false },
  { short: 'm', long: 'maxlen', value: true },
  { short: 'n', long: 'name', value: false },
  { short: 'x', long: 'no_inq', value: false },
  { short: 'O', long: 'old', value: false },
  { short: 'p', long: 'page', value: true, accepts: (v) => badPage(v) === null },
  { short: 'P', long: 'paramp', value: true },
  { short: 'q', long: 'pcb', value: false },
  { short: 'Q', long: 'ppc', value: false },
  { short: 'D', long: 'pdt', value: true },
  { short: 'r', long: 'raw', value: false },
  { short: 'X', long: 'readonly', value: false },
  { short: 'R', long: 'reset', value: false },
  { short: 'S', long: 'select', value: false },
  { short: 's', long: 'sp', value: false },
  { short: 't', long: 'temperature', value: false },
  { short: 'T', long: 'transport', value: false },
  { short: 'M', long: 'vendor', value: true },
  { short: 'v', long: 'verbose', value: false },
  { short: 'V', long: 'version', value: false },
];

export const sgLogsGrammar: ToolGrammar = {
  tool: 'sg_logs',
  style: 'gnu',
  abbreviations: 'unique',
  options,
  refuse: {
    unknownShort: (c) => refusal(`sg_logs: invalid option -- '${c}'\n${USAGE}`, 0),
    unknownLong: (name) => refusal(`sg_logs: unrecognized option '--${name}'\n${USAGE}`, 0),
    ambiguous: (written, candidates) => refusal(`${ambiguousText('sg_logs', written, candidates)}${USAGE}`, 0),
    missingValue: (_o, written) =>
      refusal(
        written.startsWith('--')
          ? `sg_logs: option '${written}' requires an argument\n${USAGE}`
          : `sg_logs: option requires an argument -- '${written.slice(1)}'\n${USAGE}`,
        0,
      ),
    badValue: (_o, value) => badPage(value)!,
    operands: (operands, parsed) => {
      // Enumerating, help, the version and a page read from a file need no DEVICE.
      if (['enumerate', 'help', 'version', 'in'].some((o) => parsed.options.has(o))) return null;
      if (operands.length === 0) return refusal(`No DEVICE argument given\n${USAGE}${SYNTAX}`, 1);
      if (operands.length > 1) return refusal(`Unexpected extra argument: ${operands[1]}\n${USAGE}`, 1);
      return null;
    },
  },
};
