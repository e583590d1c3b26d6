/** A float RGB drawing surface with the few anti-aliased primitives the synthetic renderer needs. */

export type Rgb = [number, number, number];

export class Canvas {
  readonly r: Float32Array;
  readonly g: Float32Array;
  readonly b: Float32Array;
  /** Per-pixel coverage of the shape being drawn (kept zero between draws). */
  private readonly coverage: Float32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const n = width * height;
    this.r = new Float32Array(n);
    this.g = new Float32Array(n);
    this.b = new Float32Array(n);
    this.coverage = new Float32Array(n);
  }

  /** Mixes colour `c` into pixel `i` with weight `alpha` (0..1). */
  blend(i: number, c: Rgb, alpha: number): void {
    if (alpha <= 0) return;
    const a = alpha > 1 ? 1 : alpha;
    this.r[i] += (c[0] - this.r[i]!) * a;
    this.g[i] += (c[1] - this.g[i]!) * a;
    this.b[i] += (c[2] - this.b[i]!) * a;
  }

  /** Blends the accumulated coverage in a box with `c`, scaled by `opacity` and `clip` (0..1 per pixel), then clears it. */
  private flush(x0: number, y0: number, x1: number, y1: number, c: Rgb, opacity: number, clip?: Float32Array): void {
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * this.width + x;
        const cov = this.coverage[i]!;
        if (cov > 0) {
          this.blend(i, c, cov * opacity * (clip ? clip[i]! : 1));
          this.coverage[i] = 0;
        }
      }
    }
  }

  private box(xMin: number, yMin: number, xMax: number, yMax: number): [number, number, number, number] | null {
    const x0 = Math.max(0, Math.floor(xMin));
    const y0 = Math.max(0, Math.floor(yMin));
    const x1 = Math.min(this.width - 1, Math.ceil(xMax));
    const y1 = Math.min(this.height - 1, Math.ceil(yMax));
    return x0 > x1 || y0 > y1 ? null : [x0, y0, x1, y1];
  }

  /** Filled ellipse (radii rx, ry, rotated by `angle`) with a soft edge `softness` pixels wide. */
  ellipse(cx: number, cy: number, rx: number, ry: number, angle: number, c: Rgb, opacity: number, softness = 1, clip?: Float32Array): void {
    const reach = Math.max(rx, ry) + softness;
    const box = this.box(cx - reach, cy - reach, cx + reach, cy + reach);
    if (!box) return;
    const [x0, y0, x1, y1] = box;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x - cx;
        const dy = y - cy;
        const u = (dx * cos + dy * sin) / rx;
        const v = (-dx * sin + dy * cos) / ry;
        // distance to the edge in pixels, approximately: (1 - normalised radius) * mean radius
        const inside = (1 - Math.sqrt(u * u + v * v)) * Math.min(rx, ry);
        const cov = Math.min(1, Math.max(0, inside / softness + 0.5));
        const i = y * this.width + x;
        if (cov > this.coverage[i]!) this.coverage[i] = cov;
      }
    }
    this.flush(x0, y0, x1, y1, c, opacity, clip);
  }

  /** Polyline of `width` pixels with anti-aliased sides; joints are not double-painted. */
  stroke(points: readonly [number, number][], width: number, c: Rgb, opacity: number, clip?: Float32Array): void {
    const half = width / 2;
    let bx0 = Infinity, by0 = Infinity, bx1 = -Infinity, by1 = -Infinity;
    for (let s = 0; s + 1 < points.length; s++) {
      const [ax, ay] = points[s]!;
      const [qx, qy] = points[s + 1]!;
      const box = this.box(Math.min(ax, qx) - half - 1, Math.min(ay, qy) - half - 1, Math.max(ax, qx) + half + 1, Math.max(ay, qy) + half + 1);
      if (!box) continue;
      const [x0, y0, x1, y1] = box;
      bx0 = Math.min(bx0, x0);
      by0 = Math.min(by0, y0);
      bx1 = Math.max(bx1, x1);
      by1 = Math.max(by1, y1);
      const ex = qx - ax;
      const ey = qy - ay;
      const len2 = ex * ex + ey * ey || 1;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const t = Math.max(0, Math.min(1, ((x - ax) * ex + (y - ay) * ey) / len2));
          const dx = x - (ax + t * ex);
          const dy = y - (ay + t * ey);
          // thin lines keep their darkness as reduced coverage rather than vanishing
          const cov = Math.min(1, Math.max(0, half + 0.5 - Math.sqrt(dx * dx + dy * dy))) * Math.min(1, width);
          const i = y * this.width + x;
          if (cov > this.coverage[i]!) this.coverage[i] = cov;
        }
      }
    }
    if (bx0 <= bx1) this.flush(bx0, by0, bx1, by1, c, opacity, clip);
  }

  /** 8-bit interleaved RGB, clamped and rounded (a clamped array, unlike Uint8Array, does not wrap 256 to 0). */
  toRgb(): Uint8Array {
    const n = this.width * this.height;
    const out = new Uint8ClampedArray(n * 3);
    for (let i = 0; i < n; i++) {
      out[i * 3] = this.r[i]!;
      out[i * 3 + 1] = this.g[i]!;
      out[i * 3 + 2] = this.b[i]!;
    }
    return new Uint8Array(out.buffer);
  }
}

export const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

export const smoothstep = (e0: number, e1: number, x: number): number => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};
