/** File-system helpers shared by the dataset readers. */
import { open, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { IMAGE_EXTENSIONS } from '../../image/decode.js';
import type { ProblemList } from '../errors.js';

export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

export async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/** Names in a folder, sorted, or [] if it cannot be read. */
export async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).then((names) => names.sort(), () => []);
}

function isImageName(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/**
 * Maps image id (file name without extension) to its path across `dirs`. The same id twice (two
 * folders, or .jpg and .png side by side) is a duplicate-id problem: which one is meant is unclear.
 * `toId` turns a file stem into an id (e.g. strips `_segmentation`), returning null to skip a file.
 */
export async function indexImages(
  dirs: readonly string[],
  problems: ProblemList,
  toId: (stem: string) => string | null = (stem) => stem,
): Promise<Map<string, string>> {
  const byId = new Map<string, string>();
  for (const dir of dirs) {
    for (const name of await listDir(dir)) {
      if (!isImageName(name)) continue;
      const id = toId(name.slice(0, name.length - extname(name).length));
      if (id === null) continue;
      const path = join(dir, name);
      const existing = byId.get(id);
      if (existing) problems.add(path, `duplicate id ${id}: also ${existing}`);
      else byId.set(id, path);
    }
  }
  return byId;
}

/** The first line of a text file (for telling CSV layouts apart by header), BOM removed. */
async function readFirstLine(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    return text.split(/\r\n|\n|\r/)[0] ?? '';
  } finally {
    await handle.close();
  }
}

/** Header column names of a CSV (first line split on commas; headers here are never quoted with commas). */
export async function readCsvHeader(file: string): Promise<string[]> {
  const line = await readFirstLine(file);
  return line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}
