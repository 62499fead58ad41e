/**
 * Files the console itself reads and writes for its user (a configuration export to keep, a file
 * to restore, a support bundle): on the machine the console runs on, as the user running it.
 * A path must be absolute and its directory its own real path: a symbolic link anywhere on the
 * way is refused (it could lead out of where the user meant), a file is never overwritten and
 * never reached through a link at its name (created exclusively, mode 0600: it may hold secrets).
 */
import fs from 'node:fs';
import path from 'node:path';

export class LocalFileError extends Error {}

function realDirectory(dir: string): void {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch {
    throw new LocalFileError(`${dir} does not exist`);
  }
  if (real !== dir) throw new LocalFileError(`${dir} leads through a symbolic link (to ${real}): give the real path`);
  if (!fs.statSync(dir).isDirectory()) throw new LocalFileError(`${dir} is not a directory`);
}

function absolute(given: string): string {
  const p = given.trim();
  if (!path.isAbsolute(p)) throw new LocalFileError(`${p || 'the path'} is not an absolute path (it starts with /)`);
  return path.normalize(p).replace(/(.)\/$/, '$1');
}

/** Writes `content` to `target` (a new file, or into a directory under `defaultName`); returns the file written. */
export function writeLocalFile(target: string, defaultName: string, content: string | Buffer): string {
  let file = absolute(target);
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (st?.isDirectory()) file = path.join(file, defaultName);
  else if (st?.isSymbolicLink()) throw new LocalFileError(`${file} is a symbolic link: refusing to write through it`);
  realDirectory(path.dirname(file));
  try {
    fs.writeFileSync(file, content, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new LocalFileError(`${file} exists: give a new name`);
    throw new LocalFileError(`cannot write ${file}: ${(err as Error).message}`);
  }
  return file;
}

/** The text of a regular file (not a link), at most `maxBytes`. */
export function readLocalFile(given: string, maxBytes: number): string {
  const file = absolute(given);
  realDirectory(path.dirname(file));
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st) throw new LocalFileError(`${file} does not exist`);
  if (!st.isFile()) throw new LocalFileError(`${file} is not a regular file${st.isSymbolicLink() ? ' (a symbolic link)' : ''}`);
  if (st.size > maxBytes) throw new LocalFileError(`${file} is ${st.size} bytes: a configuration file is at most ${maxBytes}`);
  return fs.readFileSync(file, 'utf8');
}
