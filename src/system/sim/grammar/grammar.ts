/**
 * The argument grammar of the tools the appliance drives, as tables (issue 18, "adapters checked
 * against the real tools"): the simulated appliance refuses what the real tool refuses (unknown
 * options, a missing option value, operands it does not take), with the real tool's words and
 * exit code, so an adapter and the simulator cannot agree on a flag the real tool would refuse.
 *
 * One table per tool (./<tool>.ts), written from the tool's usage text or man page and the
 * refusals captured from the real tool (the versions are named in each file). zpool and zfs keep
 * their per-subcommand getopt tables beside their simulation (../zpool.ts, ../zfs.ts).
 */
import type { RunResult } from '../../host.js';

export interface OptionSpec {
  /** One letter, for `-x` (clustered `-xy`, value attached `-xVALUE` or next). */
  short?: string;
  /** The long name, for `--name` (value as `--name=VALUE` or next), or `-name` for single-dash tools. */
  long?: string;
  /**
   * Whether the option takes a value; 'optional': a value only attached to the long name (`--json=c`; `--json c` is
   * the option and an operand), and the short letter takes none (smartctl's `-j`, getopt_long's optional_argument).
   */
  value: boolean | 'optional';
  /** The values the tool accepts, where it checks them itself; a value outside is refused with `refuse.badValue`. */
  accepts?: (value: string) => boolean;
}

export interface Parsed {
  /** Options by their long name (or letter when there is none), with their values in order ('' for a flag). */
  options: Map<string, string[]>;
  operands: string[];
}

/** What the tool prints and exits with when it refuses. */
export interface Refusals {
  unknownShort(letter: string): RunResult;
  unknownLong(name: string): RunResult;
  missingValue(option: OptionSpec, written: string): RunResult;
  badValue?(option: OptionSpec, value: string): RunResult;
  /** The operands, once the options are read: a refusal, or null when the tool takes them. */
  operands(operands: string[], parsed: Parsed): RunResult | null;
}

export interface ToolGrammar {
  tool: string;
  options: OptionSpec[];
  /**
   * How options are written: 'gnu' (getopt_long: short clusters, `--long[=v]`, operands anywhere
   * until `--`), 'posix' (getopt: options end at the first operand), 'single-dash' (Perl
   * Getopt::Long as scstadmin uses it: `-long value`).
   */
  style: 'gnu' | 'posix' | 'single-dash';
  refuse: Refusals;
  /** Rules between options that the tool checks after reading them (tgtadm's modes and operations). */
  check?(parsed: Parsed): RunResult | null;
}

export function refusal(stderr: string, code: number, stdout = ''): RunResult {
  return { code, stdout, stderr };
}

const key = (o: OptionSpec) => o.long ?? o.short!;

function add(parsed: Parsed, o: OptionSpec, value: string) {
  parsed.options.set(key(o), [...(parsed.options.get(key(o)) ?? []), value]);
}

/** Reads `args` by the tool's grammar: the parsed options and operands, or the tool's refusal. */
export function readArgs(g: ToolGrammar, args: string[]): { parsed: Parsed } | { refusal: RunResult } {
  const parsed: Parsed = { options: new Map(), operands: [] };
  const byShort = new Map(g.options.filter((o) => o.short).map((o) => [o.short!, o]));
  const byLong = new Map(g.options.filter((o) => o.long).map((o) => [o.long!, o]));
  const take = (o: OptionSpec, value: string): RunResult | null => {
    if (o.accepts && !o.accepts(value) && g.refuse.badValue) return g.refuse.badValue(o, value);
    add(parsed, o, value);
    return null;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--' && g.style !== 'single-dash') {
      parsed.operands.push(...args.slice(i + 1));
      break;
    }
    if (g.style === 'single-dash' && a.startsWith('-') && a.length > 1) {
      const name = a.replace(/^--?/, '');
      const o = byLong.get(name);
      if (!o) return { refusal: g.refuse.unknownLong(name) };
      if (o.value !== true) add(parsed, o, '');
      else {
        const v = args[++i];
        if (v === undefined) return { refusal: g.refuse.missingValue(o, a) };
        const r = take(o, v);
        if (r) return { refusal: r };
      }
      continue;
    }
    if (a.startsWith('--') && g.style !== 'single-dash') {
      if (g.style === 'posix') return { refusal: g.refuse.unknownShort('-') };
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const o = byLong.get(name);
      if (!o) return { refusal: g.refuse.unknownLong(name) };
      if (o.value === 'optional') {
        const r = eq >= 0 ? take(o, a.slice(eq + 1)) : (add(parsed, o, ''), null);
        if (r) return { refusal: r };
        continue;
      }
      if (!o.value) {
        if (eq >= 0) return { refusal: g.refuse.unknownLong(name) };
        add(parsed, o, '');
        continue;
      }
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) return { refusal: g.refuse.missingValue(o, `--${name}`) };
      const r = take(o, v);
      if (r) return { refusal: r };
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const o = byShort.get(c);
        if (!o) return { refusal: g.refuse.unknownShort(c) };
        if (o.value !== true) {
          add(parsed, o, '');
          continue;
        }
        const v = j + 1 < a.length ? a.slice(j + 1) : args[++i];
        if (v === undefined) return { refusal: g.refuse.missingValue(o, `-${c}`) };
        const r = take(o, v);
        if (r) return { refusal: r };
        break;
      }
      continue;
    }
    if (g.style === 'posix') {
      parsed.operands.push(...args.slice(i));
      break;
    }
    parsed.operands.push(a);
  }
  const bad = g.refuse.operands(parsed.operands, parsed) ?? g.check?.(parsed) ?? null;
  return bad ? { refusal: bad } : { parsed };
}
