/** Read the regular files of a gzipped tar archive (an `npm pack` tarball) into memory, with tar-stream. */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';

/** Archive path -> file contents, for every regular file. */
export async function readTarGz(file: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const entries = extract();
  entries.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') files.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  try {
    await pipeline(createReadStream(file), createGunzip(), entries);
  } catch (e) {
    throw new Error(`${file}: not a readable .tgz archive (${(e as Error).message})`);
  }
  return files;
}
