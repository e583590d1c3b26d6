/**
 * Minimal BMP reader. sharp's prebuilt libvips has no BMP loader, and some dermoscopy exports are
 * BMPs, so the common case is decoded here: 24-bit and 32-bit uncompressed (BI_RGB, or BI_BITFIELDS
 * with any contiguous channel masks), bottom-up or top-down. The 32-bit alpha/padding byte is
 * ignored: in BI_RGB files it is usually zero rather than a real alpha. Anything else (palettes,
 * RLE, 16-bit, OS/2 headers) is refused with a message saying what was found.
 * Errors are plain `Error`s whose message is the problem; decode.ts adds the file name.
 */
import type { RgbImage } from './types.js';

const FILE_HEADER_BYTES = 14;
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  compression: number;
  topDown: boolean;
  pixelOffset: number;
  dibHeaderSize: number;
}

export function isBmp(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d; // "BM"
}

export function readBmpHeader(bytes: Buffer): BmpHeader {
  if (bytes.length < FILE_HEADER_BYTES + 4) throw new Error('truncated/corrupt BMP (header cut short)');
  const dibHeaderSize = bytes.readUInt32LE(14);
  if (dibHeaderSize < 40) throw new Error(`unsupported BMP: ${dibHeaderSize}-byte OS/2 header (only Windows BMPs are supported)`);
  if (bytes.length < FILE_HEADER_BYTES + 40) throw new Error('truncated/corrupt BMP (header cut short)');
  const width = bytes.readInt32LE(18);
  const signedHeight = bytes.readInt32LE(22);
  const header: BmpHeader = {
    width,
    height: Math.abs(signedHeight),
    bitsPerPixel: bytes.readUInt16LE(28),
    compression: bytes.readUInt32LE(30),
    topDown: signedHeight < 0,
    pixelOffset: bytes.readUInt32LE(10),
    dibHeaderSize,
  };
  if (width <= 0 || header.height === 0) throw new Error(`corrupt BMP header (dimensions ${width}x${signedHeight})`);
  return header;
}

/** One channel of a BI_BITFIELDS pixel: where its bits sit and how to widen them to 8 bits. */
interface ChannelMask {
  mask: number;
  shift: number;
  max: number;
}

function channelMask(mask: number, name: string): ChannelMask {
  if (mask === 0) throw new Error(`unsupported BMP: empty ${name} bit mask`);
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  if ((max & (max + 1)) !== 0) throw new Error(`unsupported BMP: non-contiguous ${name} bit mask 0x${mask.toString(16)}`);
  return { mask, shift, max };
}

function extract(pixel: number, channel: ChannelMask): number {
  const value = (pixel & channel.mask) >>> channel.shift;
  return channel.max === 255 ? value : Math.round((value * 255) / channel.max);
}

/** Decode after the caller has checked the pixel limit on `readBmpHeader`'s dimensions. */
export function decodeBmp(bytes: Buffer, header: BmpHeader = readBmpHeader(bytes)): RgbImage {
  const { width, height, bitsPerPixel, compression } = header;
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (bitsPerPixel !== 24 && bitsPerPixel !== 32) {
    throw new Error(`unsupported BMP: ${bitsPerPixel}-bit (only 24/32-bit uncompressed BMPs are supported)`);
  }
  if (!(compression === BI_RGB || (bitfields && bitsPerPixel === 32))) {
    throw new Error(`unsupported BMP: compression type ${compression} (only uncompressed BMPs are supported)`);
  }
  // BI_RGB 32-bit is fixed BGRX; with bitfields the masks follow the 40-byte info header
  // (inside it for V4/V5 headers, which start at the same offset).
  let masks: [ChannelMask, ChannelMask, ChannelMask] | null = null;
  if (bitfields) {
    if (bytes.length < 66) throw new Error('truncated/corrupt BMP (bit masks cut short)');
    masks = [channelMask(bytes.readUInt32LE(54), 'red'), channelMask(bytes.readUInt32LE(58), 'green'), channelMask(bytes.readUInt32LE(62), 'blue')];
  }
  const bytesPerPixel = bitsPerPixel / 8;
  const rowStride = Math.ceil((width * bytesPerPixel) / 4) * 4;
  const needed = header.pixelOffset + rowStride * (height - 1) + width * bytesPerPixel;
  if (bytes.length < needed) throw new Error(`truncated/corrupt BMP (${bytes.length} bytes, pixel data needs ${needed})`);

  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const fileRow = header.topDown ? y : height - 1 - y;
    let src = header.pixelOffset + fileRow * rowStride;
    let dst = y * width * 3;
    for (let x = 0; x < width; x++, src += bytesPerPixel, dst += 3) {
      if (masks) {
        const pixel = bytes.readUInt32LE(src);
        data[dst] = extract(pixel, masks[0]);
        data[dst + 1] = extract(pixel, masks[1]);
        data[dst + 2] = extract(pixel, masks[2]);
      } else {
        data[dst] = bytes[src + 2];
        data[dst + 1] = bytes[src + 1];
        data[dst + 2] = bytes[src];
      }
    }
  }
  return { width, height, data };
}
