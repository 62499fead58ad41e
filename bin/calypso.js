#!/usr/bin/env node
// Runs the compiled console/API; `npm run build` (or `npm start`) produces dist/: the tsc output and
// dist/calypso.mjs, the same program bundled into one file, which starts much faster. The bundle is
// used when it is at least as new as the tsc output (a plain `tsc` build leaves it stale).
import fs from 'node:fs';

const mtime = (rel) => {
  try {
    return fs.statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundled = mtime('../dist/calypso.mjs') >= mtime('../dist/src/main.js') && mtime('../dist/calypso.mjs') > 0;
const { main } = await import(bundled ? '../dist/calypso.mjs' : '../dist/src/main.js');

await main(process.argv.slice(2));
