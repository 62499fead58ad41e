/** exportfs (nfs-utils 2.6): getopt "ad:fhio:ruvs" from exportfs(8); refusals as it prints them (exit 1). */
import { refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const USAGE = 'usage: exportfs [-adfhioruvs] [host:/path]\n';
const flag = (short: string): OptionSpec => ({ short, value: false });

export const exportfsGrammar: ToolGrammar = {
  tool: 'exportfs',
  style: 'posix',
  options: [flag('a'), { short: 'd', value: true }, flag('f'), flag('h'), flag('i'), { short: 'o', value: true }, flag('r'), flag('u'), flag('v'), flag('s')],
  refuse: {
    unknownShort: (c) => refusal(`exportfs: invalid option -- '${c}'\n${USAGE}`, 1),
    unknownLong: () => refusal(`exportfs: invalid option -- '-'\n${USAGE}`, 1),
    missingValue: (o) => refusal(`exportfs: option requires an argument -- '${o.short}'\n${USAGE}`, 1),
    // Each operand is client:/path.
    operands: (operands) => {
      const bad = operands.find((o) => !/^[^:]*:\//.test(o));
      return bad === undefined ? null : refusal(`exportfs: Invalid export syntax: ${bad}\n`, 1);
    },
  },
};
