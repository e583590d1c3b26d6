/**
 * Read the regular files of a gzipped tar archive (an `npm pack` tarball) into memory. npm
 * tarballs are plain ustar; PAX headers (type 'x'/'g') are skipped, and ustar's name prefix is
 * honoured, which covers every path npm writes.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** Archive path -> file contents, for every regular file. */
export async function readTarGz(file: string): Promise<Map<string, Buffer>> {
  let archive: Buffer;
  try {
    archive = gunzipSync(await readFile(file));
  } catch (e) {
    throw new Error(`${file}: not a readable .tgz archive (${(e as Error).message})`);
  }
  const files = new Map<string, Buffer>();
  for (let pos = 0; pos + BLOCK <= archive.length; ) {
    const header = archive.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const prefix = field(header, 345, 155);
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    pos += BLOCK;
    if (pos + size > archive.length) throw new Error(`${file}: truncated archive (${name} runs past the end)`);
    if (type === '0' || type === '\0') files.set(name, archive.subarray(pos, pos + size));
    pos += Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
