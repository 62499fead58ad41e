/**
 * Where the console's modules come from. From the tsc output (and tsx), a dynamic import, so that
 * `serve` never loads Ink; its specifier is built at run time so that esbuild does not turn it into
 * a lazily initialised module inside the one-file build, which instead imports the console
 * statically and provides it here (src/bundle-console.ts) before main.ts is evaluated.
 */
type ConsoleModule = typeof import('./tui/index.js');

let provided: ConsoleModule | null = null;

export function provideConsoleModule(m: ConsoleModule): void {
  provided = m;
}

export function loadConsole(): Promise<ConsoleModule> {
  return provided ? Promise.resolve(provided) : (import(['.', 'tui', 'index.js'].join('/')) as Promise<ConsoleModule>);
}
