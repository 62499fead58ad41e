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
  /**
   * For a `value: 'optional'` option written without one: the next argument is its value when this says so
   * (journalctl's `-n 5`, `-b -1`); the short letter then takes an attached value too (`-n5`, getopt's "n::").
   */
  next?: (value: string) => boolean;
  /** Never abbreviated (iproute2 compares `-4`, `-echo` whole). */
  exact?: boolean;
  /**
   * Another spelling of the long option named here (lsscsi's `--sz_lbs` for `--sz-lbs`): the same option to getopt_long,
   * so a prefix of both is not ambiguous, and it is parsed under that name.
   */
  same?: string;
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
  /**
   * A long option written as a prefix of several (getopt_long's "option '--no' is ambiguous; possibilities: ..."):
   * `written` as the tool names it (with any `=value`), the candidates' long names in the table's order. Without it,
   * an ambiguous prefix is refused as unknown (smartctl, which reads getopt_long's answer itself).
   */
  ambiguous?(written: string, candidates: string[]): RunResult;
  badValue?(option: OptionSpec, value: string): RunResult;
  /** A flag given a value (`--quiet=x`: getopt_long's "option '--quiet' doesn't allow an argument"); without it, unknownLong. */
  noValue?(option: OptionSpec): RunResult;
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
  /**
   * Long options written shorter: 'unique' (getopt_long: any prefix of one long option, an exact name first; a prefix
   * of several is ambiguous), 'first' (iproute2's matches(): the first option in the table's order the prefix fits).
   * Off (exact names only) for getopt, popt, and tools that read their arguments themselves.
   */
  abbreviations?: 'unique' | 'first';
  /** Options only before the first operand (`ip -j link show`: `show -j` is an argument of show), in single-dash style. */
  optionsFirst?: boolean;
  refuse: Refusals;
  /** Arguments the tool takes whole, before its option parser sees them (chronyc's `--help` and `--version` anywhere). */
  takenWhole?(args: string[]): boolean;
  /** Rules between options that the tool checks after reading them (tgtadm's modes and operations). */
  check?(parsed: Parsed): RunResult | null;
}

export function refusal(stderr: string, code: number, stdout = ''): RunResult {
  return { code, stdout, stderr };
}

const key = (o: OptionSpec) => o.same ?? o.long ?? o.short!;

/** getopt_long's refusal of an ambiguous prefix (glibc 2.36), as the tool's first line: `written` with any `=value`. */
export function ambiguousText(tool: string, written: string, candidates: string[]): string {
  return `${tool}: option '--${written}' is ambiguous; possibilities:${candidates.map((c) => ` '--${c}'`).join('')}\n`;
}

/** getopt_long's refusal of a value given to a flag (glibc 2.36), as the tool's first line. */
export function noValueText(tool: string, o: OptionSpec): string {
  return `${tool}: option '--${o.long}' doesn't allow an argument\n`;
}

/** A tool without getopt that answers every option it cannot read with the same usage text (mtx, tapeinfo). */
export function usageRefusals(usage: RunResult): Pick<Refusals, 'unknownShort' | 'unknownLong' | 'missingValue'> {
  return { unknownShort: () => usage, unknownLong: () => usage, missingValue: () => usage };
}

/** getopt_long's refusals (glibc 2.36) for a tool, each followed by `after` (a "Try ..." line, the usage). */
export function getoptRefusals(tool: string, code: number, after = ''): Omit<Refusals, 'operands'> {
  return {
    unknownShort: (c) => refusal(`${tool}: invalid option -- '${c}'\n${after}`, code),
    unknownLong: (name) => refusal(`${tool}: unrecognized option '--${name}'\n${after}`, code),
    missingValue: (o, written) =>
      refusal(
        written.startsWith('--')
          ? `${tool}: option '${written}' requires an argument\n${after}`
          : `${tool}: option requires an argument -- '${written.slice(1)}'\n${after}`,
        code,
      ),
    ambiguous: (written, candidates) => refusal(`${ambiguousText(tool, written, candidates)}${after}`, code),
    noValue: (o) => refusal(`${noValueText(tool, o)}${after}`, code),
  };
}

/** The long option `name` names, by the grammar's abbreviation rule: the option, several (ambiguous), or none. */
function lookupLong(g: ToolGrammar, byLong: Map<string, OptionSpec>, name: string): OptionSpec | OptionSpec[] | undefined {
  const exact = byLong.get(name);
  if (exact || !g.abbreviations || !name) return exact;
  const fits = g.options.filter((o) => !o.exact && o.long?.startsWith(name));
  if (g.abbreviations === 'first' || fits.length <= 1) return fits[0];
  // glibc keeps the first fit and names, besides it, only the later fits that are another option (not a second spelling).
  const first = fits[0]!;
  const others = fits.slice(1).filter((o) => key(o) !== key(first) || o.value !== first.value);
  return others.length ? [first, ...others] : first;
}

function add(parsed: Parsed, o: OptionSpec, value: string) {
  parsed.options.set(key(o), [...(parsed.options.get(key(o)) ?? []), value]);
}

/** Reads `args` by the tool's grammar: the parsed options and operands, or the tool's refusal. */
export function readArgs(g: ToolGrammar, args: string[]): { parsed: Parsed } | { refusal: RunResult } {
  const parsed: Parsed = { options: new Map(), operands: [] };
  if (g.takenWhole?.(args)) return { parsed: { options: new Map(), operands: [...args] } };
  const byShort = new Map(g.options.filter((o) => o.short).map((o) => [o.short!, o]));
  const byLong = new Map(g.options.filter((o) => o.long).map((o) => [o.long!, o]));
  const take = (o: OptionSpec, value: string): RunResult | null => {
    if (o.accepts && !o.accepts(value) && g.refuse.badValue) return g.refuse.badValue(o, value);
    add(parsed, o, value);
    return null;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--' && (g.style !== 'single-dash' || g.optionsFirst)) {
      parsed.operands.push(...args.slice(i + 1));
      break;
    }
    if (g.style === 'single-dash' && g.optionsFirst && !(a.startsWith('-') && a.length > 1)) {
      parsed.operands.push(...args.slice(i));
      break;
    }
    if (g.style === 'single-dash' && a.startsWith('-') && a.length > 1) {
      const name = a.replace(/^--?/, '');
      const o = lookupLong(g, byLong, name);
      if (!o || Array.isArray(o)) return { refusal: g.refuse.unknownLong(name) };
      if (o.value !== true) add(parsed, o, '');
      else {
        const v = args[++i];
        if (v === undefined) return { refusal: g.refuse.missingValue(o, a) };
        const r = take(o, v);
        if (r) return { refusal: r };
      }
      continue;
    }
    // getopt with '-' among its letters (Net-SNMP's "-:") reads `--name` as the option '-' and its value.
    if (a.startsWith('--') && g.style !== 'single-dash' && !(g.style === 'posix' && byShort.has('-'))) {
      if (g.style === 'posix') return { refusal: g.refuse.unknownShort('-') };
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const found = lookupLong(g, byLong, name);
      if (Array.isArray(found)) {
        const names = found.map((c) => c.long!);
        return { refusal: g.refuse.ambiguous ? g.refuse.ambiguous(a.slice(2), names) : g.refuse.unknownLong(name) };
      }
      const o = found;
      if (!o) return { refusal: g.refuse.unknownLong(name) };
      if (o.value === 'optional') {
        const following = args[i + 1];
        const r =
          eq >= 0 ? take(o, a.slice(eq + 1)) : o.next && following !== undefined && o.next(following) ? (i++, take(o, following)) : (add(parsed, o, ''), null);
        if (r) return { refusal: r };
        continue;
      }
      if (!o.value) {
        if (eq >= 0) return { refusal: g.refuse.noValue ? g.refuse.noValue(o) : g.refuse.unknownLong(name) };
        add(parsed, o, '');
        continue;
      }
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      // getopt_long names the option by its full name, however it was written.
      if (v === undefined) return { refusal: g.refuse.missingValue(o, `--${o.long}`) };
      const r = take(o, v);
      if (r) return { refusal: r };
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const o = byShort.get(c);
        if (!o) return { refusal: g.refuse.unknownShort(c) };
        if (o.value === 'optional' && o.next) {
          const following = args[i + 1];
          const r =
            j + 1 < a.length ? take(o, a.slice(j + 1)) : following !== undefined && o.next(following) ? (i++, take(o, following)) : (add(parsed, o, ''), null);
          if (r) return { refusal: r };
          break;
        }
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
