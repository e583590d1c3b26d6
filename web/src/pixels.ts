/** Between browser images (File, canvas, PNG Blob) and the project's RgbImage; the overlay drawn in private mode. */
import { maskContour } from '../../src/image/mask.js';
import type { GrayImage, RgbImage } from '../../src/image/types.js';

function canvas2d(width: number, height: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot draw on a canvas');
  return { canvas, ctx };
}

/**
 * Decode an image file to upright 8-bit sRGB, transparency flattened onto white, like
 * `decodeImage` on the server. The size is checked before any pixels are copied out.
 */
export async function decodeFile(file: File, maxPixels: number): Promise<RgbImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new Error(`${file.name}: this browser cannot decode it (not an image, corrupt, or a format such as TIFF that only server mode reads)`);
  }
  try {
    const { width, height } = bitmap;
    if (width * height > maxPixels) {
      throw new Error(`${file.name}: too large: ${width}x${height} exceeds the ${(maxPixels / 1e6).toFixed(0)} MP limit of private mode`);
    }
    const { ctx } = canvas2d(width, height);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      data[j] = rgba[i]!;
      data[j + 1] = rgba[i + 1]!;
      data[j + 2] = rgba[i + 2]!;
    }
    return { width, height, data };
  } finally {
    bitmap.close();
  }
}

function putRgb(ctx: CanvasRenderingContext2D, img: RgbImage): void {
  const pixels = ctx.createImageData(img.width, img.height);
  for (let i = 0, j = 0; j < img.data.length; i += 4, j += 3) {
    pixels.data[i] = img.data[j]!;
    pixels.data[i + 1] = img.data[j + 1]!;
    pixels.data[i + 2] = img.data[j + 2]!;
    pixels.data[i + 3] = 255;
  }
  ctx.putImageData(pixels, 0, 0);
}

function toPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('could not encode a PNG'))), 'image/png'));
}

export function rgbToPng(img: RgbImage): Promise<Blob> {
  const { canvas, ctx } = canvas2d(img.width, img.height);
  putRgb(ctx, img);
  return toPng(canvas);
}

/** Break `text` at spaces into lines no wider than `maxWidth` (a single long word keeps its own line). */
function wrapWords(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const longer = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(longer).width > maxWidth) {
      lines.push(line);
      line = word;
    } else {
      line = longer;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * The server's overlay (src/image/overlay.ts) drawn on a canvas: the mask's outline in bright
 * green, as thick as there (square dilation by max(1, round(short side / 400)) pixels), and the
 * label in white on a translucent dark box at the top left, wrapped at spaces to fit.
 */
export function overlayPng(img: RgbImage, mask: GrayImage, label: string): Promise<Blob> {
  const { canvas, ctx } = canvas2d(img.width, img.height);
  putRgb(ctx, img);
  const radius = Math.max(1, Math.round(Math.min(img.width, img.height) / 400));
  const contour = maskContour(mask);
  ctx.fillStyle = 'rgb(0, 255, 0)';
  for (let i = 0; i < contour.data.length; i++) {
    if (contour.data[i] === 0) continue;
    const x = i % img.width;
    const y = (i - x) / img.width;
    ctx.fillRect(x - radius, y - radius, 2 * radius + 1, 2 * radius + 1);
  }
  const fontPx = Math.max(10, Math.round(Math.min(img.width, img.height) * 0.035));
  const inset = Math.max(2, Math.round(fontPx / 2));
  const lineHeight = Math.round(fontPx * 1.25);
  ctx.font = `bold ${fontPx}px "DejaVu Sans", system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  const lines = wrapWords(ctx, label, Math.max(1, img.width - 4 * inset));
  const textWidth = Math.max(...lines.map((line) => ctx.measureText(line).width));
  ctx.fillStyle = 'rgba(0, 0, 0, 0.65)';
  ctx.fillRect(inset, inset, textWidth + 2 * inset, lines.length * lineHeight + 2 * inset);
  ctx.fillStyle = '#ffffff';
  lines.forEach((line, i) => ctx.fillText(line, 2 * inset, 2 * inset + i * lineHeight));
  return toPng(canvas);
}

export function base64ToBlob(base64: string, type: string): Blob {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type });
}
