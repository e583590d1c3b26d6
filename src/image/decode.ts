/**
 * Turning files into pixels, and pixels back into files.
 *
 * Every decoded image is 8-bit sRGB (or 8-bit gray for masks), upright (EXIF orientation applied),
 * whatever the source: grayscale, CMYK, 16-bit and ICC-tagged inputs are converted by sharp.
 * Transparency: photos are flattened onto white (what a viewer shows on a white page, and no
 * garbage from the hidden colour under transparent pixels); masks are flattened onto black so a
 * transparent background reads as "not lesion".
 *
 * DICOM files (src/image/dicom.ts) decode to the same: the JPEG frame inside them through sharp,
 * uncompressed pixels directly.
 *
 * Oversized inputs are refused from the header alone, before any pixel memory is allocated, with
 * sharp's `limitInputPixels` as a second guard. Corrupt and truncated files are errors, never
 * partial images: sharp runs with `failOn: 'error'`, which aborts on truncation and decoder errors
 * while tolerating harmless warnings (e.g. stray bytes after a JPEG's end marker).
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { decodeBmp, isBmp, readBmpHeader, type BmpHeader } from './bmp.js';
import { isDicom, readDicomFrame, type DicomFrame } from './dicom.js';
import { assertRgb, channelCount } from './check.js';
import type { GrayImage, RgbImage } from './types.js';

export const DEFAULT_MAX_PIXELS = 50_000_000;

/** File extensions read as images when a folder is listed (compared lower-case). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.dcm'];

export interface DecodeOptions {
  /** Refuse images with more pixels than this (default `DEFAULT_MAX_PIXELS`). */
  maxPixels?: number;
  /** Name used in error messages for Buffer input (e.g. the uploaded file's name). */
  name?: string;
}

/** A file that could not be decoded. `file` is the path, or the `name` given for a Buffer. */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${problem}`, options);
  }
}

type SupportedFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'bmp' | 'dicom';
const FORMAT_LABELS: Record<SupportedFormat, string> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', tiff: 'TIFF', bmp: 'BMP', dicom: 'DICOM' };
const SUPPORTED_LIST = Object.values(FORMAT_LABELS).join(', ');

interface Source {
  bytes: Buffer;
  file: string;
}

interface Probe {
  format: SupportedFormat;
  /** Stored size (before orientation): what the pixel limit is about. */
  width: number;
  height: number;
  /** Size after EXIF orientation: what decoding returns. */
  orientedWidth: number;
  orientedHeight: number;
  bmp?: BmpHeader;
  dicom?: DicomFrame;
}

async function readSource(input: string | Buffer, name: string | undefined): Promise<Source> {
  const file = typeof input === 'string' ? input : (name ?? '<buffer>');
  let bytes: Buffer;
  if (typeof input === 'string') {
    try {
      bytes = await readFile(input);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(err));
      throw new ImageDecodeError(file, `cannot read file (${reason})`, { cause: err });
    }
  } else {
    bytes = input;
  }
  if (bytes.length === 0) throw new ImageDecodeError(file, 'empty file (0 bytes)');
  return { bytes, file };
}

/** Format from the magic bytes, so a damaged file of a known kind is not called "not an image". */
function sniffFormat(bytes: Buffer): SupportedFormat | null {
  const startsWith = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (startsWith(0xff, 0xd8, 0xff)) return 'jpeg';
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (startsWith(0x52, 0x49, 0x46, 0x46) && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (startsWith(0x49, 0x49, 0x2a, 0x00) || startsWith(0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (isBmp(bytes)) return 'bmp';
  if (isDicom(bytes)) return 'dicom';
  return null;
}

/** libvips repeats its messages over several lines; keep each distinct line once. */
function sharpDetail(err: unknown): string {
  const lines = String((err as Error).message ?? err).split('\n').map((line) => line.trim()).filter(Boolean);
  return [...new Set(lines)].join('; ');
}

function formatMegapixels(pixels: number): string {
  return String(Number((pixels / 1e6).toPrecision(3)));
}

function checkPixelLimit(source: Source, width: number, height: number, maxPixels: number): void {
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new ImageDecodeError(
      source.file,
      `too large: ${width}x${height} = ${(pixels / 1e6).toFixed(1)} MP exceeds the ${formatMegapixels(maxPixels)} MP limit`,
    );
  }
}

async function probe(source: Source): Promise<Probe> {
  const sniffed = sniffFormat(source.bytes);
  if (sniffed === 'bmp') {
    try {
      const bmp = readBmpHeader(source.bytes);
      return { format: 'bmp', width: bmp.width, height: bmp.height, orientedWidth: bmp.width, orientedHeight: bmp.height, bmp };
    } catch (err) {
      throw new ImageDecodeError(source.file, (err as Error).message, { cause: err });
    }
  }
  if (sniffed === 'dicom') {
    try {
      const dicom = readDicomFrame(source.bytes);
      return { format: 'dicom', width: dicom.width, height: dicom.height, orientedWidth: dicom.width, orientedHeight: dicom.height, dicom };
    } catch (err) {
      throw new ImageDecodeError(source.file, (err as Error).message, { cause: err });
    }
  }
  let meta: Metadata;
  try {
    // Header only, so no pixel limit here: the limit is checked below with a clear message.
    meta = await sharp(source.bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    const detail = sharpDetail(err);
    const problem = sniffed
      ? `truncated/corrupt ${FORMAT_LABELS[sniffed]} (${detail})`
      : `not an image (unrecognised format; supported: ${SUPPORTED_LIST})`;
    throw new ImageDecodeError(source.file, problem, { cause: err });
  }
  if (!(meta.format in FORMAT_LABELS)) {
    throw new ImageDecodeError(source.file, `unsupported image format '${meta.format}' (supported: ${SUPPORTED_LIST})`);
  }
  if (!meta.width || !meta.height) throw new ImageDecodeError(source.file, 'corrupt image header (no dimensions)');
  return {
    format: meta.format as SupportedFormat,
    width: meta.width,
    height: meta.height,
    orientedWidth: meta.autoOrient?.width ?? meta.width,
    orientedHeight: meta.autoOrient?.height ?? meta.height,
  };
}

function resolveMaxPixels(maxPixels: number | undefined): number {
  const limit = maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(limit > 0)) throw new RangeError(`maxPixels must be positive, got ${maxPixels}`);
  return limit;
}

/** Run a sharp decode pipeline to raw 8-bit pixels, translating failures into ImageDecodeError. */
async function decodeRaw(
  input: Buffer | { raw: RgbImage },
  source: Source,
  found: Probe,
  maxPixels: number,
  convert: (pipeline: Sharp) => Sharp,
): Promise<{ width: number; height: number; channels: number; data: Uint8Array }> {
  const pipeline = Buffer.isBuffer(input)
    ? sharp(input, { failOn: 'error', autoOrient: true, limitInputPixels: Number.isFinite(maxPixels) ? Math.floor(maxPixels) : false })
    : sharp(input.raw.data, { raw: { width: input.raw.width, height: input.raw.height, channels: 3 } });
  try {
    const { data, info } = await convert(pipeline).raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    const detail = sharpDetail(err);
    const problem = /pixel limit/i.test(detail)
      ? `too large: exceeds the ${formatMegapixels(maxPixels)} MP limit (${detail})`
      : `truncated/corrupt ${FORMAT_LABELS[found.format]} (${detail})`;
    throw new ImageDecodeError(source.file, problem, { cause: err });
  }
}

async function prepare(input: string | Buffer, opts: DecodeOptions): Promise<{ source: Source; found: Probe; maxPixels: number }> {
  const maxPixels = resolveMaxPixels(opts.maxPixels);
  const source = await readSource(input, opts.name);
  const found = await probe(source);
  checkPixelLimit(source, found.width, found.height, maxPixels);
  return { source, found, maxPixels };
}

function decodeBmpOrThrow(source: Source, found: Probe): RgbImage {
  try {
    return decodeBmp(source.bytes, found.bmp);
  } catch (err) {
    throw new ImageDecodeError(source.file, (err as Error).message, { cause: err });
  }
}

/** What sharp decodes: the file itself, the JPEG frame inside a DICOM file, or pixels decoded here (BMP, uncompressed DICOM). */
function sharpInput(source: Source, found: Probe): Buffer | { raw: RgbImage } {
  if (found.bmp) return { raw: decodeBmpOrThrow(source, found) };
  if (found.dicom?.kind === 'jpeg') return Buffer.from(found.dicom.jpeg);
  if (found.dicom) return { raw: found.dicom.decode() };
  return source.bytes;
}

/** Decode a photo (path or bytes) to upright 8-bit sRGB; see the module comment for conversions. */
export async function decodeImage(input: string | Buffer, opts: DecodeOptions = {}): Promise<RgbImage> {
  const { source, found, maxPixels } = await prepare(input, opts);
  if (found.bmp) return decodeBmpOrThrow(source, found);
  if (found.dicom?.kind === 'pixels') return found.dicom.decode();
  const out = await decodeRaw(sharpInput(source, found), source, found, maxPixels, (p) => p.flatten({ background: '#ffffff' }).toColourspace('srgb'));
  if (out.channels !== 3) throw new ImageDecodeError(source.file, `decoded to ${out.channels} channels instead of 3`);
  return { width: out.width, height: out.height, data: out.data };
}

/**
 * Decode a segmentation mask to one 8-bit channel. Palette PNGs go through their palette and colour
 * masks become their luminance (black/white masks, the norm, are unchanged); transparency counts as
 * background. Values are kept as stored: threshold them if you need a binary mask.
 */
export async function decodeMask(input: string | Buffer, opts: DecodeOptions = {}): Promise<GrayImage> {
  const { source, found, maxPixels } = await prepare(input, opts);
  const toGray = (p: Sharp) => p.flatten({ background: '#000000' }).toColourspace('b-w');
  const out = await decodeRaw(sharpInput(source, found), source, found, maxPixels, toGray);
  if (out.channels !== 1) throw new ImageDecodeError(source.file, `decoded to ${out.channels} channels instead of 1`);
  return { width: out.width, height: out.height, data: out.data };
}

/** Width and height as `decodeImage` would return them (EXIF orientation applied), from the header only. */
export async function imageSize(input: string | Buffer, opts: Pick<DecodeOptions, 'name'> = {}): Promise<{ width: number; height: number }> {
  const found = await probe(await readSource(input, opts.name));
  return { width: found.orientedWidth, height: found.orientedHeight };
}

function rawInput(img: RgbImage | GrayImage): Sharp {
  const channels = channelCount(img);
  const input = sharp(img.data, { raw: { width: img.width, height: img.height, channels } });
  // Without an explicit colourspace sharp writes one-channel input back out as 3-channel sRGB.
  return channels === 1 ? input.toColourspace('b-w') : input;
}

/** Lossless PNG of an RGB image or a one-channel mask (told apart by byte count). */
export async function encodePng(img: RgbImage | GrayImage): Promise<Buffer> {
  return rawInput(img).png().toBuffer();
}

export async function encodeJpeg(img: RgbImage, quality = 90): Promise<Buffer> {
  assertRgb(img);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new RangeError(`JPEG quality must be an integer 1..100, got ${quality}`);
  return rawInput(img).jpeg({ quality }).toBuffer();
}
