/**
 * tapeinfo (mtx 1.3.12): it takes exactly `-f <generic-device>` (it counts its arguments; no getopt), and prints its usage
 * line otherwise (exit 1), as captured here (test/fixtures/tape/README.md).
 */
import { refusal, usageRefusals, type ToolGrammar } from './grammar.js';

const USAGE = refusal('Usage: tapeinfo -f <generic-device>\n', 1);

export function tapeinfoGrammar(args: string[]): ToolGrammar {
  return {
    tool: 'tapeinfo',
    style: 'posix',
    options: [{ short: 'f', value: true }],
    refuse: {
      ...usageRefusals(USAGE),
      // Exactly two arguments, the first one -f: `-f/dev/sg1` or a second -f is the usage too.
      operands: () => (args.length === 2 && args[0] === '-f' ? null : USAGE),
    },
  };
}
