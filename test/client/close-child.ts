/**
 * Run by http-link.test.ts as a child process: logs in over the socket in argv[2], follows the
 * event stream, calls, closes the client, and then must exit by itself (no socket or timer left).
 */
import { HttpClient } from '../../src/client/http.js';
import { scheduleContracts } from '../../src/contracts/schedules.js';

// The process's own handles (its stdio pipes, opened on first use), before the client exists.
void process.stdout;
void process.stderr;
const baseline = process.getActiveResourcesInfo();

const client = new HttpClient({ socketPath: process.argv[2]! });
await client.login('admin', process.env.CALYPSO_TEST_PASSWORD!);
client.subscribe(undefined, { onEvent: () => undefined });
client.subscribe(['job'], { onEvent: () => undefined });
await client.ready();
await client.call(scheduleContracts['schedules.list'], { limit: 5 });
await client.close();
// What would keep the process alive: nothing of the client's may be left.
const left = process.getActiveResourcesInfo();
for (const r of baseline) left.splice(left.indexOf(r), left.includes(r) ? 1 : 0);
process.stdout.write(`${JSON.stringify({ state: client.state, left })}\n`);
