import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { DEFAULT_MAX_PIXELS, ImageDecodeError, decodeImage, decodeMask, encodeJpeg, encodePng, imageSize } from '../../src/image/decode.js';
import type { RgbImage } from '../../src/image/types.js';
import { coordinateImage, handMadeBmp, handMadePng, noiseImage, pixelAt, solidImage } from './fixtures.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dermkit-decode-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, bytes: Buffer | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

function sharpFromRgb(img: RgbImage): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

/** Rejects with an ImageDecodeError whose `file` and message are as expected. */
async function assertDecodeError(promise: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ImageDecodeError, `expected ImageDecodeError, got ${String(err)}`);
    assert.equal(err.file, file);
    assert.ok(err.message.startsWith(`${file}: `), err.message);
    assert.match(err.message, problem);
    return true;
  });
}

describe('decodeImage: conversions to 8-bit RGB', () => {
  test('PNG with alpha is flattened onto white', async () => {
    const png = handMadePng({ width: 3, height: 1, bitDepth: 8, colorType: 6, samples: [10, 20, 30, 255, 255, 0, 0, 128, 0, 0, 0, 0] });
    const img = await decodeImage(png);
    assert.deepEqual([img.width, img.height], [3, 1]);
    assert.deepEqual(pixelAt(img, 0, 0), [10, 20, 30]);
    const halfRed = pixelAt(img, 1, 0);
    assert.equal(halfRed[0], 255);
    assert.ok(Math.abs(halfRed[1] - 127) <= 1 && Math.abs(halfRed[2] - 127) <= 1, String(halfRed));
    assert.deepEqual(pixelAt(img, 2, 0), [255, 255, 255]);
  });

  test('grayscale PNG becomes three equal channels', async () => {
    const img = await decodeImage(handMadePng({ width: 2, height: 1, bitDepth: 8, colorType: 0, samples: [0, 200] }));
    assert.deepEqual([...img.data], [0, 0, 0, 200, 200, 200]);
  });

  test('16-bit PNG is scaled to 8 bits', async () => {
    const img = await decodeImage(handMadePng({ width: 2, height: 1, bitDepth: 16, colorType: 2, samples: [0, 10 * 257, 65535, 100 * 257, 200 * 257, 255 * 257] }));
    assert.deepEqual([...img.data], [0, 10, 255, 100, 200, 255]);
  });

  test('EXIF orientation is applied (orientation 6 = rotate 90 degrees clockwise)', async () => {
    // Stored 32x16: left half red, right half blue. Displayed upright it is 16x32, red on top.
    const stored = solidImage(32, 16, [0, 0, 255]);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) stored.data.set([255, 0, 0], (y * 32 + x) * 3);
    const jpeg = await sharpFromRgb(stored).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(jpeg);
    assert.deepEqual([img.width, img.height], [16, 32]);
    const top = pixelAt(img, 8, 4);
    const bottom = pixelAt(img, 8, 28);
    assert.ok(top[0] > 200 && top[2] < 60, `top ${top}`);
    assert.ok(bottom[2] > 200 && bottom[0] < 60, `bottom ${bottom}`);
    assert.deepEqual(await imageSize(jpeg), { width: 16, height: 32 });
  });

  test('CMYK JPEG is converted to RGB', async () => {
    const cmyk = await sharpFromRgb(solidImage(8, 8, [200, 40, 40])).toColourspace('cmyk').jpeg().toBuffer();
    const img = await decodeImage(cmyk);
    assert.equal(img.data.length, 8 * 8 * 3);
    const [r, g, b] = pixelAt(img, 4, 4);
    assert.ok(r > 150 && g < 100 && b < 100, `${r},${g},${b}`);
  });

  test('lossless WebP and TIFF decode to the exact pixels, from a path too', async () => {
    const img = coordinateImage(9, 7);
    const webp = await fileWith('a.webp', await sharpFromRgb(img).webp({ lossless: true }).toBuffer());
    const tiff = await fileWith('a.tiff', await sharpFromRgb(img).tiff({ compression: 'lzw' }).toBuffer());
    assert.deepEqual((await decodeImage(webp)).data, img.data);
    assert.deepEqual((await decodeImage(tiff)).data, img.data);
  });
});

describe('decodeImage: BMP (decoded in TypeScript, sharp has no BMP loader)', () => {
  const img = coordinateImage(5, 3); // width 5: 24-bit rows need padding
  for (const bits of [24, 32] as const) {
    for (const topDown of [false, true]) {
      test(`${bits}-bit ${topDown ? 'top-down' : 'bottom-up'}`, async () => {
        const decoded = await decodeImage(handMadeBmp(img, bits, topDown));
        assert.deepEqual([decoded.width, decoded.height], [5, 3]);
        assert.deepEqual(decoded.data, img.data);
      });
    }
  }

  test('header-only size, mask decoding and the pixel limit work for BMP too', async () => {
    const bmp = handMadeBmp(img, 24);
    assert.deepEqual(await imageSize(bmp), { width: 5, height: 3 });
    const mask = await decodeMask(handMadeBmp(solidImage(5, 3, [255, 255, 255]), 24));
    assert.deepEqual([...mask.data], new Array(15).fill(255));
    await assertDecodeError(decodeImage(bmp, { maxPixels: 10, name: 'x.bmp' }), 'x.bmp', /too large: 5x3/);
  });

  test('unsupported and truncated BMPs are refused with the reason', async () => {
    const paletted = handMadeBmp(img, 24);
    paletted.writeUInt16LE(8, 28);
    await assertDecodeError(decodeImage(paletted, { name: 'p.bmp' }), 'p.bmp', /unsupported BMP: 8-bit/);
    const rle = handMadeBmp(img, 24);
    rle.writeUInt32LE(1, 30);
    await assertDecodeError(decodeImage(rle, { name: 'r.bmp' }), 'r.bmp', /unsupported BMP: compression type 1/);
    const cut = handMadeBmp(img, 24).subarray(0, 70);
    await assertDecodeError(decodeImage(cut, { name: 't.bmp' }), 't.bmp', /truncated\/corrupt BMP/);
  });
});

describe('decodeImage: bad input', () => {
  test('truncated JPEG is an error naming the file, not a partial image', async () => {
    const jpeg = await sharpFromRgb(noiseImage(64, 48)).jpeg().toBuffer();
    const file = await fileWith('cut.jpg', jpeg.subarray(0, jpeg.length >> 1));
    // The header survives the cut, so this exercises the decode stage (sharp's failOn), not the probe.
    assert.deepEqual(await imageSize(file), { width: 64, height: 48 });
    await assertDecodeError(decodeImage(file), file, /truncated\/corrupt JPEG \(.*premature end/);
  });

  test('truncated PNG is an error', async () => {
    const png = await sharpFromRgb(coordinateImage(64, 48)).png().toBuffer();
    await assertDecodeError(decodeImage(png.subarray(0, png.length >> 1), { name: 'cut.png' }), 'cut.png', /truncated\/corrupt PNG/);
  });

  test('a text file named .jpg is not an image', async () => {
    const file = await fileWith('notes.jpg', 'these are not pixels\n');
    await assertDecodeError(decodeImage(file), file, /not an image/);
  });

  test('a zero-byte file is reported as empty', async () => {
    const file = await fileWith('empty.png', Buffer.alloc(0));
    await assertDecodeError(decodeImage(file), file, /empty file/);
    await assertDecodeError(decodeMask(Buffer.alloc(0)), '<buffer>', /empty file/);
  });

  test('a missing file is reported as such', async () => {
    const file = path.join(dir, 'nope.jpg');
    await assertDecodeError(decodeImage(file), file, /cannot read file \(no such file\)/);
  });

  test('formats outside the supported list are refused by name', async () => {
    const gif = await sharpFromRgb(solidImage(4, 4, [1, 2, 3])).gif().toBuffer();
    await assertDecodeError(decodeImage(gif, { name: 'a.gif' }), 'a.gif', /unsupported image format 'gif'/);
  });

  test('a header claiming 20000x20000 is refused before decoding', async () => {
    // The pixel data is a 1x1 image: had decoding started it would fail as corrupt, not as too large.
    const png = handMadePng({ width: 1, height: 1, bitDepth: 8, colorType: 2, samples: [1, 2, 3], claimWidth: 20000, claimHeight: 20000 });
    assert.deepEqual(await imageSize(png), { width: 20000, height: 20000 });
    await assertDecodeError(decodeImage(png, { name: 'huge.png' }), 'huge.png', /^huge\.png: too large: 20000x20000 = 400\.0 MP exceeds the 50 MP limit$/);
    await assertDecodeError(decodeMask(png, { name: 'huge.png' }), 'huge.png', /too large/);
    assert.equal(DEFAULT_MAX_PIXELS, 50_000_000);
  });

  test('maxPixels lowers the limit', async () => {
    const png = await sharpFromRgb(coordinateImage(40, 30)).png().toBuffer();
    await assertDecodeError(decodeImage(png, { maxPixels: 1000, name: 'small.png' }), 'small.png', /40x30 = 0\.0 MP exceeds the 0\.001 MP limit/);
    assert.equal((await decodeImage(png, { maxPixels: 1200 })).width, 40);
  });
});

describe('decodeMask', () => {
  test('palette PNG is decoded through its palette to one channel', async () => {
    const twoColour = solidImage(4, 2, [0, 0, 0]);
    twoColour.data.fill(255, 0, 6); // first two pixels white
    const png = await sharpFromRgb(twoColour).png({ palette: true }).toBuffer();
    assert.equal((await sharp(png).metadata()).isPalette, true);
    const mask = await decodeMask(png);
    assert.deepEqual([mask.width, mask.height], [4, 2]);
    assert.deepEqual([...mask.data], [255, 255, 0, 0, 0, 0, 0, 0]);
  });

  test('an RGB mask becomes gray; transparency counts as background', async () => {
    const rgb = await decodeMask(handMadePng({ width: 2, height: 1, bitDepth: 8, colorType: 2, samples: [255, 255, 255, 0, 0, 0] }));
    assert.deepEqual([...rgb.data], [255, 0]);
    const alpha = await decodeMask(handMadePng({ width: 2, height: 1, bitDepth: 8, colorType: 6, samples: [255, 255, 255, 255, 255, 255, 255, 0] }));
    assert.deepEqual([...alpha.data], [255, 0]);
  });

  test('16-bit grayscale mask is scaled to 8 bits', async () => {
    const mask = await decodeMask(handMadePng({ width: 3, height: 1, bitDepth: 16, colorType: 0, samples: [0, 65535, 128 * 257] }));
    assert.deepEqual([...mask.data], [0, 255, 128]);
  });
});

describe('encodePng / encodeJpeg', () => {
  test('PNG round trip is exact for RGB and gray', async () => {
    const img = coordinateImage(6, 4);
    assert.deepEqual((await decodeImage(await encodePng(img))).data, img.data);
    const gray = { width: 3, height: 2, data: Uint8Array.from([0, 50, 100, 150, 200, 255]) };
    const grayPng = await encodePng(gray);
    assert.equal((await sharp(grayPng).metadata()).channels, 1);
    assert.deepEqual((await decodeMask(grayPng)).data, gray.data);
  });

  test('JPEG round trip is close, quality is validated', async () => {
    const img = solidImage(16, 16, [120, 80, 60]);
    const back = await decodeImage(await encodeJpeg(img, 95));
    const [r, g, b] = pixelAt(back, 8, 8);
    assert.ok(Math.abs(r - 120) <= 3 && Math.abs(g - 80) <= 3 && Math.abs(b - 60) <= 3, `${r},${g},${b}`);
    await assert.rejects(encodeJpeg(img, 0), /quality/);
  });

  test('a buffer of the wrong length is refused', async () => {
    await assert.rejects(encodePng({ width: 2, height: 2, data: new Uint8Array(5) }), /neither 1 nor 3 channels/);
  });
});
