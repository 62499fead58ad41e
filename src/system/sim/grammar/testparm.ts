/** testparm (Samba 4.17): popt options from testparm(1); refusals as it prints them (exit 1). */
import { refusal, type ToolGrammar } from './grammar.js';

const USAGE = `Usage: testparm [-?vlV] [-?|--help] [--usage] [-s|--suppress-prompt]
        [-v|--verbose] [-l|--skip-logic-checks] [--show-all-parameters]
        [--parameter-name=STRING] [--section-name=STRING]
        [-d|--debuglevel=DEBUGLEVEL] [--debug-stdout] [--option=name=value]
        [-V|--version] [OPTION...] <config-file> [host-name] [host-ip]
`;

export const testparmGrammar: ToolGrammar = {
  tool: 'testparm',
  style: 'gnu',
  options: [
    { short: '?', long: 'help', value: false },
    { long: 'usage', value: false },
    { short: 's', long: 'suppress-prompt', value: false },
    { short: 'v', long: 'verbose', value: false },
    { short: 'l', long: 'skip-logic-checks', value: false },
    { long: 'show-all-parameters', value: false },
    { long: 'parameter-name', value: true },
    { long: 'section-name', value: true },
    { short: 'd', long: 'debuglevel', value: true },
    { long: 'debug-stdout', value: false },
    { long: 'option', value: true },
    { short: 'V', long: 'version', value: false },
  ],
  refuse: {
    unknownShort: (c) => refusal(`\nInvalid option -${c}: unknown option\n\n${USAGE}`, 1),
    unknownLong: (name) => refusal(`\nInvalid option --${name}: unknown option\n\n${USAGE}`, 1),
    missingValue: (_o, written) => refusal(`\nInvalid option ${written}: missing argument\n\n${USAGE}`, 1),
    // <config-file> [host-name host-ip]: a host name alone is refused.
    operands: (operands) => (operands.length === 2 ? refusal('', 1, 'ERROR: You must specify both a machine name and an IP address.\n') : null),
  },
};
