/**
 * Writes the metric table of docs/monitoring.md from the catalogue (src/services/monitoring/metrics.ts):
 *   npx tsx scripts/docs-metrics.ts
 * A test fails when a metric of the catalogue is missing from the table.
 */
import fs from 'node:fs';
import { METRICS } from '../src/services/monitoring/metrics.js';

const file = new URL('../docs/monitoring.md', import.meta.url);
const lines = fs.readFileSync(file, 'utf8').split('\n');
const header = lines.indexOf('| metric | type | labels | meaning |');
if (header < 0 || !lines[header + 1]?.startsWith('|---')) throw new Error('docs/monitoring.md has no metric table (| metric | type | labels | meaning |)');
let end = header + 2;
while (lines[end]?.startsWith('|')) end++;
const rows = Object.entries(METRICS).map(([name, info]) => {
  const type = info.rateOf ? 'console and rules only' : (info.type ?? 'gauge');
  const labels = info.labels.map((l) => `\`${l}\``).join(', ') || '—';
  const meaning = (info.rateOf ? `per-second rate of \`${info.rateOf}\`` : info.help).replace(/\|/g, '\\|');
  return `| \`${name}\` | ${type} | ${labels} | ${meaning} |`;
});
lines.splice(header + 2, end - header - 2, ...rows);
fs.writeFileSync(file, lines.join('\n'));
process.stdout.write(`docs/monitoring.md: ${rows.length} metrics\n`);
