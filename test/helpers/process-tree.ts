/**
 * Stopping a daemon a test started together with every helper it forked (smbd's samba-dcerpcd and
 * rpcd_* workers, for one): collected from /proc before the signal (its children and their
 * children, and its process group), since once the parent is gone they are re-parented and lose
 * the link.
 */
import fs from 'node:fs';

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      out.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Processes whose command line has an argument containing `text` (a daemon's own temp config path, say). */
export function processesWithArg(text: string): number[] {
  const out: number[] = [];
  for (const p of processes()) {
    try {
      if (
        fs
          .readFileSync(`/proc/${p.pid}/cmdline`, 'utf8')
          .split('\0')
          .some((a) => a.includes(text))
      )
        out.push(p.pid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * `root` and every process descending from it or in its process group (when root leads one), and
 * the trees of `also` (helpers that detached themselves: samba-dcerpcd is re-parented to init).
 */
export function processTree(root: number, also: number[] = []): number[] {
  const all = processes();
  const found = new Set<number>([root, ...also]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all)
      if (!found.has(p.pid) && (found.has(p.ppid) || p.pgid === root || also.includes(p.pgid))) {
        found.add(p.pid);
        grew = true;
      }
  }
  return [...found];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

/**
 * SIGTERM to `root` and its whole tree, then waits until every one of them is gone; what is left
 * after `graceMs` gets SIGKILL. Resolves with the processes that needed SIGKILL (none, normally).
 */
export async function stopProcessTree(root: number, opts: { also?: number[]; graceMs?: number } = {}): Promise<number[]> {
  const graceMs = opts.graceMs ?? 10_000;
  const tree = processTree(root, opts.also);
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs;
  let left = tree.filter(alive);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = tree.filter(alive);
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left;
}
