/**
 * Lesion outline: a star-shaped blob whose boundary radius is 1 + sum of sinusoids in the polar
 * angle (few, small terms: round naevus; many, large terms: irregular melanoma). Positions inside
 * are expressed in lesion coordinates, so a lesion photographed twice (shifted, turned, scaled)
 * keeps its pattern.
 */

export interface Harmonic {
  k: number;
  amplitude: number;
  phase: number;
}

export interface LesionGeometry {
  cx: number;
  cy: number;
  /** Mean radius, pixels. */
  radius: number;
  /** Orientation, radians. */
  angle: number;
  /** Long axis / short axis. */
  elongation: number;
  harmonics: Harmonic[];
}

/** Where a pixel sits relative to the lesion: `t` < 1 inside (1 at the border), u/v in radius units. */
export interface LesionPoint {
  t: number;
  u: number;
  v: number;
  theta: number;
}

export function boundaryRadius(g: LesionGeometry, theta: number): number {
  let r = 1;
  for (const h of g.harmonics) r += h.amplitude * Math.sin(h.k * theta + h.phase);
  return r;
}

export function lesionPoint(g: LesionGeometry, x: number, y: number): LesionPoint {
  const dx = x - g.cx;
  const dy = y - g.cy;
  const cos = Math.cos(g.angle);
  const sin = Math.sin(g.angle);
  const u = (dx * cos + dy * sin) / g.radius;
  const v = ((-dx * sin + dy * cos) * g.elongation) / g.radius;
  const theta = Math.atan2(v, u);
  return { t: Math.hypot(u, v) / boundaryRadius(g, theta), u, v, theta };
}

/** Image position of lesion coordinates (u, v). */
export function toImage(g: LesionGeometry, u: number, v: number): [number, number] {
  const cos = Math.cos(g.angle);
  const sin = Math.sin(g.angle);
  const along = u * g.radius;
  const across = (v * g.radius) / g.elongation;
  return [g.cx + along * cos - across * sin, g.cy + along * sin + across * cos];
}

/** Image position at relative depth `t` (0 centre, 1 border) along polar angle `theta`. */
export function pointAt(g: LesionGeometry, t: number, theta: number): [number, number] {
  const rho = t * boundaryRadius(g, theta);
  return toImage(g, rho * Math.cos(theta), rho * Math.sin(theta));
}
