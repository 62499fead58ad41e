#!/usr/bin/env node
// Bundles Calypso from its sources into one file, dist/calypso.mjs, which bin/calypso.js runs when
// present and fresh. Node's loader spends most of the console's start-up walking thousands of small
// module files (ink alone ~0.6 s); one file loads in a fraction of that.
//
// The console's modules are imported statically (src/bundle-console.ts; see src/console-loader.ts
// for why), after src/bundle-prelude.ts has prepared the console's environment.
//
// Packages that cannot be bundled stay external: native ones (better-sqlite3, node-pty), knex dialect drivers
// Calypso never loads, blessed (reads its terminfo files relative to itself; loaded only when the
// charts open). Usage: node scripts/bundle.js [outfile]
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.resolve(process.argv[2] ?? path.join(root, 'dist/calypso.mjs'));
const external = [
  'better-sqlite3',
  'pg-native',
  'mysql',
  'mysql2',
  'mariadb',
  'mariadb/*',
  'oracledb',
  'tedious',
  'sqlite3',
  'pg-query-stream',
  'blessed',
  'blessed-contrib',
  'node-pty',
];

await build({
  stdin: {
    // In this order: the environment, the console, then main (which may run at once when this file
    // is the program itself).
    contents: ["import './src/bundle-prelude.ts';", "import './src/bundle-console.ts';", "export { main } from './src/main.ts';"].join('\n'),
    resolveDir: root,
    sourcefile: 'calypso-bundle-entry.js',
    loader: 'js',
  },
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  tsconfig: path.join(root, 'tsconfig.json'),
  external,
  logLevel: 'warning',
  // The production builds of React and its reconciler only (the bundle is the shipped program;
  // prepareConsoleEnv sets the same for the tsc output): the development builds are half the size.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Less text to compile at every start; identifiers are kept so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __calypsoRequire } from 'node:module'; const require = __calypsoRequire(import.meta.url);" },
  plugins: [
    {
      // Ink loads React DevTools only when DEV=true; the package is not installed: an empty module stands in.
      name: 'no-devtools',
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'calypso-empty' }));
        b.onLoad({ filter: /.*/, namespace: 'calypso-empty' }, () => ({ contents: 'export default {};', loader: 'js' }));
      },
    },
  ],
});
