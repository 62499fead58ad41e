/**
 * A small writer of POSIX ustar archives (regular files only), gzip-compressed with Node's zlib:
 * what a support bundle needs, without a dependency. Names are relative paths of at most 100
 * bytes (longer ones, absolute ones and `..` are refused: the archive never points outside the
 * directory it is unpacked in).
 */
import zlib from 'node:zlib';

export interface TarEntry {
  name: string;
  content: string | Buffer;
  /** Modification time, epoch milliseconds. */
  mtimeMs: number;
  mode?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mtimeMs: number, mode: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtimeMs / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

export function checkEntryName(name: string): void {
  if (!name || Buffer.byteLength(name) > 100 || name.startsWith('/') || name.split('/').some((p) => p === '..' || p === '') || name.includes('\0'))
    throw new Error(`not an archive member name: ${JSON.stringify(name)}`);
}

/** The uncompressed archive. */
export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    checkEntryName(e.name);
    const body = typeof e.content === 'string' ? Buffer.from(e.content, 'utf8') : e.content;
    parts.push(header(e.name, body.length, e.mtimeMs, e.mode ?? 0o644), body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** The archive, gzip-compressed (a .tar.gz). */
export function tarGz(entries: TarEntry[]): Buffer {
  return zlib.gzipSync(tar(entries));
}
