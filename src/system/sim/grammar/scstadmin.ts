/**
 * scstadmin (SCST 3.x, a Perl script): options as Getopt::Long reads them (single dash, long names,
 * value in the next argument), from scstadmin's usage text. SCST does not run here, so the refusal
 * is Getopt::Long's own "Unknown option" line followed by scstadmin's exit 1; it could not be
 * captured from the real tool (see docs/ and the report of issue 18).
 */
import { refusal, type OptionSpec, type ToolGrammar } from './grammar.js';

const flag = (long: string): OptionSpec => ({ long, value: false });
const valued = (long: string): OptionSpec => ({ long, value: true });

export const scstadminGrammar: ToolGrammar = {
  tool: 'scstadmin',
  style: 'single-dash',
  options: [
    valued('config'),
    valued('check_config'),
    valued('write_config'),
    flag('clear_config'),
    flag('noprompt'),
    flag('force'),
    flag('nonkey'),
    flag('cont_on_err'),
    flag('list_handler'),
    flag('list_device'),
    flag('list_driver'),
    flag('list_target'),
    flag('list_group'),
    flag('list_sessions'),
    flag('list_scst_attr'),
    valued('handler'),
    valued('driver'),
    valued('target'),
    valued('group'),
    valued('device'),
    valued('attributes'),
    flag('help'),
  ],
  refuse: {
    unknownShort: (c) => refusal(`Unknown option: ${c}\n`, 1),
    unknownLong: (name) => refusal(`Unknown option: ${name}\n`, 1),
    missingValue: (o) => refusal(`Option ${o.long} requires an argument\n`, 1),
    operands: () => null,
  },
};
