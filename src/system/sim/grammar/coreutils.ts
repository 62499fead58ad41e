/**
 * chown and chmod (GNU coreutils 9.1): getopt_long, long options in the order of their tables (an ambiguous prefix lists
 * its candidates in that order: captured from coreutils 9.1 on Debian 12). Refusals as they print them (stderr, exit 1),
 * each followed by "Try '<tool> --help' for more information.". chown takes OWNER[:GROUP] and at least one file (or
 * --reference=RFILE and files); chmod a MODE (which may itself start with '-': `chmod -w file`) and at least one file.
 */
import { getoptRefusals, refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const flag = (long: string, short?: string): OptionSpec => ({ long, short, value: false });
const valued = (long: string): OptionSpec => ({ long, value: true });

/** coreutils quotes an operand in its messages with ‘’ in a UTF-8 locale (the appliance's C.UTF-8). */
const missing = (tool: string, operands: string[]) =>
  refusal(`${tool}: ${operands.length ? `missing operand after ‘${operands.at(-1)}’` : 'missing operand'}\nTry '${tool} --help' for more information.\n`, 1);

export const chownGrammar: ToolGrammar = {
  tool: 'chown',
  style: 'gnu',
  abbreviations: 'unique',
  options: [
    flag('changes', 'c'),
    flag('dereference'),
    valued('from'),
    flag('help'),
    flag('no-dereference', 'h'),
    flag('no-preserve-root'),
    flag('preserve-root'),
    flag('quiet', 'f'),
    flag('recursive', 'R'),
    valued('reference'),
    flag('silent'),
    flag('verbose', 'v'),
    flag('version'),
    { short: 'H', value: false },
    { short: 'L', value: false },
    { short: 'P', value: false },
  ],
  refuse: {
    ...getoptRefusals('chown', 1, "Try 'chown --help' for more information.\n"),
    operands: (operands, parsed) => {
      if (parsed.options.has('help') || parsed.options.has('version')) return null;
      return operands.length < (parsed.options.has('reference') ? 1 : 2) ? missing('chown', operands) : null;
    },
  },
};

const MODE_LETTERS = [...'rwxXst'];

export const chmodGrammar: ToolGrammar = {
  tool: 'chmod',
  style: 'gnu',
  abbreviations: 'unique',
  options: [
    flag('changes', 'c'),
    flag('help'),
    flag('no-preserve-root'),
    flag('preserve-root'),
    flag('quiet', 'f'),
    flag('recursive', 'R'),
    valued('reference'),
    flag('silent'),
    flag('verbose', 'v'),
    flag('version'),
    // chmod's getopt string takes a symbolic mode's letters, so that `chmod -w FILE` reaches it as the mode.
    ...MODE_LETTERS.map((c): OptionSpec => ({ short: c, value: false })),
  ],
  refuse: {
    ...getoptRefusals('chmod', 1, "Try 'chmod --help' for more information.\n"),
    operands: (operands, parsed) => {
      if (parsed.options.has('help') || parsed.options.has('version')) return null;
      const modeGiven = parsed.options.has('reference') || MODE_LETTERS.some((c) => parsed.options.has(c));
      if (operands.length === 0) return missing('chmod', []);
      return !modeGiven && operands.length < 2 ? missing('chmod', operands) : null;
    },
  },
};
