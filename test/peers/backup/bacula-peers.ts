/**
 * A real Bacula 9.6 on loopback for the tests (REAL-PEERS.md): director, storage daemon and file
 * daemon on ports of their own, a File device and an SQLite catalog in a temp directory. The
 * director's configuration includes Calypso's file (`@DIR/calypso.conf`), the storage daemon's
 * Calypso's devices file, as on an appliance.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DIR_PORT = 19141;
export const FD_PORT = 19142;
export const SD_PORT = 19143;
export const FD_PASSWORD = 'fd-password-0123456789';

export interface BaculaPeers {
  dir: string;
  data: string;
  /** A folder with one 40 MB file: about 80 s at the file daemon's bandwidth limit. */
  big: string;
  /** The mountpoint of the stubbed dataset the repository test uses. */
  repo: string;
  /** The storage daemon runs in the background (not a child of the test): Calypso restarts it by this pid file. */
  sdPidFile: string;
  stop(): Promise<void>;
  bconsole(commands: string): string;
}

const baculaGroup = (() => {
  try {
    return /^bacula:[^:]*:(\d+):/m.exec(fs.readFileSync('/etc/group', 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
})();

/** As Debian installs them: root's, group bacula, 0640 (the daemons run as bacula); without that group, 0600. */
function write(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  if (baculaGroup !== null) {
    fs.chownSync(file, 0, Number(baculaGroup));
    fs.chmodSync(file, 0o640);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function startBacula(): Promise<BaculaPeers> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-bacula-'));
  if (baculaGroup !== null) {
    fs.chownSync(dir, 0, Number(baculaGroup));
    fs.chmodSync(dir, 0o750);
  }
  for (const d of ['work', 'run', 'vols', 'data', 'big', 'repo', 'restore-default']) fs.mkdirSync(path.join(dir, d));
  const sdPidFile = path.join(dir, 'run', `bacula-sd.${SD_PORT}.pid`);
  write(
    path.join(dir, 'bacula-dir.conf'),
    `Director {
  Name = peer-dir
  DIRport = ${DIR_PORT}
  DirAddress = 127.0.0.1
  QueryFile = "/etc/bacula/scripts/query.sql"
  WorkingDirectory = "${dir}/work"
  PidDirectory = "${dir}/run"
  Maximum Concurrent Jobs = 20
  Password = "dir-password-0123456789"
  Messages = Daemon
}
Catalog {
  Name = MyCatalog
  dbname = "bacula"; dbuser = ""; dbpassword = ""
}
Messages {
  Name = Standard
  console = all, !skipped, !saved
  append = "${dir}/work/log" = all, !skipped
  catalog = all
}
Messages {
  Name = Daemon
  console = all, !skipped, !saved
  append = "${dir}/work/log" = all, !skipped
}
Storage {
  Name = File1
  Address = 127.0.0.1
  SDPort = ${SD_PORT}
  Password = "sd-password-0123456789"
  Device = FileStorage
  Media Type = File
  Maximum Concurrent Jobs = 10
}
Pool {
  Name = Default
  Pool Type = Backup
}
Client {
  Name = local-fd
  Address = 127.0.0.1
  FDPort = ${FD_PORT}
  Catalog = MyCatalog
  Password = "${FD_PASSWORD}"
}
FileSet {
  Name = RestoreSet
  Include {
    File = ${dir}/data
  }
}
Job {
  Name = RestoreFiles
  Type = Restore
  Client = local-fd
  FileSet = RestoreSet
  Storage = File1
  Pool = Default
  Messages = Standard
  Where = ${dir}/restore-default
}
@${dir}/calypso.conf
`,
  );
  write(
    path.join(dir, 'bacula-sd.conf'),
    `Storage {
  Name = peer-sd
  SDPort = ${SD_PORT}
  SDAddress = 127.0.0.1
  WorkingDirectory = "${dir}/work"
  Pid Directory = "${dir}/run"
  Maximum Concurrent Jobs = 20
}
Director {
  Name = peer-dir
  Password = "sd-password-0123456789"
}
Device {
  Name = FileStorage
  Media Type = File
  Archive Device = ${dir}/vols
  LabelMedia = yes
  Random Access = yes
  AutomaticMount = yes
  RemovableMedia = no
  AlwaysOpen = no
  Maximum Concurrent Jobs = 10
}
Messages {
  Name = Standard
  director = peer-dir = all
}
@${dir}/calypso-sd.conf
`,
  );
  write(
    path.join(dir, 'bacula-fd.conf'),
    `FileDaemon {
  Name = peer-fd
  FDport = ${FD_PORT}
  FDAddress = 127.0.0.1
  WorkingDirectory = "${dir}/work"
  Pid Directory = "${dir}/run"
  Maximum Concurrent Jobs = 20
  # Slow enough that a job over the big folder is still transferring when the test cancels it
  # (the other folders are a few kilobytes).
  Maximum Bandwidth Per Job = 500 kb/s
}
Director {
  Name = peer-dir
  Password = "${FD_PASSWORD}"
}
Messages {
  Name = Standard
  director = peer-dir = all, !skipped, !restored
}
`,
  );
  write(
    path.join(dir, 'bconsole.conf'),
    `Director {\n  Name = peer-dir\n  DIRport = ${DIR_PORT}\n  address = 127.0.0.1\n  Password = "dir-password-0123456789"\n}\n`,
  );
  write(path.join(dir, 'calypso.conf'), '');
  write(path.join(dir, 'calypso-sd.conf'), '');
  const make = fs
    .readFileSync('/usr/share/bacula-director/make_sqlite3_tables', 'utf8')
    .replace(/^cd \/var\/lib\/bacula$/m, `cd ${dir}/work`)
    .replace('XXX_DBNAME_XXX', 'bacula');
  write(path.join(dir, 'make_tables.sh'), make);
  execFileSync('sh', [path.join(dir, 'make_tables.sh')], { stdio: 'ignore' });

  const procs: ChildProcess[] = [];
  const start = (bin: string, conf: string) => {
    const p = spawn(bin, ['-f', '-c', path.join(dir, conf)], { stdio: 'ignore', detached: true });
    procs.push(p);
  };
  const sdPid = () => {
    const pid = Number(fs.existsSync(sdPidFile) ? fs.readFileSync(sdPidFile, 'utf8').trim() : NaN);
    return Number.isSafeInteger(pid) && pid > 1 ? pid : null;
  };
  const stop = async () => {
    for (const p of procs) {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    }
    // The storage daemon Calypso may have restarted: whichever process its pid file names now.
    const sd = sdPid();
    if (sd !== null && alive(sd)) process.kill(sd, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    for (const p of procs) {
      while (p.exitCode === null && p.signalCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    while (sd !== null && alive(sd) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (sd !== null && alive(sd)) process.kill(sd, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const bconsole = (commands: string) => execFileSync('bconsole', ['-n', '-c', path.join(dir, 'bconsole.conf')], { input: `${commands}\n`, encoding: 'utf8' });
  try {
    // In the background by itself (no -f), as Calypso starts it again after a restart.
    execFileSync('bacula-sd', ['-c', path.join(dir, 'bacula-sd.conf')], { stdio: 'ignore' });
    start('bacula-fd', 'bacula-fd.conf');
    start('bacula-dir', 'bacula-dir.conf');
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        if (/Version: 9\./.test(bconsole('version'))) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('the Bacula director did not answer on loopback within 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  // Random bytes: Bacula 9 compresses the line between its daemons (CommCompression, on by default) and limits the
  // bandwidth of what goes on the wire, so 40 MB of one repeated byte crossed in well under a second on a quiet machine
  // and the job was never caught mid-transfer.
  fs.writeFileSync(path.join(dir, 'big', 'big.bin'), crypto.randomBytes(40 * 1024 * 1024));
  return { dir, data: path.join(dir, 'data'), big: path.join(dir, 'big'), repo: path.join(dir, 'repo'), sdPidFile, stop, bconsole };
}
