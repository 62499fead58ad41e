/**
 * Second module of the one-file build (scripts/bundle.js), after bundle-prelude and before main:
 * the console imported statically and handed to the loader. Ink's layout engine initialises with a
 * top-level await, and lazily initialised async modules inside a bundle deadlock on the console's
 * import cycles (the process exits with 13, "unsettled top-level await").
 */
import * as tui from './tui/index.js';
import { provideConsoleModule } from './console-loader.js';

provideConsoleModule(tui);
