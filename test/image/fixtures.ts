/** Small hand-made images for the image tests. Not a test file itself (no `.test.ts`). */
import { deflateSync, crc32 } from 'node:zlib';
import type { GrayImage, ProbabilityMap, RgbImage } from '../../src/image/types.js';

/** Mask from ASCII art: '#' is foreground (255), anything else background. */
export function maskFromRows(rows: string[]): GrayImage {
  const height = rows.length;
  const width = rows[0].length;
  const data = new Uint8Array(width * height);
  rows.forEach((row, y) => {
    if (row.length !== width) throw new Error(`row ${y} has ${row.length} characters, expected ${width}`);
    for (let x = 0; x < width; x++) data[y * width + x] = row[x] === '#' ? 255 : 0;
  });
  return { width, height, data };
}

/** The inverse of maskFromRows, for readable assertions: non-zero is '#', zero is '.'. */
export function rowsFromMask(mask: GrayImage): string[] {
  const rows: string[] = [];
  for (let y = 0; y < mask.height; y++) {
    let row = '';
    for (let x = 0; x < mask.width; x++) row += mask.data[y * mask.width + x] !== 0 ? '#' : '.';
    rows.push(row);
  }
  return rows;
}

export function probabilityMap(width: number, height: number, values: number[]): ProbabilityMap {
  return { width, height, data: Float32Array.from(values) };
}

/** RGB image whose pixel (x, y) is (x, y, 100 + (x + y) % 50) — easy to check where a pixel came from. */
export function coordinateImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x, y, 100 + ((x + y) % 50)], (y * width + x) * 3);
  }
  return { width, height, data };
}

/** Deterministic noise (a linear congruential generator): compresses badly, so a JPEG of it is mostly entropy-coded data. */
export function noiseImage(width: number, height: number, seed = 1): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  return { width, height, data };
}

export function solidImage(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

export function pixelAt(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

function pngChunk(type: string, body: Buffer): Buffer {
  const typeAndBody = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndBody));
  return Buffer.concat([length, typeAndBody, crc]);
}

/**
 * A PNG written byte by byte (sharp cannot be told to write exact 16-bit samples), with a header
 * that may claim a different size from the pixel data (`claimWidth`/`claimHeight`) to fake huge images.
 * `samples` are row-major, `channels` per pixel, each `bitDepth` (8 or 16) bits.
 */
export function handMadePng(opts: {
  width: number;
  height: number;
  bitDepth: 8 | 16;
  colorType: 0 | 2 | 6;
  samples: number[];
  claimWidth?: number;
  claimHeight?: number;
}): Buffer {
  const channels = { 0: 1, 2: 3, 6: 4 }[opts.colorType];
  const bytesPerSample = opts.bitDepth / 8;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(opts.claimWidth ?? opts.width, 0);
  header.writeUInt32BE(opts.claimHeight ?? opts.height, 4);
  header[8] = opts.bitDepth;
  header[9] = opts.colorType;
  const rowBytes = opts.width * channels * bytesPerSample;
  const raw = Buffer.alloc((rowBytes + 1) * opts.height); // each row: filter byte 0, then samples
  for (let y = 0; y < opts.height; y++) {
    for (let s = 0; s < opts.width * channels; s++) {
      const value = opts.samples[y * opts.width * channels + s];
      const at = y * (rowBytes + 1) + 1 + s * bytesPerSample;
      if (bytesPerSample === 2) raw.writeUInt16BE(value, at);
      else raw[at] = value;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Uncompressed BMP of an RGB image: 24-bit BGR or 32-bit BGRX, bottom-up unless `topDown`. */
export function handMadeBmp(img: RgbImage, bitsPerPixel: 24 | 32, topDown = false): Buffer {
  const bytesPerPixel = bitsPerPixel / 8;
  const stride = Math.ceil((img.width * bytesPerPixel) / 4) * 4;
  const pixelOffset = 54;
  const out = Buffer.alloc(pixelOffset + stride * img.height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(pixelOffset, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(img.width, 18);
  out.writeInt32LE(topDown ? -img.height : img.height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(bitsPerPixel, 28);
  for (let y = 0; y < img.height; y++) {
    const fileRow = topDown ? y : img.height - 1 - y;
    for (let x = 0; x < img.width; x++) {
      const [r, g, b] = pixelAt(img, x, y);
      out.set([b, g, r], pixelOffset + fileRow * stride + x * bytesPerPixel);
    }
  }
  return out;
}
