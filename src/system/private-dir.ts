/**
 * The data directory holds the database, the JWT signing key, the log and the simulated
 * appliance: readable by the owner only, whatever the umask and whatever modes an older
 * version, a backup restore or a hand-made directory left. Files are 0600, directories 0700.
 */
import fs from 'node:fs';
import path from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** What Calypso keeps directly in the data directory (the rest of the directory is left alone). */
const OWN_FILES = /^(calypso\.db(-wal|-shm|-journal)?|jwt-secret|calypso\.log|calypso\.pid|calypso\.sock)$|\.tmp(\.prev)?$/;
/** Directories that are Calypso's through and through: everything inside is made private. */
const OWN_DIRS = new Set(['sim']);

export interface ModeCorrection {
  path: string;
  /** The permission bits found. */
  was: number;
  now: number;
}

function fix(p: string, st: fs.Stats, want: number, out: ModeCorrection[]): void {
  const was = st.mode & 0o7777;
  if (was === want) return;
  fs.chmodSync(p, want);
  out.push({ path: p, was, now: want });
}

/** `dir` and everything below it; symbolic links are never followed (nor changed). */
function secureTree(dir: string, out: ModeCorrection[], depth: number): void {
  for (const entry of fs.readdirSync(dir)) {
    const p = path.join(dir, entry);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) continue;
    if (st.isDirectory()) {
      fix(p, st, PRIVATE_DIR_MODE, out);
      if (depth < 32) secureTree(p, out, depth + 1);
    } else if (st.isFile()) {
      fix(p, st, PRIVATE_FILE_MODE, out);
    }
  }
}

/**
 * Creates the data directory (0700) if needed and corrects the modes of the directory, of the
 * files Calypso keeps in it and of everything in its own subdirectories. Only Calypso's entries
 * are touched: a data directory pointed at a home directory does not get the home locked.
 * Returns what was corrected, for the caller to log.
 */
export function securePrivateDir(dataDir: string): ModeCorrection[] {
  const out: ModeCorrection[] = [];
  fs.mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  fix(dataDir, fs.statSync(dataDir), PRIVATE_DIR_MODE, out);
  for (const entry of fs.readdirSync(dataDir)) {
    const p = path.join(dataDir, entry);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) continue;
    if (st.isDirectory() && OWN_DIRS.has(entry)) {
      fix(p, st, PRIVATE_DIR_MODE, out);
      secureTree(p, out, 1);
    } else if (st.isFile() && OWN_FILES.test(entry)) {
      fix(p, st, PRIVATE_FILE_MODE, out);
    }
  }
  return out;
}

/** Creates `file` empty with mode 0600 if it does not exist, and corrects its mode if it does. */
export function ensurePrivateFile(file: string): ModeCorrection[] {
  const out: ModeCorrection[] = [];
  fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_WRONLY | fs.constants.O_APPEND, PRIVATE_FILE_MODE));
  const st = fs.lstatSync(file);
  if (st.isFile()) fix(file, st, PRIVATE_FILE_MODE, out);
  return out;
}
