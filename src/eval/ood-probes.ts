/**
 * Images that are plainly not dermoscopy, for showing that the warnings catch them: flat colours,
 * noise, gradients, text and a rendered document (sharp rasterises the SVG, with the DejaVu Sans
 * the charts use). Deterministic, so a model card's "k of n flagged" can be reproduced.
 */
import sharp from 'sharp';
import { createRng } from '../data/random.js';
import type { RgbImage } from '../image/types.js';
import { escapeXml, svgText } from './charts.js';

export interface Probe {
  name: string;
  image: RgbImage;
}

const WIDTH = 600;
const HEIGHT = 450;

function filled(pixel: (x: number, y: number) => readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) data.set(pixel(x, y), (y * WIDTH + x) * 3);
  return { width: WIDTH, height: HEIGHT, data };
}

async function rasterise(svg: string): Promise<RgbImage> {
  const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

const LOREM = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.';

function textSvg(): string {
  const lines = Array.from({ length: 9 }, (_, i) => svgText(30, 60 + i * 44, LOREM.slice((i * 17) % 60, ((i * 17) % 60) + 42), { size: 26 }));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><rect width="100%" height="100%" fill="#ffffff"/>${lines.join('')}</svg>`;
}

function documentSvg(): string {
  const body = [
    svgText(40, 50, 'Quarterly report', { size: 24, weight: 'bold' }),
    `<line x1="40" y1="62" x2="560" y2="62" stroke="#333" stroke-width="2"/>`,
    ...Array.from({ length: 5 }, (_, i) => svgText(40, 92 + i * 20, LOREM.slice(0, 70 - i * 6), { size: 13 })),
    ...Array.from({ length: 6 }, (_, row) => [0, 1, 2].map((col) => {
      const x = 40 + col * 175;
      const y = 210 + row * 32;
      return `<rect x="${x}" y="${y}" width="175" height="32" fill="${row === 0 ? '#dde3ea' : '#ffffff'}" stroke="#555"/>${svgText(x + 10, y + 21, row === 0 ? ['Item', 'Amount', 'Change'][col]! : `${escapeXml(String((row * 37 + col * 11) % 97))}.${row}${col}`, { size: 13 })}`;
    }).join('')),
    svgText(40, 430, 'Page 1 of 3', { size: 11, fill: '#555' }),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><rect width="100%" height="100%" fill="#fbfbf8"/>${body.join('')}</svg>`;
}

/** The probe images, named by what they are. */
export async function nonDermoscopyProbes(): Promise<Probe[]> {
  const noise = createRng(7);
  const flat = (name: string, rgb: readonly [number, number, number]): Probe => ({ name: `flat ${name}`, image: filled(() => rgb) });
  const blocks = Array.from({ length: 19 * 15 }, () => [noise.int(0, 255), noise.int(0, 255), noise.int(0, 255)] as const);
  return [
    flat('grey', [128, 128, 128]),
    flat('white', [255, 255, 255]),
    flat('black', [0, 0, 0]),
    flat('red', [200, 30, 30]),
    flat('skin', [225, 180, 160]),
    { name: 'colour noise', image: filled(() => [noise.int(0, 255), noise.int(0, 255), noise.int(0, 255)]) },
    { name: 'grey noise', image: filled(() => { const v = noise.int(0, 255); return [v, v, v]; }) },
    { name: 'block noise', image: filled((x, y) => blocks[Math.floor(y / 32) * 19 + Math.floor(x / 32)]!) },
    { name: 'horizontal gradient', image: filled((x) => { const v = Math.round((255 * x) / (WIDTH - 1)); return [v, v, v]; }) },
    { name: 'vertical colour gradient', image: filled((_, y) => { const t = y / (HEIGHT - 1); return [Math.round(255 * t), Math.round(200 * t), Math.round(255 * (1 - t))]; }) },
    { name: 'radial gradient', image: filled((x, y) => { const v = Math.round(255 * Math.min(1, Math.hypot(x - WIDTH / 2, y - HEIGHT / 2) / 300)); return [v, v, 255 - v]; }) },
    { name: 'text', image: await rasterise(textSvg()) },
    { name: 'document', image: await rasterise(documentSvg()) },
  ];
}
