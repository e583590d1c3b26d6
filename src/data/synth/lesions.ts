/**
 * One visual recipe per HAM10000 class, each built around the dermoscopic signs a dermatologist
 * names for it, exaggerated enough for a small CNN to tell the classes apart:
 * - nv: round, uniform brown, regular pigment network;
 * - mel: irregular, multi-coloured (black, browns, red), blue-white veil, regression, peripheral dots and streaks;
 * - bcc: translucent pink, arborizing red vessels, blue-grey ovoid nests;
 * - vasc: red/purple lobules (lacunae) separated by pale septa;
 * - df: small, light-brown delicate network around a central white scar-like patch;
 * - bkl: waxy tan, sharp border, cerebriform furrows, milia-like cysts and comedo-like openings;
 * - akiec: scaly red, ill-defined, white scale with a "strawberry" pattern of follicles.
 */
import type { HamClass } from '../../models/config.js';
import type { Rng } from '../random.js';
import { mix, smoothstep, type Canvas, type Rgb } from './canvas.js';
import { lesionPoint, pointAt, toImage, type LesionGeometry, type LesionPoint } from './geometry.js';
import { cellBorder, fbm } from './noise.js';

/** Per-lesion random choices the colour function uses. */
export interface LesionTraits {
  seed: number;
  /** Overall brightness of the pigment. */
  tone: number;
  /** Thresholds/positions for optional regions (veil, regression, blotch), each in [0, 1). */
  a: number;
  b: number;
  c: number;
}

/** Pattern samples at one lesion pixel: coarse and fine fractal noise in lesion coordinates. */
export interface PatternSample {
  coarse: number;
  fine: number;
}

export interface LesionRecipe {
  /** Mean radius as a fraction of the image's shorter side. */
  radius: [number, number];
  /** Summed amplitude of the boundary sinusoids, and the highest one used. */
  irregularity: [number, number];
  maxHarmonic: number;
  elongation: [number, number];
  /** Width of the fade at the border, in radius units. */
  softness: [number, number];
  /** Lesion opacity over the skin (translucent lesions let skin show). */
  opacity: number;
  colour(p: LesionPoint, s: PatternSample, traits: LesionTraits): Rgb;
  /** Discrete structures (dots, vessels, lobules) drawn over the lesion, clipped by `clip`. */
  decorate(canvas: Canvas, g: LesionGeometry, clip: Float32Array, rng: Rng): void;
}

const scale = (c: Rgb, k: number): Rgb => [c[0] * k, c[1] * k, c[2] * k];

/** Random point inside the lesion, depth in [t0, t1]. */
function inside(g: LesionGeometry, rng: Rng, t0 = 0, t1 = 0.95): [number, number] {
  return pointAt(g, Math.sqrt(rng.uniform(t0 * t0, t1 * t1)), rng.uniform(-Math.PI, Math.PI));
}

/** Dots of radius (fraction of lesion radius) in [r0, r1], colour from `colours`. */
function dots(canvas: Canvas, g: LesionGeometry, clip: Float32Array, rng: Rng, count: number, r0: number, r1: number, colours: Rgb[], opacity: number, t0 = 0, t1 = 0.95): void {
  for (let i = 0; i < count; i++) {
    const [x, y] = inside(g, rng, t0, t1);
    const r = Math.max(0.8, g.radius * rng.uniform(r0, r1));
    canvas.ellipse(x, y, r, r * rng.uniform(0.7, 1), rng.uniform(0, Math.PI), rng.pick(colours), opacity, Math.max(0.8, r * 0.4), clip);
  }
}

/**
 * A reticular (pigment) network: the borders of Worley cells, slightly warped by the coarse noise.
 * `frequency` is meshes per lesion radius; returns line strength 0..1.
 */
function network(p: LesionPoint, s: PatternSample, frequency: number, seed: number): number {
  return smoothstep(0.16, 0.03, cellBorder(p.u * frequency + s.coarse * 1.2, p.v * frequency - s.coarse * 1.2, seed));
}

/** A branching vessel: a wandering polyline that spawns thinner side branches. */
function vessel(canvas: Canvas, g: LesionGeometry, clip: Float32Array, rng: Rng, start: [number, number], angle: number, length: number, width: number, colour: Rgb, depth: number): void {
  const points: [number, number][] = [start];
  const steps = 10;
  let [x, y] = start;
  let heading = angle;
  for (let i = 0; i < steps; i++) {
    heading += rng.normal(0, 0.35);
    x += (Math.cos(heading) * length) / steps;
    y += (Math.sin(heading) * length) / steps;
    points.push([x, y]);
    if (depth > 0 && i > 1 && rng.chance(0.22)) {
      vessel(canvas, g, clip, rng, [x, y], heading + rng.pick([-1, 1]) * rng.uniform(0.5, 1.1), length * 0.5, width * 0.65, colour, depth - 1);
    }
  }
  canvas.stroke(points, width, colour, 0.85, clip);
}

const BROWN_DARK: Rgb = [105, 62, 42];
const BROWN_LIGHT: Rgb = [178, 124, 86];

export const RECIPES: Record<HamClass, LesionRecipe> = {
  nv: {
    radius: [0.2, 0.34],
    irregularity: [0.02, 0.06],
    maxHarmonic: 3,
    elongation: [1, 1.3],
    softness: [0.06, 0.14],
    opacity: 1,
    colour(p, s, tr) {
      const base = mix(BROWN_DARK, BROWN_LIGHT, smoothstep(0, 1.05, p.t) * 0.8 + (s.coarse - 0.5) * 0.3);
      const net = network(p, s, 6, tr.seed + 5) * (1 - smoothstep(0.75, 1, p.t)) * 0.45;
      return scale(mix(base, [80, 46, 30], net), tr.tone);
    },
    decorate(canvas, g, clip, rng) {
      if (rng.chance(0.4)) dots(canvas, g, clip, rng, rng.int(3, 8), 0.04, 0.07, [[100, 58, 38]], 0.6, 0, 0.5);
    },
  },
  mel: {
    radius: [0.25, 0.4],
    irregularity: [0.16, 0.3],
    maxHarmonic: 7,
    elongation: [1, 1.6],
    softness: [0.04, 0.12],
    opacity: 1,
    colour(p, s, tr) {
      const n = s.coarse;
      let c =
        n < 0.42 ? mix([42, 28, 28], BROWN_DARK, smoothstep(0.28, 0.42, n))
        : n < 0.58 ? mix(BROWN_DARK, BROWN_LIGHT, smoothstep(0.42, 0.58, n))
        : mix(BROWN_LIGHT, [146, 80, 70], smoothstep(0.58, 0.75, n));
      // eccentric dark blotch
      const bu = (tr.a - 0.5) * 0.9;
      const bv = (tr.b - 0.5) * 0.9;
      c = mix(c, [38, 26, 28], smoothstep(0.45, 0.1, Math.hypot(p.u - bu, p.v - bv)) * 0.8);
      // blue-white veil over part of the lesion
      const veil = smoothstep(0.55, 0.7, fbm(p.u * 1.3 + 11, p.v * 1.3 - 4, tr.seed + 17, 3));
      c = mix(c, [136, 146, 172], veil * 0.6);
      // regression: whitish scar-like areas with grey peppering
      const regression = smoothstep(0.58, 0.8, fbm(p.u * 1.6 - 7, p.v * 1.6 + 9, tr.seed + 29, 3)) * (0.35 + 0.35 * tr.c);
      c = mix(c, [214, 196, 196], regression);
      const net = network(p, s, 7 + tr.c * 3, tr.seed + 5) * 0.22 * (1 - veil) * (1 - regression) * smoothstep(0.3, 0.6, s.fine);
      return scale(mix(c, [50, 32, 28], net), tr.tone * (0.9 + 0.2 * s.fine));
    },
    decorate(canvas, g, clip, rng) {
      dots(canvas, g, clip, rng, rng.int(10, 30), 0.012, 0.035, [[40, 26, 26], [70, 40, 34], [88, 84, 104]], 0.85, 0.55, 1);
      // peppering: fine grey-blue granules
      dots(canvas, g, clip, rng, rng.int(20, 60), 0.006, 0.012, [[110, 110, 130]], 0.6, 0.2, 0.9);
      // streaks (pseudopods) radiating at the border
      const streaks = rng.int(4, 12);
      for (let i = 0; i < streaks; i++) {
        const theta = rng.uniform(-Math.PI, Math.PI);
        const start = pointAt(g, 0.82, theta);
        const end = pointAt(g, 1.02, theta + rng.normal(0, 0.03));
        canvas.stroke([start, end], Math.max(1, g.radius * 0.018), [60, 36, 30], 0.45, clip);
      }
    },
  },
  bcc: {
    radius: [0.2, 0.34],
    irregularity: [0.06, 0.14],
    maxHarmonic: 5,
    elongation: [1, 1.5],
    softness: [0.15, 0.3],
    opacity: 0.8,
    colour(_p, s, tr) {
      const c = mix([228, 150, 158], [246, 214, 212], smoothstep(0.3, 0.8, s.coarse));
      return scale(mix(c, [252, 242, 242], smoothstep(0.72, 0.85, s.fine) * 0.7), tr.tone);
    },
    decorate(canvas, g, clip, rng) {
      const trees = rng.int(3, 6);
      for (let i = 0; i < trees; i++) {
        vessel(canvas, g, clip, rng, inside(g, rng, 0, 0.8), rng.uniform(-Math.PI, Math.PI), g.radius * rng.uniform(0.6, 1.1), Math.max(1, g.radius * 0.035), [172, 22, 48], 2);
      }
      const nests = rng.int(2, 6);
      for (let i = 0; i < nests; i++) {
        const [x, y] = inside(g, rng, 0, 0.8);
        const r = g.radius * rng.uniform(0.07, 0.16);
        canvas.ellipse(x, y, r, r * rng.uniform(0.5, 0.8), rng.uniform(0, Math.PI), [88, 98, 128], 0.75, Math.max(1, r * 0.35), clip);
      }
      if (rng.chance(0.3)) dots(canvas, g, clip, rng, 1, 0.1, 0.18, [[118, 38, 34]], 0.8, 0, 0.4);
    },
  },
  vasc: {
    radius: [0.14, 0.26],
    irregularity: [0.06, 0.12],
    maxHarmonic: 9,
    elongation: [1, 1.4],
    softness: [0.05, 0.1],
    opacity: 1,
    colour(_p, s, tr) {
      return scale(mix([205, 112, 130], [236, 198, 204], smoothstep(0.3, 0.75, s.coarse) * 0.7), tr.tone);
    },
    decorate(canvas, g, clip, rng) {
      const lobules = rng.int(10, 24);
      const colours: Rgb[] = [[192, 30, 62], [160, 22, 52], [132, 36, 92], [104, 30, 82]];
      for (let i = 0; i < lobules; i++) {
        const [x, y] = inside(g, rng, 0, 0.9);
        const r = g.radius * rng.uniform(0.13, 0.3);
        canvas.ellipse(x, y, r, r * rng.uniform(0.7, 1), rng.uniform(0, Math.PI), rng.pick(colours), 0.92, Math.max(1, r * 0.25), clip);
      }
      dots(canvas, g, clip, rng, rng.int(0, 3), 0.05, 0.1, [[62, 20, 42]], 0.8, 0, 0.7);
    },
  },
  df: {
    radius: [0.13, 0.22],
    irregularity: [0.03, 0.08],
    maxHarmonic: 4,
    elongation: [1, 1.4],
    softness: [0.25, 0.4],
    opacity: 0.9,
    colour(p, s, tr) {
      const ring = mix([156, 102, 76], [186, 136, 112], smoothstep(0.6, 1, p.t));
      const c = mix(ring, [140, 92, 70], network(p, s, 8, tr.seed + 5) * 0.4);
      const centre = 1 - smoothstep(0.25, 0.5, p.t + (s.coarse - 0.5) * 0.35);
      return scale(mix(c, [240, 226, 224], centre * 0.95), tr.tone);
    },
    decorate() {},
  },
  bkl: {
    radius: [0.22, 0.38],
    irregularity: [0.06, 0.14],
    maxHarmonic: 6,
    elongation: [1, 1.6],
    softness: [0.02, 0.06],
    opacity: 1,
    colour(p, s, tr) {
      const c = mix([200, 154, 108], [160, 114, 76], s.coarse);
      const ridges = Math.abs(Math.sin(p.u * 8 + s.coarse * 7) * Math.sin(p.v * 8 - s.coarse * 7));
      const furrow = smoothstep(0.25, 0, ridges) * 0.55;
      return scale(mix(mix(c, [118, 80, 56], furrow), [226, 196, 160], smoothstep(0.75, 0.9, s.fine) * 0.4), tr.tone);
    },
    decorate(canvas, g, clip, rng) {
      dots(canvas, g, clip, rng, rng.int(3, 12), 0.025, 0.05, [[246, 240, 224]], 0.85);
      dots(canvas, g, clip, rng, rng.int(2, 8), 0.025, 0.05, [[78, 50, 36]], 0.85);
    },
  },
  akiec: {
    radius: [0.22, 0.38],
    irregularity: [0.08, 0.18],
    maxHarmonic: 6,
    elongation: [1, 1.5],
    softness: [0.3, 0.45],
    opacity: 0.88,
    colour(p, s, tr) {
      const c = mix([206, 98, 98], [176, 70, 76], s.coarse);
      const scaleAmount = smoothstep(0.56, 0.7, fbm(p.u * 2.5 + 3, p.v * 2.5 - 5, tr.seed + 41, 4));
      return scale(mix(c, [242, 232, 212], scaleAmount * 0.85), tr.tone);
    },
    decorate(canvas, g, clip, rng) {
      // strawberry pattern: white follicular openings with a red halo on a jittered grid
      const step = 0.25;
      const r = Math.max(0.8, g.radius * 0.028);
      for (let u = -1.3; u <= 1.3; u += step) {
        for (let v = -1.3; v <= 1.3; v += step) {
          const [x, y] = toImage(g, u + rng.uniform(-0.08, 0.08), v + rng.uniform(-0.08, 0.08));
          if (rng.chance(0.3) || lesionPoint(g, x, y).t > 1) continue;
          canvas.ellipse(x, y, r * 2, r * 2, 0, [196, 60, 66], 0.4, r, clip);
          canvas.ellipse(x, y, r, r, 0, [248, 236, 228], 0.65, Math.max(0.8, r * 0.4), clip);
        }
      }
      const vessels = rng.int(3, 8);
      for (let i = 0; i < vessels; i++) vessel(canvas, g, clip, rng, inside(g, rng), rng.uniform(-Math.PI, Math.PI), g.radius * 0.3, Math.max(1, g.radius * 0.02), [180, 40, 52], 0);
    },
  },
};
