/**
 * Report charts as SVG strings (rasterised with sharp/librsvg by `svgToPng`). Text uses DejaVu Sans,
 * which is installed with the system fonts, so labels render the same on every machine we run on.
 */
import sharp from 'sharp';
import type { ReliabilityBin } from './calibration.js';

export const FONT_FAMILY = 'DejaVu Sans';

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

interface TextOptions {
  size?: number;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
  fill?: string;
  rotate?: number;
  /** White outline behind the glyphs, for text that may sit on a line. */
  halo?: boolean;
}

export function svgText(x: number, y: number, text: string, options: TextOptions = {}): string {
  const { size = 13, anchor = 'start', weight = 'normal', fill = '#222', rotate, halo = false } = options;
  const transform = rotate === undefined ? '' : ` transform="rotate(${rotate} ${x} ${y})"`;
  const outline = halo ? ' stroke="#ffffff" stroke-width="3" paint-order="stroke"' : '';
  return `<text x="${x}" y="${y}" font-family="${FONT_FAMILY}" font-size="${size}" font-weight="${weight}" fill="${fill}" text-anchor="${anchor}"${transform}${outline}>${escapeXml(text)}</text>`;
}

function svgDocument(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** Counts up to 99 999 in full, larger ones as 123k / 1.23M so they fit a heatmap cell. */
export function compactCount(count: number): string {
  if (count < 100_000) return String(count);
  if (count < 1_000_000) return `${Math.round(count / 1000)}k`;
  return `${(count / 1_000_000).toPrecision(3)}M`;
}

/** White -> dark blue as `fraction` goes 0 -> 1. */
function blueScale(fraction: number): string {
  const from = [247, 251, 255];
  const to = [8, 48, 107];
  const channel = (i: number) => Math.round(from[i]! + (to[i]! - from[i]!) * fraction);
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

/**
 * Confusion matrix heatmap: rows = truth, columns = prediction. Each cell shows its count and its
 * share of the row; the colour is that row share, so rare classes are as readable as common ones.
 */
export function confusionHeatmapSvg(labels: readonly string[], matrix: readonly (readonly number[])[], title: string): string {
  const cell = labels.length > 4 ? 64 : 96;
  const left = 130;
  const top = 80;
  const grid = cell * labels.length;
  // Wide enough for the title and footnote even with only two classes.
  const width = Math.max(left + grid + 30, 480);
  const height = top + grid + 70;
  const body = [svgText(width / 2, 28, title, { size: 17, anchor: 'middle', weight: 'bold' })];
  body.push(svgText(left + grid / 2, 56, 'Predicted class', { size: 13, anchor: 'middle' }));
  body.push(svgText(22, top + grid / 2, 'True class', { size: 13, anchor: 'middle', rotate: -90 }));
  matrix.forEach((row, t) => {
    const rowTotal = row.reduce((a, b) => a + b, 0);
    body.push(svgText(left - 10, top + t * cell + cell / 2 + 5, labels[t]!, { anchor: 'end' }));
    row.forEach((count, p) => {
      const share = rowTotal === 0 ? 0 : count / rowTotal;
      const x = left + p * cell;
      const y = top + t * cell;
      const ink = share > 0.5 ? '#ffffff' : '#111111';
      body.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blueScale(share)}" stroke="#888" stroke-width="0.5"/>`);
      body.push(svgText(x + cell / 2, y + cell / 2, compactCount(count), { anchor: 'middle', weight: 'bold', fill: ink, size: 13 }));
      body.push(svgText(x + cell / 2, y + cell / 2 + 16, `${(share * 100).toFixed(0)}%`, { anchor: 'middle', fill: ink, size: 10 }));
    });
  });
  labels.forEach((label, p) => body.push(svgText(left + p * cell + cell / 2, top + grid + 20, label, { anchor: 'middle' })));
  body.push(svgText(left, top + grid + 50, 'Colour and % = share of the true-class row', { size: 11, fill: '#555' }));
  return svgDocument(width, height, body);
}

export interface Bar {
  label: string;
  /** In [0, 1]. */
  value: number;
  /** Drawn under the label, e.g. the support. */
  note?: string;
  highlight?: boolean;
}

/** Vertical bars on a fixed 0..1 axis, value printed above each bar. */
export function barChartSvg(bars: readonly Bar[], title: string, yLabel: string): string {
  const left = 70;
  const top = 60;
  const plotHeight = 300;
  const slot = 72;
  const width = left + slot * bars.length + 30;
  const height = top + plotHeight + 70;
  const body = [svgText(width / 2, 28, title, { size: 17, anchor: 'middle', weight: 'bold' })];
  body.push(svgText(20, top + plotHeight / 2, yLabel, { anchor: 'middle', rotate: -90 }));
  for (let tick = 0; tick <= 5; tick++) {
    const value = tick / 5;
    const y = top + plotHeight * (1 - value);
    body.push(`<line x1="${left}" y1="${y}" x2="${width - 30}" y2="${y}" stroke="#ddd"/>`);
    body.push(svgText(left - 8, y + 4, value.toFixed(1), { size: 11, anchor: 'end', fill: '#555' }));
  }
  bars.forEach((bar, i) => {
    const value = Math.min(1, Math.max(0, bar.value));
    const barHeight = plotHeight * value;
    const x = left + i * slot + 12;
    const y = top + plotHeight - barHeight;
    body.push(`<rect x="${x}" y="${y}" width="${slot - 24}" height="${barHeight}" fill="${bar.highlight ? '#c0392b' : '#2c7fb8'}"/>`);
    body.push(svgText(x + (slot - 24) / 2, y - 6, bar.value.toFixed(2), { size: 11, anchor: 'middle' }));
    body.push(svgText(x + (slot - 24) / 2, top + plotHeight + 20, bar.label, { anchor: 'middle', weight: bar.highlight ? 'bold' : 'normal' }));
    if (bar.note) body.push(svgText(x + (slot - 24) / 2, top + plotHeight + 38, bar.note, { size: 10, anchor: 'middle', fill: '#555' }));
  });
  body.push(`<line x1="${left}" y1="${top + plotHeight}" x2="${width - 30}" y2="${top + plotHeight}" stroke="#333"/>`);
  return svgDocument(width, height, body);
}

/** Counts of `values` (each in [0, 1]) in `bins` equal bins; 1.0 falls in the last bin. */
export function histogramCounts(values: readonly number[], bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const value of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(value * bins)))]!++;
  return counts;
}

/** Histogram of values in [0, 1] with a dashed line at `mean`. */
export function histogramSvg(values: readonly number[], title: string, xLabel: string, mean: number, bins = 20): string {
  const counts = histogramCounts(values, bins);
  const maxCount = Math.max(1, ...counts);
  const left = 70;
  const top = 76;
  const plotWidth = 600;
  const plotHeight = 300;
  const width = left + plotWidth + 30;
  const height = top + plotHeight + 60;
  const binWidth = plotWidth / bins;
  const body = [svgText(width / 2, 28, title, { size: 17, anchor: 'middle', weight: 'bold' })];
  body.push(svgText(20, top + plotHeight / 2, 'Images', { anchor: 'middle', rotate: -90 }));
  body.push(svgText(left + plotWidth / 2, height - 12, xLabel, { anchor: 'middle' }));
  const labels: string[] = [];
  counts.forEach((count, i) => {
    const barHeight = (plotHeight * count) / maxCount;
    const x = left + i * binWidth;
    body.push(`<rect x="${x + 1}" y="${top + plotHeight - barHeight}" width="${binWidth - 2}" height="${barHeight}" fill="#2c7fb8"/>`);
    if (count > 0) labels.push(svgText(x + binWidth / 2, top + plotHeight - barHeight - 4, String(count), { size: 10, anchor: 'middle', halo: true }));
  });
  // Bars, then the mean line, then the counts (haloed) so neither hides the other.
  const meanX = left + plotWidth * Math.min(1, Math.max(0, mean));
  body.push(`<line x1="${meanX}" y1="${top - 18}" x2="${meanX}" y2="${top + plotHeight}" stroke="#c0392b" stroke-dasharray="5,4" stroke-width="2"/>`);
  body.push(svgText(meanX, top - 24, `mean ${mean.toFixed(3)}`, { size: 12, fill: '#c0392b', anchor: 'middle' }));
  body.push(...labels);
  for (let tick = 0; tick <= 10; tick++) {
    const x = left + (plotWidth * tick) / 10;
    body.push(`<line x1="${x}" y1="${top + plotHeight}" x2="${x}" y2="${top + plotHeight + 5}" stroke="#333"/>`);
    body.push(svgText(x, top + plotHeight + 18, (tick / 10).toFixed(1), { size: 11, anchor: 'middle', fill: '#555' }));
  }
  body.push(`<line x1="${left}" y1="${top + plotHeight}" x2="${left + plotWidth}" y2="${top + plotHeight}" stroke="#333"/>`);
  return svgDocument(width, height, body);
}

/**
 * Reliability diagram (Guo et al. 2017): per confidence bin a bar at the accuracy of the top
 * class, a dot at the mean confidence, the diagonal a calibrated model would follow, and below
 * the axis the share of predictions in each bin. Empty bins draw nothing.
 */
export function reliabilityDiagramSvg(bins: readonly ReliabilityBin[], title: string, subtitle: string): string {
  const top = 76;
  const plot = 360;
  const shareHeight = 60;
  // Wide enough for the title (report titles name the model and the data), the plot centred.
  const width = Math.max(470, Math.ceil(title.length * 10) + 40);
  const left = Math.max(70, (width - plot) / 2);
  const height = top + plot + shareHeight + 70;
  const x = (v: number) => left + plot * v;
  const y = (v: number) => top + plot * (1 - v);
  const body = [svgText(width / 2, 28, title, { size: 17, anchor: 'middle', weight: 'bold' }), svgText(width / 2, 50, subtitle, { size: 12, anchor: 'middle', fill: '#555' })];
  for (let tick = 0; tick <= 5; tick++) {
    const v = tick / 5;
    body.push(`<line x1="${x(0)}" y1="${y(v)}" x2="${x(1)}" y2="${y(v)}" stroke="#eee"/>`);
    body.push(svgText(left - 8, y(v) + 4, v.toFixed(1), { size: 11, anchor: 'end', fill: '#555' }));
    body.push(svgText(x(v), top + plot + 18, v.toFixed(1), { size: 11, anchor: 'middle', fill: '#555' }));
  }
  body.push(svgText(left - 50, top + plot / 2, 'Accuracy of the top class', { anchor: 'middle', rotate: -90 }));
  body.push(svgText(left + plot / 2, top + plot + 38, 'Confidence (top-class probability)', { anchor: 'middle' }));
  const maxWeight = Math.max(1e-9, ...bins.map((b) => b.weight));
  let lower = 0;
  for (const b of bins) {
    const barWidth = x(b.upTo) - x(lower);
    if (b.weight > 0) {
      body.push(`<rect x="${x(lower) + 1}" y="${y(b.accuracy)}" width="${barWidth - 2}" height="${plot * b.accuracy}" fill="#2c7fb8" fill-opacity="0.8"/>`);
      body.push(`<circle cx="${x(lower) + barWidth / 2}" cy="${y(b.confidence)}" r="3.5" fill="#c0392b"/>`);
      const share = (shareHeight * b.weight) / maxWeight;
      body.push(`<rect x="${x(lower) + 1}" y="${top + plot + shareHeight + 50 - share}" width="${barWidth - 2}" height="${share}" fill="#888"/>`);
    }
    lower = b.upTo;
  }
  body.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#333" stroke-dasharray="5,4"/>`);
  body.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(0)}" stroke="#333"/>`);
  body.push(svgText(x(0), top + plot + shareHeight + 64, 'grey: images per bin; red dots: mean confidence; dashed: calibrated', { size: 10, fill: '#555' }));
  return svgDocument(width, height, body);
}
