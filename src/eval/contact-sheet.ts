/**
 * Worst-case contact sheets: a white SVG canvas with captions, and the case images composited on
 * it by sharp. Images come from memory (already thumbnails when kept by a WorstXxxCases) or from
 * files, which are read here, one tile at a time.
 */
import sharp from 'sharp';
import type { GrayImage } from '../image/types.js';
import { svgText } from './charts.js';
import type { ClsCase, ImageSource, MaskSource, SegCase } from './worst-cases.js';

export const RESEARCH_DISCLAIMER = 'Research use only — not a medical device; not for diagnosis.';

/** Padding colour around tiles whose aspect is not square, distinct from black mask background. */
const PAD_COLOUR = { r: 220, g: 220, b: 220 };

async function imageTile(source: ImageSource, side: number): Promise<Buffer> {
  const input =
    typeof source === 'string'
      ? sharp(source)
      : sharp(Buffer.from(source.data.buffer, source.data.byteOffset, source.data.byteLength), {
          raw: { width: source.width, height: source.height, channels: 3 },
        });
  try {
    return await input.removeAlpha().resize(side, side, { fit: 'contain', background: PAD_COLOUR }).png().toBuffer();
  } catch (error) {
    throw new Error(`contact sheet: cannot read image ${typeof source === 'string' ? source : `(${source.width}x${source.height} in memory)`}: ${(error as Error).message}`);
  }
}

async function readMask(path: string): Promise<GrayImage> {
  try {
    const { data, info } = await sharp(path).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height) };
  } catch (error) {
    throw new Error(`contact sheet: cannot read mask ${path}: ${(error as Error).message}`);
  }
}

/** Masks may hold 0/1 or 0/255; both are drawn black/white, scaled with nearest neighbour. */
async function maskTile(source: MaskSource, side: number): Promise<Buffer> {
  const mask = typeof source === 'string' ? await readMask(source) : source;
  const binary = Buffer.from(mask.data.map((v) => (v === 0 ? 0 : 255)));
  return sharp(binary, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .resize(side, side, { fit: 'contain', background: PAD_COLOUR, kernel: 'nearest' })
    .png()
    .toBuffer();
}

/** Keeps long ids from running into the neighbouring tile. */
function shorten(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

interface PlacedTile {
  input: Buffer;
  left: number;
  top: number;
}

async function renderSheet(width: number, height: number, svgBody: string[], tiles: PlacedTile[]): Promise<Buffer> {
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...svgBody,
    '</svg>',
  ].join('\n');
  return sharp(Buffer.from(svg)).composite(tiles).png().toBuffer();
}

const HEADER_HEIGHT = 64;
const MARGIN = 16;

function header(title: string): string[] {
  return [
    svgText(MARGIN, 28, title, { size: 17, weight: 'bold' }),
    svgText(MARGIN, 48, RESEARCH_DISCLAIMER, { size: 12, fill: '#a00' }),
  ];
}


/** Rows of image | truth | prediction triplets, two triplets per row, worst first. */
export async function segContactSheet(cases: readonly SegCase[], title: string): Promise<Buffer> {
  const tile = 160;
  const gap = 6;
  const caption = 22;
  const tripletWidth = 3 * tile + 2 * gap;
  const columns = 2;
  const columnGap = 28;
  const width = 2 * MARGIN + columns * tripletWidth + (columns - 1) * columnGap;
  const rows = Math.max(1, Math.ceil(cases.length / columns));
  const rowHeight = caption + tile + 14;
  const height = HEADER_HEIGHT + 20 + rows * rowHeight + MARGIN;
  const body = header(title);
  const tiles: PlacedTile[] = [];
  for (let column = 0; column < Math.min(columns, Math.max(1, cases.length)); column++) {
    const x = MARGIN + column * (tripletWidth + columnGap);
    ['image', 'truth', 'prediction'].forEach((name, i) => {
      body.push(svgText(x + i * (tile + gap) + tile / 2, HEADER_HEIGHT + 10, name, { size: 11, anchor: 'middle', fill: '#555' }));
    });
  }
  if (cases.length === 0) body.push(svgText(width / 2, HEADER_HEIGHT + 20 + rowHeight / 2, 'No cases supplied', { size: 15, anchor: 'middle' }));
  for (const [rank, segCase] of cases.entries()) {
    const x = MARGIN + (rank % columns) * (tripletWidth + columnGap);
    const y = HEADER_HEIGHT + 20 + Math.floor(rank / columns) * rowHeight;
    body.push(svgText(x, y + 15, `${rank + 1}. ${shorten(segCase.id, 48)} — Dice ${segCase.dice.toFixed(3)}`, { size: 13 }));
    const [image, truth, prediction] = await Promise.all([
      imageTile(segCase.image, tile),
      maskTile(segCase.truth, tile),
      maskTile(segCase.prediction, tile),
    ]);
    [image, truth, prediction].forEach((input, i) => tiles.push({ input, left: x + i * (tile + gap), top: y + caption }));
  }
  return renderSheet(width, height, body, tiles);
}

/** A grid of the most confidently wrong images, with true and predicted labels. */
export async function clsContactSheet(cases: readonly ClsCase[], title: string): Promise<Buffer> {
  const tile = 192;
  const gap = 14;
  const caption = 40;
  const columns = 4;
  const width = 2 * MARGIN + columns * tile + (columns - 1) * gap;
  const rows = Math.max(1, Math.ceil(cases.length / columns));
  const rowHeight = tile + caption + gap;
  const height = HEADER_HEIGHT + rows * rowHeight + MARGIN;
  const body = header(title);
  const tiles: PlacedTile[] = [];
  if (cases.length === 0) body.push(svgText(width / 2, HEADER_HEIGHT + rowHeight / 2, 'No misclassified cases', { size: 15, anchor: 'middle' }));
  for (const [rank, clsCase] of cases.entries()) {
    const x = MARGIN + (rank % columns) * (tile + gap);
    const y = HEADER_HEIGHT + Math.floor(rank / columns) * rowHeight;
    tiles.push({ input: await imageTile(clsCase.image, tile), left: x, top: y });
    body.push(svgText(x, y + tile + 16, `${rank + 1}. ${shorten(clsCase.id, 26)}`, { size: 12 }));
    body.push(
      svgText(x, y + tile + 33, `true ${clsCase.trueLabel} → pred ${clsCase.predictedLabel} (${clsCase.confidence.toFixed(2)})`, { size: 11, weight: 'bold' }),
    );
  }
  return renderSheet(width, height, body, tiles);
}
