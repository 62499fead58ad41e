import { HostCommandError, stdoutTail, userArg } from '../host.js';
import type { Host } from '../host.js';
import { parseSmbStatusJson, type SmbStatus } from './status.js';

export * from './conf.js';
export * from './status.js';

/** How the daemons are started and stopped: by systemd, or by someone else (a container, a test). */
export type ServiceManager = 'systemctl' | 'none';

export interface SambaOptions {
  /** smb.conf that Calypso owns (default /etc/samba/smb.conf). */
  configPath: string;
  serviceManager: ServiceManager;
}

/** testparm's own words for a parameter it drops: the config would not mean what Calypso wrote. */
const TESTPARM_REFUSALS = /Unknown parameter encountered|Ignoring unknown parameter|Error loading services|Ignoring badly formed line|error: /i;

/** Samba's tools on a Host: testparm, smbcontrol, smbstatus, smbpasswd. */
export class SambaAdapter {
  constructor(
    private readonly host: Host,
    private readonly opts: SambaOptions,
  ) {}

  get configPath(): string {
    return this.opts.configPath;
  }

  /** Where the text to validate is written first: testparm reads a file (node's stdin is a socket it cannot open). */
  get candidatePath(): string {
    return `${this.opts.configPath}.candidate`;
  }

  /** `testparm -s` on the candidate text: throws with testparm's complaint. */
  async validate(content: string): Promise<void> {
    const file = this.candidatePath;
    await this.host.files.writeAtomic(file, content, { mode: 0o600 });
    const r = await this.host.run('testparm', ['-s', file], { okCodes: [0, 1] });
    const complaint = r.stderr.split('\n').find((l) => TESTPARM_REFUSALS.test(l));
    if (r.code !== 0 || complaint)
      throw new HostCommandError(
        'testparm',
        ['-s', file],
        r.code,
        complaint ?? r.stderr,
        `testparm refused the configuration: ${(complaint ?? r.stderr).trim()}`,
      );
  }

  /** Tell a running smbd to reread its configuration. */
  async reload(): Promise<void> {
    await this.host.run('smbcontrol', ['-s', this.opts.configPath, 'smbd', 'reload-config']);
  }

  async running(): Promise<boolean> {
    if (this.opts.serviceManager === 'systemctl') {
      const r = await this.host.run('systemctl', ['is-active', 'smbd'], { okCodes: [0, 3, 4] });
      return r.code === 0;
    }
    const r = await this.host.run('smbcontrol', ['-s', this.opts.configPath, 'smbd', 'ping'], { okCodes: [0, 1, 255] });
    return r.code === 0;
  }

  async start(): Promise<void> {
    if (this.opts.serviceManager === 'systemctl') await this.host.run('systemctl', ['enable', '--now', 'smbd']);
  }

  async stop(): Promise<void> {
    if (this.opts.serviceManager === 'systemctl') await this.host.run('systemctl', ['disable', '--now', 'smbd']);
  }

  async status(): Promise<SmbStatus> {
    return parseSmbStatusJson((await this.host.run('smbstatus', ['-s', this.opts.configPath, '--json'])).stdout);
  }

  /** Samba needs a Unix account behind every SMB user; Calypso users get a login-less one. */
  async ensureUnixAccount(username: string): Promise<void> {
    const name = userArg(username);
    const found = await this.host.run('getent', ['passwd', name], { okCodes: [0, 2] });
    if (found.code === 0) return;
    await this.host.run('useradd', ['-M', '-N', '-s', '/usr/sbin/nologin', name]);
  }

  /** Adds or updates the user's SMB password; the password goes through standard input only. */
  async setPassword(username: string, password: string): Promise<void> {
    if (/[\r\n\0]/.test(password)) throw new Error('a password may not contain line breaks');
    await this.ensureUnixAccount(username);
    await this.host.run('smbpasswd', ['-c', this.opts.configPath, '-s', '-a', userArg(username)], { input: `${password}\n${password}\n` });
  }

  async removeUser(username: string): Promise<void> {
    const r = await this.host.run('smbpasswd', ['-c', this.opts.configPath, '-x', userArg(username)], { okCodes: [0, 1] });
    if (r.code !== 0 && !/Failed to find entry|does not exist/i.test(r.stderr + r.stdout)) {
      throw new HostCommandError('smbpasswd', ['-x', username], r.code, r.stderr, undefined, stdoutTail(r.stdout));
    }
  }
}
