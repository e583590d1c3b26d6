import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeImage, encodeJpeg, imageSize, ImageDecodeError } from '../../src/image/decode.js';
import type { RgbImage } from '../../src/image/types.js';
import { writeDicom } from './dicom-writer.js';

const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

/** A small dermoscopy-like picture: skin tone with a dark, textured lesion. */
function picture(width = 40, height = 30): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = ((x - width / 2) / (width / 4)) ** 2 + ((y - height / 2) / (height / 4)) ** 2 <= 1;
      const t = (x * 7 + y * 13) % 11;
      data.set(inside ? [90 + t, 55 + t, 40] : [220 - t, 170, 150 + t], (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

test('a DICOM file holding a JPEG frame decodes to exactly the pixels of the JPEG itself', async () => {
  const jpeg = await encodeJpeg(picture(), 92);
  const dicom = writeDicom({ transferSyntax: JPEG_BASELINE, width: 40, height: 30, samples: 3, photometric: 'YBR_FULL_422', jpeg });
  const fromDicom = await decodeImage(dicom, { name: 'photo.dcm' });
  const fromJpeg = await decodeImage(jpeg);
  assert.deepEqual([fromDicom.width, fromDicom.height], [40, 30]);
  assert.deepEqual(fromDicom.data, fromJpeg.data);
  assert.deepEqual(await imageSize(dicom), { width: 40, height: 30 });
});

test('uncompressed DICOM: RGB interleaved and planar, implicit and explicit VR, YBR_FULL and monochrome', async () => {
  const img = picture(6, 4);
  const n = 24;
  const planarBytes = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planarBytes[c * n + i] = img.data[i * 3 + c]!;
  for (const [syntax, planar, pixels] of [[EXPLICIT, 0, img.data], [IMPLICIT, 0, img.data], [EXPLICIT, 1, planarBytes]] as const) {
    const out = await decodeImage(writeDicom({ transferSyntax: syntax, width: 6, height: 4, samples: 3, photometric: 'RGB', planar, pixels }));
    assert.deepEqual(out.data, img.data, `${syntax} planar ${planar}`);
  }
  // Full-range YCbCr of a pure red, green and grey pixel.
  const ybr = Uint8Array.from([76, 85, 255, 150, 44, 21, 128, 128, 128]);
  const rgb = await decodeImage(writeDicom({ transferSyntax: EXPLICIT, width: 3, height: 1, samples: 3, photometric: 'YBR_FULL', pixels: ybr }));
  const expected = [255, 0, 0, 0, 255, 0, 128, 128, 128];
  rgb.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= 2, `YBR_FULL byte ${i}: ${v} vs ${expected[i]}`));
  const grey = Uint8Array.from([0, 100, 255, 30]);
  const mono2 = await decodeImage(writeDicom({ transferSyntax: EXPLICIT, width: 2, height: 2, samples: 1, photometric: 'MONOCHROME2', pixels: grey }));
  assert.deepEqual(Array.from(mono2.data.filter((_, i) => i % 3 === 0)), [0, 100, 255, 30]);
  const mono1 = await decodeImage(writeDicom({ transferSyntax: EXPLICIT, width: 2, height: 2, samples: 1, photometric: 'MONOCHROME1', pixels: grey }));
  assert.deepEqual(Array.from(mono1.data.filter((_, i) => i % 3 === 0)), [255, 155, 0, 225]);
});

test('DICOM the decoder cannot read is refused with the file name and the reason', async () => {
  const tiny = picture(4, 4);
  const refuse = async (bytes: Buffer, pattern: RegExp) =>
    assert.rejects(decodeImage(bytes, { name: 'scan.dcm' }), (e: unknown) => e instanceof ImageDecodeError && e.file === 'scan.dcm' && pattern.test(e.problem));
  await refuse(writeDicom({ transferSyntax: '1.2.840.10008.1.2.4.90', width: 4, height: 4, samples: 3, photometric: 'RGB', jpeg: await sharp(Buffer.from(tiny.data), { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer() }), /unsupported DICOM transfer syntax: JPEG 2000 lossless \(1\.2\.840\.10008\.1\.2\.4\.90\); supported: implicit VR little endian/);
  await refuse(writeDicom({ transferSyntax: EXPLICIT, width: 4, height: 4, samples: 3, photometric: 'RGB', pixels: new Uint8Array(96), bitsAllocated: 16 }), /16 bits allocated/);
  await refuse(writeDicom({ transferSyntax: EXPLICIT, width: 4, height: 4, samples: 3, photometric: 'PALETTE COLOR', pixels: tiny.data }), /photometric interpretation PALETTE COLOR/);
  const truncated = writeDicom({ transferSyntax: EXPLICIT, width: 4, height: 4, samples: 3, photometric: 'RGB', pixels: tiny.data });
  await refuse(truncated.subarray(0, truncated.length - 20), /DICOM/);
  await refuse(writeDicom({ transferSyntax: EXPLICIT, width: 4000, height: 4000, samples: 3, photometric: 'RGB', pixels: new Uint8Array(12) }).subarray(0), /too large|truncated DICOM pixel data/);
  const bigLimit = writeDicom({ transferSyntax: EXPLICIT, width: 20, height: 20, samples: 3, photometric: 'RGB', pixels: new Uint8Array(1200) });
  await assert.rejects(decodeImage(bigLimit, { name: 'scan.dcm', maxPixels: 100 }), /too large: 20x20/);
});
