/**
 * The operating system's accounts: only what the local-console recovery needs, the root password
 * through `chpasswd` with `root:PASSWORD` on its standard input (never on its command line, where
 * any user could read it in /proc).
 */
import type { Host } from './host.js';

export async function setRootPassword(host: Host, password: string): Promise<void> {
  if (/[\n\r\0]/.test(password)) throw new Error('a password is one line');
  await host.run('chpasswd', [], { input: `root:${password}\n`, timeoutMs: 30_000 });
}
