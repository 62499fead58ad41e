/** lsblk (util-linux 2.38): options from lsblk(8); refusals as util-linux's getopt_long prints them (exit 1). */
import { ambiguousText, refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const TRY = "Try 'lsblk --help' for more information.\n";
const flag = (short: string | undefined, long: string): OptionSpec => ({ short, long, value: false });
const valued = (short: string | undefined, long: string): OptionSpec => ({ short, long, value: true });

export const lsblkGrammar: ToolGrammar = {
  tool: 'lsblk',
  style: 'gnu',
  abbreviations: 'unique',
  options: [
    flag('a', 'all'),
    flag('b', 'bytes'),
    flag('d', 'nodeps'),
    flag('D', 'discard'),
    flag('z', 'zoned'),
    valued('e', 'exclude'),
    flag('f', 'fs'),
    flag('h', 'help'),
    valued('I', 'include'),
    flag('i', 'ascii'),
    flag('J', 'json'),
    flag('l', 'list'),
    flag('M', 'merge'),
    flag('m', 'perms'),
    valued('o', 'output'),
    flag('O', 'output-all'),
    flag('P', 'pairs'),
    flag('p', 'paths'),
    flag('r', 'raw'),
    flag('S', 'scsi'),
    flag('s', 'inverse'),
    flag('T', 'tree'),
    flag('t', 'topology'),
    flag('V', 'version'),
    valued('w', 'width'),
    valued('x', 'sort'),
    flag('y', 'shell'),
    flag('A', 'noempty'),
    // After noempty in lsblk's table: getopt_long lists "--no" as '--nodeps' '--noempty' '--noheadings'.
    flag('n', 'noheadings'),
    valued('E', 'dedup'),
    flag('k', 'kernel'),
    flag('N', 'nvme'),
    flag('v', 'virtio'),
    valued('Q', 'filter'),
    valued(undefined, 'sysroot'),
  ],
  refuse: {
    unknownShort: (c) => refusal(`lsblk: invalid option -- '${c}'\n${TRY}`, 1),
    unknownLong: (name) => refusal(`lsblk: unrecognized option '--${name}'\n${TRY}`, 1),
    ambiguous: (written, candidates) => refusal(`${ambiguousText('lsblk', written, candidates)}${TRY}`, 1),
    missingValue: (o, written) =>
      written.startsWith('--')
        ? refusal(`lsblk: option '${written}' requires an argument\n${TRY}`, 1)
        : refusal(`lsblk: option requires an argument -- '${o.short}'\n${TRY}`, 1),
    // Operands are devices: any number (an unknown one is refused later, by the simulation, as "not a block device").
    operands: () => null,
  },
};
