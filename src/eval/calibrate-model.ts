/**
 * `dermkit models calibrate`: fit a classifier's temperature on held-out data, scored exactly as
 * `analyze` runs the classifier (its views cut with a segmentation model's masks), and record it
 * with the expected calibration error before and after in the model's dermkit.json, which every
 * runtime (CLI, server, browser) applies.
 *
 * A classifier with a uniform output prior (a log prior shift) claims probabilities for equally
 * common classes, so its temperature is fitted and judged with every class weighted equally;
 * one without is fitted on the held-out data's own class mix.
 */
import type { ClsSample } from '../data/types.js';
import type { Calibration } from '../models/config.js';
import { calibrate } from '../pipeline/classify.js';
import type { ModelRunner } from '../pipeline/predictor.js';
import { expectedCalibrationError, fitTemperature, type CalibrationWeighting } from './calibration.js';
import type { ClsPrediction } from './cls-metrics.js';
import { evaluateClassifier, type ClassifierEvalOptions } from './dataset-eval.js';

export interface CalibrationFit {
  calibration: Calibration;
  weighting: CalibrationWeighting;
  /** ECE under both weightings, before and after the temperature. */
  ece: Record<CalibrationWeighting, { before: number; after: number }>;
  n: number;
}

export async function fitClassifierCalibration(samples: readonly ClsSample[], classifier: ModelRunner, opts: Omit<ClassifierEvalOptions, 'roi'> & { fittedOn: string }): Promise<CalibrationFit> {
  const { config } = classifier;
  const shift = config.calibration?.logPriorShift;
  const uncalibrated: ModelRunner = {
    config: { ...config, calibration: shift ? { temperature: 1, logPriorShift: shift } : undefined },
    predict: (x, n) => classifier.predict(x, n),
  };
  const { result } = await evaluateClassifier(samples, uncalibrated, opts);
  const classes = result.classes;
  const weighting: CalibrationWeighting = shift ? 'balanced' : 'natural';
  const temperature = fitTemperature(classes, result.predictions, weighting);
  const after: ClsPrediction[] = result.predictions.map((p) => ({ ...p, probabilities: calibrate(p.probabilities, { temperature }) }));
  const ece = (w: CalibrationWeighting) => ({ before: expectedCalibrationError(classes, result.predictions, w), after: expectedCalibrationError(classes, after, w) });
  const both = { natural: ece('natural'), balanced: ece('balanced') };
  return {
    calibration: { temperature, ...(shift ? { logPriorShift: [...shift] } : {}), fittedOn: `${opts.fittedOn} (${result.n} images, ${weighting === 'balanced' ? 'classes weighted equally' : 'as they come'})`, ece: both[weighting] },
    weighting,
    ece: both,
    n: result.n,
  };
}
