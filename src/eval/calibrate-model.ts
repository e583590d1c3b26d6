/**
 * `dermkit models calibrate`: fit a classifier's temperature on held-out data, scored exactly as
 * `analyze` runs the classifier (its views cut with a segmentation model's masks), and record it
 * with the expected calibration error before and after in the model's dermkit.json, which every
 * runtime (CLI, server, browser) applies.
 *
 * A classifier with a uniform output prior (a log prior shift) claims probabilities for equally
 * common classes, so its temperature is fitted and judged with every class weighted equally;
 * one without is fitted on the held-out data's own class mix.
 *
 * On the calibrated probabilities it then chooses the melanoma operating points (thresholds for
 * 0.90 and 0.95 sensitivity, src/eval/operating-points.ts), recorded as the config's `triage`.
 */
import type { ClsSample } from '../data/types.js';
import type { Calibration, Triage } from '../models/config.js';
import { calibrate } from '../pipeline/classify.js';
import type { ModelRunner } from '../pipeline/predictor.js';
import { expectedCalibrationError, fitTemperature, type CalibrationWeighting } from './calibration.js';
import type { ClsPrediction } from './cls-metrics.js';
import { evaluateClassifier, type ClassifierEvalOptions } from './dataset-eval.js';
import { chooseOperatingPoints, melanomaClass, TRIAGE_SENSITIVITIES } from './operating-points.js';

export interface CalibrationFit {
  calibration: Calibration;
  weighting: CalibrationWeighting;
  /** The log-loss optimum; the calibration keeps 1 instead when this would raise the ECE. */
  fittedTemperature: number;
  /** ECE under both weightings, before and after the temperature. */
  ece: Record<CalibrationWeighting, { before: number; after: number }>;
  n: number;
  /** Melanoma operating points on the calibrated probabilities; absent when the classes have no melanoma. */
  triage?: Triage;
}

export interface CalibrationFitOptions extends Omit<ClassifierEvalOptions, 'roi'> {
  fittedOn: string;
  /** Make the threshold for this sensitivity the classifier's default review flag (else an existing default is kept). */
  flagAtSensitivity?: number;
}

export async function fitClassifierCalibration(samples: readonly ClsSample[], classifier: ModelRunner, opts: CalibrationFitOptions): Promise<CalibrationFit> {
  const { config } = classifier;
  const shift = config.calibration?.logPriorShift;
  const uncalibrated: ModelRunner = {
    config: { ...config, calibration: shift ? { temperature: 1, logPriorShift: shift } : undefined },
    predict: (x, n) => classifier.predict(x, n),
  };
  const { result } = await evaluateClassifier(samples, uncalibrated, opts);
  const classes = result.classes;
  const weighting: CalibrationWeighting = shift ? 'balanced' : 'natural';
  const fittedTemperature = fitTemperature(classes, result.predictions, weighting);
  const fitted = result.predictions.map((p) => ({ ...p, probabilities: calibrate(p.probabilities, { temperature: fittedTemperature }) }));
  const eceOf = (predictions: readonly ClsPrediction[], w: CalibrationWeighting) => expectedCalibrationError(classes, predictions, w);
  const before = { natural: eceOf(result.predictions, 'natural'), balanced: eceOf(result.predictions, 'balanced') };
  // The temperature minimises log loss; it is kept only where it also lowers the calibration error the cards report.
  const lowersEce = eceOf(fitted, weighting) < before[weighting];
  const temperature = lowersEce ? fittedTemperature : 1;
  const after = lowersEce ? fitted : result.predictions;
  const ece = (w: CalibrationWeighting) => ({ before: before[w], after: eceOf(after, w) });
  const both = { natural: ece('natural'), balanced: ece('balanced') };
  const label = melanomaClass(classes, config.triage);
  let triage: Triage | undefined;
  if (label !== undefined && classes.includes(label)) {
    const targets = [...new Set([...TRIAGE_SENSITIVITIES, ...(opts.flagAtSensitivity === undefined ? [] : [opts.flagAtSensitivity])])].sort((a, b) => a - b);
    const operatingPoints = chooseOperatingPoints(classes, after, label, targets);
    const flagged = operatingPoints.find((p) => p.targetSensitivity === opts.flagAtSensitivity);
    if (opts.flagAtSensitivity !== undefined && !flagged) throw new Error(`calibrate: no '${label}' images in ${opts.fittedOn} to choose a threshold for sensitivity ${opts.flagAtSensitivity} on`);
    const threshold = flagged?.threshold ?? config.triage?.threshold;
    triage = { label, ...(threshold === undefined ? {} : { threshold }), operatingPoints, fittedOn: `${opts.fittedOn} (${result.n} images)` };
  }
  return {
    calibration: { temperature, ...(shift ? { logPriorShift: [...shift] } : {}), fittedOn: `${opts.fittedOn} (${result.n} images, ${weighting === 'balanced' ? 'classes weighted equally' : 'as they come'})`, ece: both[weighting] },
    weighting,
    fittedTemperature,
    ece: both,
    n: result.n,
    ...(triage ? { triage } : {}),
  };
}
