/**
 * mtx (1.3.12): no getopt; `-f <loader-dev>` first (or the CHANGER environment variable), then commands. The usage below
 * (stderr, exit 1) is what mtx 1.3.12 prints on Debian 12 for an option it does not know or a `-f` without a device, as
 * captured here. mtx opens the device as soon as it has read `-f DEV`, before it reads the commands, so what it says of an
 * unknown command or a missing slot number cannot be captured without a changer: the tape simulation answers those.
 */
import { refusal, usageRefusals, type ToolGrammar } from './grammar.js';

const USAGE = refusal(
  `Usage:
\tmtx --version
\tmtx [ -f <loader-dev> ] noattach <more commands>
\tmtx [ -f <loader-dev> ] inquiry | inventory 
\tmtx [ -f <loader-dev> ] [altres] [nobarcode] status
\tmtx [ -f <loader-dev> ] [altres] first [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] last [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] previous [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] next [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] [invert] load <storage-element-number> [<drive#>]
\tmtx [ -f <loader-dev> ] [altres] [invert] unload [<storage-element-number>][<drive#>]
\tmtx [ -f <loader-dev> ] [altres] [eepos eepos-number] transfer <storage-element-number> <storage-element-number>
\tmtx [ -f <loader-dev> ] [altres] [eepos eepos-number][invert][invert2] exchange <storage-element-number> <storage-element-number>
\tmtx [ -f <loader-dev> ] [altres] position <storage-element-number>
\tmtx [ -f <loader-dev> ] eject
`,
  1,
);

export function mtxGrammar(args: string[]): ToolGrammar {
  return {
    tool: 'mtx',
    style: 'posix',
    options: [{ short: 'f', value: true }],
    refuse: {
      ...usageRefusals(USAGE),
      // `-f` is read only as the first argument, whole (`-f/dev/sg3` is an unknown option).
      operands: () => (args[0] === '-f' || !args[0]?.startsWith('-') ? null : USAGE),
    },
  };
}
