/**
 * MODEL_CARD.md for a trained model: what it is, what it was trained on and under which licence,
 * how it was split and scored, and what it must not be used for. Rendered from the model's
 * dermkit.json, its training state and an evaluation summary (`dermkit eval --json`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readModelConfig } from './io.js';

export const MODEL_CARD_FILE = 'MODEL_CARD.md';

interface Interval { lower: number; upper: number }
type EvalSummary = Record<string, unknown> & { n: number; ci?: Record<string, Interval> };

export interface ModelCardInput {
  dir: string;
  /** `dermkit eval --json` output on held-out data. */
  evaluation?: EvalSummary;
  /** What the evaluation data was, e.g. "grouped validation part of the pool (split.json)". */
  evaluationData?: string;
  /** Free text: comparisons (ROI vs whole image, TTA), known weaknesses. */
  notes?: string;
  /** The command(s) that produced the model. */
  command?: string;
}

const DATA_LICENCE = 'HAM10000 (Tschandl et al. 2018): CC BY-NC-SA 4.0; ISIC 2017 challenge data: CC BY-NC. Non-commercial use only.';
const WEIGHTS_LICENCES: Record<string, string> = {
  mobilenet_v2_0_35_224_notop: 'Apache-2.0 (Keras Applications ImageNet weights)',
  mobilenet_v1_0_75_224: "Apache-2.0 (Google's tfjs-models MobileNet)",
};

const VIEW_NAMES = { image: 'the whole image', roi: 'the lesion ROI (mask × image, cropped to the lesion)', crop: 'the lesion crop (its bounding box, unmasked)' } as const;

function metricLine(name: string, value: unknown, ci?: Interval): string {
  if (typeof value !== 'number') return '';
  const interval = ci ? ` (95 % CI ${ci.lower.toFixed(3)} – ${ci.upper.toFixed(3)})` : '';
  return `| ${name} | ${value.toFixed(4)}${interval} |\n`;
}

export async function writeModelCard(input: ModelCardInput): Promise<string> {
  const config = await readModelConfig(input.dir);
  const training = await readFile(path.join(input.dir, 'training.json'), 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>, () => null);
  const p = config.preprocessing;
  const init = config.provenance.initialisation;
  const weightsLicence = Object.entries(WEIGHTS_LICENCES).find(([k]) => init.replace(/[.]/g, '_').includes(k))?.[1];
  let md = `# ${config.name} (${config.kind})\n\n`;
  md += '**Research use only. Not a medical device; its output is not a diagnosis.**\n\n';
  md += '## Model\n\n';
  md += `- Architecture: ${config.arch} with encoder ${config.encoder}; options ${JSON.stringify(config.options ?? {})}\n`;
  md += `- Input: ${p.inputSize}×${p.inputSize} RGB, ${p.resizeMode} resize, ${p.colourConstancy ? `${p.colourConstancy} colour constancy, ` : ''}${p.channelOrder.toUpperCase()}, x·${p.scale.toPrecision(4)} − mean ${JSON.stringify(p.mean)}, ÷ std ${JSON.stringify(p.std)}\n`;
  if (config.kind === 'classifier') {
    const views = config.views ?? [config.trainedOn ?? 'roi'];
    const margin = config.roiMargin !== undefined && views.some((v) => v !== 'image') ? ` (lesion box margin ${config.roiMargin})` : '';
    md += `- Sees: ${views.map((v) => VIEW_NAMES[v]).join(' + ')}${margin}${views.length > 1 ? ', side by side as one input; output = normalised geometric mean of the members\' probabilities' : ''}\n`;
  }
  if (config.classes) md += `- Classes (output order): ${config.classes.join(', ')}\n`;
  const cal = config.calibration;
  if (cal) {
    const prior = cal.logPriorShift ? 'probabilities for a population where the seven classes are equally common (log prior shift undoing the training class mix), ' : '';
    const ece = cal.ece ? `; expected calibration error ${cal.ece.before.toFixed(3)} before, ${cal.ece.after.toFixed(3)} after` : '';
    md += `- Calibration: ${prior}temperature ${cal.temperature.toFixed(3)}${cal.fittedOn ? ` fitted on ${cal.fittedOn}` : ''}${ece}\n`;
  }
  const triage = config.triage;
  if (triage?.operatingPoints?.length) {
    const points = triage.operatingPoints.map((o) => `p ≥ ${o.threshold.toFixed(4)} for sensitivity ${o.targetSensitivity} (specificity ${o.specificity.toFixed(3)})`).join('; ');
    md += `- Flag for review (${triage.label}): ${points}${triage.fittedOn ? `, chosen on ${triage.fittedOn}` : ''}${triage.threshold !== undefined ? `; default threshold ${triage.threshold.toFixed(4)}` : ''}\n`;
  }
  const ood = config.ood;
  if (ood) {
    md += `- Out-of-distribution warning: smallest Mahalanobis distance of the pooled features (random projection to ${ood.projection.dims} dimensions) to a class mean outside [${ood.range[0]}, ${ood.range[1]}], the range of ${(ood.coverage * 100).toFixed(1)} % of the held-out images (fitted on ${ood.fittedOn})\n`;
    if (ood.flagged) md += `- Share of the held-out images each warning flags: ${Object.entries(ood.flagged).map(([code, share]) => `${code} ${(share * 100).toFixed(1)} %`).join(', ')}\n`;
    if (ood.probes) md += `- Generated non-dermoscopy images (flat colours, noise, gradients, text, a document) flagged as out of distribution or without a lesion: ${ood.probes.flagged} of ${ood.probes.total} (out of distribution: ${ood.probes.outOfDistribution})${ood.probes.missed.length ? `; missed: ${ood.probes.missed.join(', ')}` : ''}\n`;
  }
  if (config.maskThreshold !== undefined) md += `- Mask threshold: ${config.maskThreshold}; post-processing: largest connected component, holes filled\n`;
  md += `- Initialisation: ${init}${weightsLicence ? ` — licence ${weightsLicence}` : ''}\n`;
  md += `- Created with dermkit ${config.provenance.dermkitVersion} on ${config.provenance.createdAt}\n\n`;
  md += '## Training\n\n';
  md += `- Data: ${config.provenance.trainingData ?? 'not recorded'}\n`;
  md += `- Data licence: ${DATA_LICENCE}\n`;
  if (training) {
    const o = (training.options ?? {}) as Record<string, unknown>;
    const monitor = String(o.monitor ?? 'loss');
    md += `- Weights: the checkpoint after epoch ${String(training.epoch)} of ${String(o.epochs ?? '?')} (best validation ${monitor === 'loss' ? 'loss' : monitor} so far), training wall time to it ${(Number(training.wallSeconds) / 60).toFixed(1)} min on 2 CPU cores\n`;
    const schedule = o.schedule === 'cosine' ? `, warm-up ${String(o.warmupEpochs ?? 1)} epoch(s) then cosine decay` : '';
    const decay = o.weightDecay ? ` (AdamW, weight decay ${String(o.weightDecay)} on kernels)` : '';
    md += `- Optimiser: Adam${decay}, lr ${String(o.lr ?? 1e-3)}${schedule}, batch ${String(o.batch ?? 8)}, augmentation ${String(o.augment ?? 'paper')}, seed ${String(training.seed)}\n`;
    const sampling = o.epochSize ? `${String(o.epochSize)} samples drawn per epoch (${String(o.sampling ?? 'natural')} sampling)` : `one pass per epoch (${String(o.sampling ?? 'natural')} sampling)`;
    md += `- Epochs: ${sampling}${o.labelSmoothing ? `, label smoothing ${String(o.labelSmoothing)}` : ''}${o.classWeights === 'balanced' ? ', balanced class weights' : ''}\n`;
  }
  if (config.provenance.notes) md += `- Notes: ${config.provenance.notes}\n`;
  if (input.command) md += `\nReproduce:\n\n\`\`\`bash\n${input.command}\n\`\`\`\n`;
  if (input.evaluation) {
    const e = input.evaluation;
    md += `\n## Evaluation\n\n${input.evaluationData ?? 'Held-out data'}: n = ${e.n}.\n\n| metric | value |\n|---|---|\n`;
    for (const key of ['dice', 'iou', 'miou', 'thresholdedJaccard', 'accuracy', 'balancedAccuracy', 'top2Accuracy', 'macroAuc', 'ece', 'balancedEce']) {
      md += metricLine(key, e[key], e.ci?.[key]);
    }
    const parts = e.byPart as Record<string, { n: number; dice: number; iou: number; thresholdedJaccard: number; ci: Record<string, Interval> }> | undefined;
    if (parts) {
      md += '\nBy part of the data:\n\n| part | n | Dice | IoU | thresholded Jaccard |\n|---|---|---|---|---|\n';
      const cell = (v: number, ci?: Interval) => `${v.toFixed(4)}${ci ? ` (${ci.lower.toFixed(3)}–${ci.upper.toFixed(3)})` : ''}`;
      for (const [part, m] of Object.entries(parts)) md += `| ${part} | ${m.n} | ${cell(m.dice, m.ci.dice)} | ${cell(m.iou, m.ci.iou)} | ${cell(m.thresholdedJaccard, m.ci.thresholdedJaccard)} |\n`;
    }
    const recall = e.perClassRecall as Record<string, number> | undefined;
    const support = e.perClass as Record<string, { support: number }> | undefined;
    if (recall) md += `\nPer-class recall: ${Object.entries(recall).map(([c, r]) => `${c} ${r.toFixed(3)}${support ? ` (n ${support[c]!.support})` : ''}`).join(', ')}\n`;
  }
  if (input.notes) md += `\n## Notes\n\n${input.notes}\n`;
  md += '\n## Limits\n\n';
  md += '- Trained on downscaled images (HAM10000 at 200×150, ISIC 2017 at ≤256 px); full-resolution photos are resized to the input size, which is close to but not the training distribution.\n';
  md += '- Seven HAM10000 classes only; any other lesion type is forced into one of them.\n';
  md += '- Dermoscopy images only; clinical (non-dermoscopic) photos are out of distribution.\n';
  md += '- Not validated clinically. Research use only; not a medical device.\n';
  const file = path.join(input.dir, MODEL_CARD_FILE);
  await writeFile(file, md);
  return file;
}
