/**
 * Flag for review: a triage user wants melanoma flagged at a chosen sensitivity, not only when
 * it is the most probable class. An image is flagged when p(melanoma) reaches a threshold: the
 * caller's (`analyze --mel-threshold`), else the classifier's default (dermkit.json `triage`),
 * chosen on validation data for a sensitivity (`dermkit models calibrate`).
 */
import { isMelanoma, type ModelConfig } from '../models/config.js';

export interface Review {
  /** The class flagged (melanoma). */
  label: string;
  probability: number;
  threshold: number;
  /** probability >= threshold: flag for review. */
  flagged: boolean;
}

/** The review flag of one result; null when no threshold is asked for or configured. */
export function reviewFor(probabilities: Record<string, number>, config: ModelConfig, threshold?: number): Review | null {
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new RangeError(`the review threshold is a probability in [0, 1], got ${threshold}`);
  const chosen = threshold ?? config.triage?.threshold;
  if (chosen === undefined) return null;
  const label = config.triage?.label ?? config.classes?.find(isMelanoma);
  const probability = label === undefined ? undefined : probabilities[label];
  if (label === undefined || probability === undefined) throw new Error(`classifier ${config.name} has no melanoma class to flag for review (classes: ${(config.classes ?? []).join(', ')})`);
  return { label, probability, threshold: chosen, flagged: probability >= chosen };
}
