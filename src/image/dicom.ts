/**
 * DICOM input (dermoscopy increasingly arrives as VL Photographic / Dermoscopic Photography
 * images): the Part 10 file is parsed with dicom-parser, and its first frame becomes the same
 * 8-bit sRGB image any other format gives.
 *
 * - Transfer syntaxes: uncompressed little endian (implicit or explicit VR, deflate not) and JPEG
 *   baseline / extended (8-bit; the frame is a JPEG, decoded by sharp like any JPEG). Anything
 *   else (JPEG 2000, JPEG-LS, lossless JPEG, RLE, big endian) is refused by name.
 * - Photometric interpretation: RGB, YBR_FULL (converted to RGB), MONOCHROME2 and MONOCHROME1
 *   (inverted), planar or interleaved, 8 bits allocated; for JPEG frames the JPEG's own colour
 *   model applies, as every DICOM viewer does.
 */
import dicomParser from 'dicom-parser';
import type { RgbImage } from './types.js';

/** Tags, as dicom-parser names them (xGGGGEEEE). */
const TAG = {
  transferSyntax: 'x00020010',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planarConfiguration: 'x00280006',
  rows: 'x00280010',
  columns: 'x00280011',
  bitsAllocated: 'x00280100',
  pixelData: 'x7fe00010',
} as const;

const UNCOMPRESSED: Record<string, string> = {
  '1.2.840.10008.1.2': 'implicit VR little endian',
  '1.2.840.10008.1.2.1': 'explicit VR little endian',
};
const JPEG: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'JPEG baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG extended',
};
const REFUSED: Record<string, string> = {
  '1.2.840.10008.1.2.2': 'explicit VR big endian',
  '1.2.840.10008.1.2.1.99': 'deflated explicit VR little endian',
  '1.2.840.10008.1.2.4.57': 'lossless JPEG',
  '1.2.840.10008.1.2.4.70': 'lossless JPEG (first-order prediction)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE lossless',
};
const SUPPORTED = [...Object.values(UNCOMPRESSED), ...Object.values(JPEG)].join(', ');

/** A DICOM Part 10 file: 128-byte preamble, then "DICM". */
export function isDicom(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** What a DICOM file holds: its size, and either a JPEG frame to decode or the RGB pixels themselves. */
export type DicomFrame =
  | { kind: 'jpeg'; width: number; height: number; jpeg: Uint8Array }
  | { kind: 'pixels'; width: number; height: number; decode: () => RgbImage };

/** Reads the header and locates the first frame; throws an Error whose message is the problem. */
export function readDicomFrame(bytes: Uint8Array): DicomFrame {
  let dataSet: ReturnType<typeof dicomParser.parseDicom>;
  try {
    dataSet = dicomParser.parseDicom(bytes);
  } catch (err) {
    throw new Error(`corrupt DICOM file (${message(err)})`);
  }
  const syntax = dataSet.string(TAG.transferSyntax)?.replace(/\0/g, '').trim() ?? '';
  const width = dataSet.uint16(TAG.columns) ?? 0;
  const height = dataSet.uint16(TAG.rows) ?? 0;
  const pixelData = dataSet.elements[TAG.pixelData];
  if (!pixelData) throw new Error('DICOM file without pixel data (not an image object)');
  if (!(width > 0 && height > 0)) throw new Error('DICOM image without rows and columns');
  if (JPEG[syntax]) {
    if (!pixelData.encapsulatedPixelData) throw new Error(`DICOM ${JPEG[syntax]} pixel data is not encapsulated`);
    return { kind: 'jpeg', width, height, jpeg: firstJpegFrame(dataSet, pixelData) };
  }
  if (!UNCOMPRESSED[syntax]) {
    const name = REFUSED[syntax] ?? (syntax ? `transfer syntax ${syntax}` : 'no transfer syntax');
    throw new Error(`unsupported DICOM transfer syntax: ${name}${REFUSED[syntax] ? ` (${syntax})` : ''}; supported: ${SUPPORTED}`);
  }
  const bits = dataSet.uint16(TAG.bitsAllocated) ?? 0;
  const samples = dataSet.uint16(TAG.samplesPerPixel) ?? 1;
  const photometric = dataSet.string(TAG.photometric)?.trim() ?? '';
  if (bits !== 8) throw new Error(`unsupported DICOM pixel data: ${bits} bits allocated (8-bit images only)`);
  const expected = samples === 3 ? ['RGB', 'YBR_FULL'] : samples === 1 ? ['MONOCHROME1', 'MONOCHROME2'] : [];
  if (!expected.includes(photometric)) throw new Error(`unsupported DICOM photometric interpretation ${photometric || '(none)'} with ${samples} sample(s) per pixel`);
  const planar = (dataSet.uint16(TAG.planarConfiguration) ?? 0) === 1;
  const n = width * height;
  if (pixelData.length < n * samples) throw new Error(`truncated DICOM pixel data: ${pixelData.length} bytes for ${width}x${height}x${samples}`);
  const raw = bytes.subarray(pixelData.dataOffset, pixelData.dataOffset + n * samples);
  return { kind: 'pixels', width, height, decode: () => toRgb(raw, n, samples, photometric, planar, width, height) };
}

/** dicom-parser throws strings as well as Errors. */
function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The first frame's JPEG bytes; without a basic offset table (it is optional) frames are found by their JPEG markers. */
function firstJpegFrame(dataSet: ReturnType<typeof dicomParser.parseDicom>, pixelData: dicomParser.Element): Uint8Array {
  try {
    const table = pixelData.basicOffsetTable?.length ? pixelData.basicOffsetTable : dicomParser.createJPEGBasicOffsetTable(dataSet, pixelData);
    return new Uint8Array(dicomParser.readEncapsulatedImageFrame(dataSet, pixelData, 0, table));
  } catch (err) {
    throw new Error(`corrupt DICOM JPEG pixel data (${message(err)})`);
  }
}

function toRgb(raw: Uint8Array, n: number, samples: number, photometric: string, planar: boolean, width: number, height: number): RgbImage {
  const data = new Uint8Array(n * 3);
  const clamp = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));
  for (let i = 0; i < n; i++) {
    if (samples === 1) {
      const v = photometric === 'MONOCHROME1' ? 255 - raw[i]! : raw[i]!;
      data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = v;
      continue;
    }
    const [a, b, c] = planar ? [raw[i]!, raw[n + i]!, raw[2 * n + i]!] : [raw[i * 3]!, raw[i * 3 + 1]!, raw[i * 3 + 2]!];
    if (photometric === 'RGB') {
      data.set([a, b, c], i * 3);
    } else {
      // YBR_FULL: full-range ITU-R BT.601 YCbCr (DICOM PS3.3 C.7.6.3.1.2).
      data[i * 3] = clamp(a + 1.402 * (c - 128));
      data[i * 3 + 1] = clamp(a - 0.344136 * (b - 128) - 0.714136 * (c - 128));
      data[i * 3 + 2] = clamp(a + 1.772 * (b - 128));
    }
  }
  return { width, height, data };
}
