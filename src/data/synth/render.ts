/**
 * Renders one synthetic dermoscopy photograph and its lesion mask: skin with texture and uneven
 * lighting, a lesion drawn by its class recipe, then what real pictures add on top: hairs, ruler
 * marks, the dermatoscope's dark circular vignette, sensor grain and slight softness.
 *
 * A lesion is identified by its own seed (shape, colours, structures, patient skin tone); each
 * photograph of it has a shot seed (position, turn, zoom, hairs, lighting). Two shots of one lesion
 * therefore look like two photos of the same thing, which is what grouped splits must keep together.
 */
import type { HamClass } from '../../models/config.js';
import type { GrayImage, RgbImage } from '../../image/types.js';
import { gaussianBlur } from '../photometric.js';
import { createRng, mixSeed, type Rng } from '../random.js';
import { Canvas, smoothstep, type Rgb } from './canvas.js';
import { lesionPoint, type LesionGeometry } from './geometry.js';
import { RECIPES, type LesionTraits } from './lesions.js';
import { fbm, valueNoise } from './noise.js';

export interface LesionSpec {
  dx: HamClass;
  seed: number;
}

export interface RenderOptions {
  width: number;
  height: number;
  lesion: LesionSpec;
  /** Seed of this photograph of the lesion. */
  shotSeed: number;
  /** Force or forbid the artefacts (default: random per shot). */
  hairs?: number;
  vignette?: boolean;
  ruler?: boolean;
}

/** Skin under dermoscopy: pale pink to tan, some with the purple cast of polarised light. */
const SKIN_TONES: Rgb[] = [
  [238, 202, 192],
  [232, 182, 162],
  [224, 166, 146],
  [240, 216, 206],
  [222, 176, 164],
  [214, 186, 196],
  [206, 156, 128],
];

function lesionGeometry(spec: LesionSpec, shot: Rng, width: number, height: number): { geometry: LesionGeometry; traits: LesionTraits; softness: number } {
  const recipe = RECIPES[spec.dx];
  const own = createRng(mixSeed(spec.seed, 1));
  const short = Math.min(width, height);
  const harmonicCount = own.int(2, recipe.maxHarmonic);
  const budget = own.uniform(recipe.irregularity[0], recipe.irregularity[1]);
  const weights = Array.from({ length: harmonicCount }, () => own.uniform(0.3, 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const harmonics = weights.map((w, i) => ({ k: i + 2, amplitude: (budget * w) / total, phase: own.uniform(0, 2 * Math.PI) }));
  const geometry: LesionGeometry = {
    cx: width * (0.5 + own.uniform(-0.1, 0.1) + shot.uniform(-0.04, 0.04)),
    cy: height * (0.5 + own.uniform(-0.1, 0.1) + shot.uniform(-0.04, 0.04)),
    radius: short * own.uniform(recipe.radius[0], recipe.radius[1]) * shot.uniform(0.92, 1.08),
    angle: own.uniform(0, Math.PI) + shot.uniform(-0.3, 0.3),
    elongation: own.uniform(recipe.elongation[0], recipe.elongation[1]),
    harmonics,
  };
  const traits: LesionTraits = { seed: mixSeed(spec.seed, 2), tone: own.uniform(0.88, 1.06), a: own.next(), b: own.next(), c: own.next() };
  return { geometry, traits, softness: own.uniform(recipe.softness[0], recipe.softness[1]) };
}

const FRECKLE: Rgb = [188, 136, 106];

function paintSkin(canvas: Canvas, base: Rgb, rng: Rng): void {
  const { width: w, height: h } = canvas;
  const seed = rng.int(0, 1e9);
  const lineAngle = rng.uniform(0, Math.PI);
  const lc = Math.cos(lineAngle);
  const ls = Math.sin(lineAngle);
  const speckle = rng.chance(0.4) ? rng.uniform(0.15, 0.35) : 0;
  const gain = rng.uniform(0.94, 1.04);
  const large = w * 0.3;
  const small = Math.max(1.5, w * 0.012);
  const dot = Math.max(1.2, w * 0.007);
  const lineSpacing = Math.max(2, w * 0.018);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const low = fbm(x / large, y / large, seed, 3);
      const redness = fbm(x / large + 40, y / large, seed + 7, 2);
      const grainy = valueNoise(x / small, y / small, seed + 13) - 0.5;
      const furrow = Math.abs(Math.sin((x * lc + y * ls) / lineSpacing + low * 14));
      const k = gain * (0.88 + 0.2 * low) * (1 - 0.018 * smoothstep(0.4, 0, furrow)) + grainy * 0.05;
      const i = y * w + x;
      canvas.r[i] = base[0] * k;
      canvas.g[i] = base[1] * k * (1 - 0.08 * redness);
      canvas.b[i] = base[2] * k * (1 - 0.1 * redness);
      if (speckle > 0) canvas.blend(i, FRECKLE, smoothstep(0.8, 0.9, valueNoise(x / dot, y / dot, seed + 21)) * speckle);
    }
  }
}

/** Paints the lesion; returns its soft coverage (for clipping structures) and the binary mask. */
function paintLesion(canvas: Canvas, spec: LesionSpec, shot: Rng): { coverage: Float32Array; mask: Uint8Array; geometry: LesionGeometry } {
  const { width: w, height: h } = canvas;
  const recipe = RECIPES[spec.dx];
  const { geometry, traits, softness } = lesionGeometry(spec, shot, w, h);
  const coverage = new Float32Array(w * h);
  const mask = new Uint8Array(w * h);
  const reach = geometry.radius * 2.2;
  const x0 = Math.max(0, Math.floor(geometry.cx - reach));
  const x1 = Math.min(w - 1, Math.ceil(geometry.cx + reach));
  const y0 = Math.max(0, Math.floor(geometry.cy - reach));
  const y1 = Math.min(h - 1, Math.ceil(geometry.cy + reach));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const p = lesionPoint(geometry, x, y);
      if (p.t > 1 + softness + 0.2) continue;
      const coarse = fbm(p.u * 1.8, p.v * 1.8, traits.seed, 4);
      // fine jaggedness of the border, on top of the smooth harmonics
      const t = p.t * (1 + (coarse - 0.5) * 0.12);
      const cov = 1 - smoothstep(1 - softness, 1 + softness, t);
      const i = y * w + x;
      if (t < 1) mask[i] = 255;
      if (cov <= 0) continue;
      coverage[i] = cov;
      const fine = fbm(p.u * 9, p.v * 9, traits.seed + 3, 2);
      p.t = t;
      canvas.blend(i, recipe.colour(p, { coarse, fine }, traits), cov * recipe.opacity);
    }
  }
  recipe.decorate(canvas, geometry, coverage, createRng(mixSeed(spec.seed, 3)));
  return { coverage, mask, geometry };
}

function paintHairs(canvas: Canvas, count: number, rng: Rng): void {
  const { width: w, height: h } = canvas;
  for (let i = 0; i < count; i++) {
    const x = rng.uniform(-0.1, 1.1) * w;
    const y = rng.uniform(-0.1, 1.1) * h;
    const angle = rng.uniform(0, 2 * Math.PI);
    const length = rng.uniform(0.3, 1) * w;
    const bend = rng.uniform(-0.25, 0.25) * length;
    const ex = x + Math.cos(angle) * length;
    const ey = y + Math.sin(angle) * length;
    // quadratic Bezier through a control point pushed sideways: a gently curved hair
    const qx = (x + ex) / 2 - Math.sin(angle) * bend;
    const qy = (y + ey) / 2 + Math.cos(angle) * bend;
    const points: [number, number][] = [];
    for (let s = 0; s <= 24; s++) {
      const t = s / 24;
      const a = (1 - t) * (1 - t);
      const b = 2 * (1 - t) * t;
      const c = t * t;
      points.push([a * x + b * qx + c * ex, a * y + b * qy + c * ey]);
    }
    const shade = rng.uniform(25, 70);
    canvas.stroke(points, Math.max(0.7, w * rng.uniform(0.002, 0.0045)), [shade, shade * 0.75, shade * 0.6], rng.uniform(0.75, 0.95));
  }
}

/** Millimetre ticks near one edge, as on the rulers laid beside lesions. */
function paintRuler(canvas: Canvas, rng: Rng): void {
  const { width: w, height: h } = canvas;
  const top = rng.chance(0.5);
  const y = top ? h * rng.uniform(0.1, 0.16) : h * rng.uniform(0.84, 0.9);
  const x0 = w * rng.uniform(0.15, 0.3);
  const x1 = w * rng.uniform(0.7, 0.85);
  const line = Math.max(0.8, w * 0.0025);
  const colour: Rgb = [45, 45, 52];
  canvas.stroke([[x0, y], [x1, y]], line, colour, 0.75);
  const step = Math.max(3, w * 0.022);
  const dir = top ? 1 : -1;
  for (let i = 0, x = x0; x <= x1; i++, x += step) {
    const len = (i % 5 === 0 ? 0.045 : 0.022) * h;
    canvas.stroke([[x, y], [x, y + dir * len]], line, colour, 0.75);
  }
}

/** The dark ring outside the dermatoscope's round field of view, plus its uneven lighting. */
function applyVignette(canvas: Canvas, rng: Rng): void {
  const { width: w, height: h } = canvas;
  const cx = w * (0.5 + rng.uniform(-0.03, 0.03));
  const cy = h * (0.5 + rng.uniform(-0.03, 0.03));
  const halfDiagonal = Math.hypot(w, h) / 2;
  const edge = rng.uniform(0.7, 0.92);
  const blur = rng.uniform(0.04, 0.1);
  const darkness = rng.uniform(0.85, 0.97);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - cx, y - cy) / halfDiagonal;
      const k = (1 - darkness * smoothstep(edge - blur, edge + blur, d)) * (1 - 0.12 * smoothstep(0.2, edge, d));
      const i = y * w + x;
      canvas.r[i]! *= k;
      canvas.g[i]! *= k;
      canvas.b[i]! *= k;
    }
  }
}

function addGrain(canvas: Canvas, rng: Rng, amount: number): void {
  for (let i = 0; i < canvas.r.length; i++) {
    const n = (rng.next() - 0.5) * amount;
    canvas.r[i]! += n;
    canvas.g[i]! += n;
    canvas.b[i]! += n;
  }
}

export function renderDermoscopy(opts: RenderOptions): { image: RgbImage; mask: GrayImage } {
  const { width, height, lesion } = opts;
  const shot = createRng(mixSeed(opts.shotSeed, 11));
  const patient = createRng(mixSeed(lesion.seed, 5));
  const canvas = new Canvas(width, height);
  const tone = patient.pick(SKIN_TONES);
  paintSkin(canvas, [tone[0] + patient.uniform(-8, 8), tone[1] + patient.uniform(-8, 8), tone[2] + patient.uniform(-8, 8)], shot);
  const { mask } = paintLesion(canvas, lesion, shot);
  paintHairs(canvas, opts.hairs ?? shot.pick([0, 0, 1, 2, 3, 5, 8, 12]), shot);
  if (opts.ruler ?? shot.chance(0.12)) paintRuler(canvas, shot);
  if (opts.vignette ?? shot.chance(0.5)) applyVignette(canvas, shot);
  addGrain(canvas, shot, 6);
  const image = gaussianBlur({ width, height, data: canvas.toRgb() }, Math.max(0.4, width / 900));
  return { image, mask: { width, height, data: mask } };
}
