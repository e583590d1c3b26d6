/**
 * On-disk cache of images already brought to the model's input size, so later epochs (and later
 * runs) skip JPEG decoding and resizing. Entries are raw bytes (RGB or one-channel), named by a
 * hash of the source path, its mtime and byte size, and the target geometry: an edited source file
 * gets a new key, and a stale entry is simply never read again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Bump when the cached content changes meaning (resize method, mask binarisation...). */
const CACHE_FORMAT = 1;

export interface CacheKeyParts {
  file: string;
  /** What the bytes are, e.g. 'rgb-stretch-224' or 'mask-letterbox-224'. */
  variant: string;
}

export class ResizedImageCache {
  private ready: Promise<void> | null = null;

  constructor(readonly dir: string) {}

  private async keyFor({ file, variant }: CacheKeyParts): Promise<string> {
    const info = await stat(file);
    return createHash('sha1')
      .update(JSON.stringify([CACHE_FORMAT, file, info.mtimeMs, info.size, variant]))
      .digest('hex');
  }

  /** The cached bytes, or null when absent or not `expectedBytes` long (a torn or foreign file). */
  async get(parts: CacheKeyParts, expectedBytes: number): Promise<Uint8Array | null> {
    const path = join(this.dir, `${await this.keyFor(parts)}.bin`);
    const bytes = await readFile(path).catch(() => null);
    if (!bytes || bytes.length !== expectedBytes) return null;
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Stores bytes atomically (write a temp file, then rename), so parallel runs never read half a file. */
  async put(parts: CacheKeyParts, bytes: Uint8Array): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    await this.ready;
    const path = join(this.dir, `${await this.keyFor(parts)}.bin`);
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path).catch(async (err) => {
      await unlink(tmp).catch(() => undefined);
      throw err;
    });
  }
}
