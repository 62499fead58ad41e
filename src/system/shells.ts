/**
 * What a terminal on the appliance runs. On a real appliance: a login shell (bash, else sh). On
 * the simulated appliance: never this machine's login shell, but a demonstration shell that says
 * so: bash in restricted mode (no cd, no command names with a slash, no redirection, PATH and
 * SHELL fixed) with a PATH holding only harmless programs (date, uname, hostname) in a directory
 * of its own, so nothing typed there changes the machine the demonstration runs on.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface ShellSpec {
  command: string;
  args: string[];
  /** Entries set over the caller's environment (the console's, or the daemon's minimal one for a pty). */
  env: Record<string, string>;
  cwd: string | null;
  banner: string;
  demo: boolean;
}

async function executable(p: string): Promise<boolean> {
  try {
    await fs.access(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function firstExecutable(candidates: string[]): Promise<string | null> {
  for (const c of candidates) if (await executable(c)) return c;
  return null;
}

export async function loginShell(hostname: string): Promise<ShellSpec> {
  const bash = await firstExecutable(['/bin/bash', '/usr/bin/bash']);
  const command = bash ?? '/bin/sh';
  return {
    command,
    args: ['-l'],
    env: {},
    cwd: null,
    banner: `Login shell on the appliance ${hostname.slice(0, 40)}. Calypso records when it opens\nand closes, not what is typed. Type exit to come back to the console.`,
    demo: false,
  };
}

/** Programs the demonstration shell may run (besides bash's builtins: echo, printf, exit...). */
export const DEMO_PROGRAMS = ['date', 'uname', 'hostname'] as const;

/** Lays out `dir` (bin/ with links to the harmless programs, home/) and answers the demonstration shell. */
export async function demoShell(dir: string): Promise<ShellSpec> {
  const bash = await firstExecutable(['/bin/bash', '/usr/bin/bash']);
  if (!bash) throw new Error('the demonstration shell needs bash (its restricted mode); it is not installed');
  const bin = path.join(dir, 'bin');
  const home = path.join(dir, 'home');
  await fs.mkdir(bin, { recursive: true, mode: 0o700 });
  await fs.mkdir(home, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  for (const name of await fs.readdir(bin)) {
    if (!(DEMO_PROGRAMS as readonly string[]).includes(name)) await fs.rm(path.join(bin, name), { force: true });
  }
  for (const name of DEMO_PROGRAMS) {
    const target = await firstExecutable([`/usr/bin/${name}`, `/bin/${name}`]);
    const link = path.join(bin, name);
    await fs.rm(link, { force: true });
    if (target) await fs.symlink(target, link);
  }
  return {
    command: bash,
    args: ['--restricted', '--noprofile', '--norc'],
    env: { PATH: bin, HOME: home, SHELL: bash, PS1: 'calypso-demo$ ', BASH_ENV: '', ENV: '', HISTFILE: path.join(home, '.history') },
    cwd: home,
    // Lines under 80 columns: the console's smallest terminal.
    banner: [
      'SIMULATED APPLIANCE: a demonstration shell, not the appliance’s login shell.',
      `Restricted (no cd, no paths, no redirection): builtins, ${DEMO_PROGRAMS.join(', ')}.`,
      'On a real appliance this opens a login shell there. Type exit to come back.',
    ].join('\n'),
    demo: true,
  };
}
