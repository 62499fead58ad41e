#!/usr/bin/env node
// `npm start` builds the compiled output (tsc, then the one-file bundle) when it is missing or older than the sources.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const target = 'dist/calypso.mjs';
const newest = (dir) => {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
};
const sourcesTime = Math.max(newest('src'), newest('migrations'), fs.statSync('package.json').mtimeMs, fs.statSync('scripts/bundle.js').mtimeMs);
const builtTime = fs.existsSync(target) ? fs.statSync(target).mtimeMs : 0;
if (builtTime < sourcesTime) {
  process.stderr.write('building Calypso (tsc, bundle)...\n');
  for (const [cmd, args] of [
    ['npx', ['tsc', '-p', 'tsconfig.build.json']],
    ['node', ['scripts/bundle.js']],
  ]) {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
