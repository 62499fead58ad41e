// The check that a process a test started does not outlive the test run (issue 18).
// globalSetup marks the run: CALYPSO_TEST_RUN=<id> in the environment every test file and every process it starts inherits
// (smbd and the samba-dcerpcd it forks, tgtd, zfs-fuse, sshd, bacula-*, ceph, radosgw, calypso serve...). globalTeardown then
// looks in /proc for processes still carrying the mark, other than jest's own: each one is a process a test left running.
// It waits a few seconds for processes that are still exiting, then fails the run naming them, and stops them (so they do
// not pile up on the machine). The mark is per run, so other runs on the same machine (other checkouts) never count.
// A process that a test starts with an environment of its own (env: {...} without process.env) carries no mark; tests
// pass process.env through.
import crypto from 'node:crypto';
import fs from 'node:fs';

const MARK = 'CALYPSO_TEST_RUN';
const GRACE_MS = 5000;

/** Processes carrying the mark `id`, as { pid, ppid, args }; jest and its workers excluded. */
export function markedProcesses(id, self = process.pid) {
  const found = [];
  const needle = `${MARK}=${id}`;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === self) continue;
    let environ, cmdline, stat;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone, or not ours to read
    }
    if (!environ.split('\0').includes(needle)) continue;
    const args = cmdline.split('\0').filter(Boolean);
    // A zombie has exited already; jest's own workers end after the teardown.
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state[0] === 'Z') continue;
    if (args.some((a) => /jest-worker|[\\/]jest(\.js)?$|jest-cli/.test(a))) continue;
    found.push({ pid, ppid: Number(state[1]), args: args.join(' ').slice(0, 200) });
  }
  return found;
}

export function markRun() {
  const id = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  process.env[MARK] = id;
  return id;
}

export async function checkLeftovers(id, graceMs = GRACE_MS) {
  const deadline = Date.now() + graceMs;
  let left = markedProcesses(id);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = markedProcesses(id);
  }
  if (!left.length) return;
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  throw new Error(
    `processes started by tests outlived the test run (now killed):\n${left.map((p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.args}`).join('\n')}`,
  );
}
