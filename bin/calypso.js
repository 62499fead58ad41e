#!/usr/bin/env node
// Runs the compiled console/API; `npm run build` (or `npm start`) produces dist/.
import { main } from '../dist/src/main.js';

await main(process.argv.slice(2));
