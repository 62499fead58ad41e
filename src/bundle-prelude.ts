/**
 * First module of the one-file build (scripts/bundle.js). There the console's modules are part of
 * the static graph and evaluated at start, before main() runs, so the console's environment is
 * prepared here when the command is the console.
 */
import { parseConfig } from './config.js';
import { prepareConsoleEnv } from './console-env.js';

let command = 'console';
try {
  command = parseConfig(process.argv.slice(2), process.env).command;
} catch {
  // main() reports the bad arguments.
}
if (command === 'console') prepareConsoleEnv();
