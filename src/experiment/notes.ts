/** The lines under an experiment's table: budget, split, experiment-specific notes, failures, notice. */
import { RESEARCH_NOTICE } from '../pipeline/analyze.js';
import type { ExperimentReport } from './rows.js';

function budgetNote({ settings }: ExperimentReport<unknown>): string {
  const b = settings.budget;
  const stopping = b.patience > 0 ? `early stopping after ${b.patience} epochs without a lower validation loss` : 'no early stopping';
  const alpha = b.alpha !== undefined ? `, width multiplier ${b.alpha}` : '';
  const momentum = b.bnMomentum !== undefined ? `, batch-norm momentum ${b.bnMomentum}` : '';
  return `Budget, the same for every row: ${b.inputSize} px input, up to ${b.epochs} epoch${b.epochs === 1 ? '' : 's'} (${stopping}), batch ${b.batch}, Adam lr ${b.lr}, seed ${b.seed}, augmentation "${b.augment}"${alpha}${momentum}.`;
}

function splitNote({ settings, split }: ExperimentReport<unknown>): string {
  const quick = settings.limit !== undefined ? ` Quick run (--limit ${settings.limit}): only the first ${split.train} train and ${split.val} val items of the split.` : '';
  return `Split: ${split.file} (${split.method}, seed ${split.seed}, validation fraction ${split.valFraction}): ${split.train} train / ${split.val} val; every row is scored on the same ${split.val} val images at full resolution.${quick}`;
}

/** Markdown paragraphs to print under the table. */
export function reportNotes(report: ExperimentReport<unknown>, specific: readonly string[]): string {
  const failures = report.rows.flatMap((r) => (r.status === 'failed' ? [`- ${r.name}: ${r.error}`] : []));
  return [
    budgetNote(report),
    splitNote(report),
    ...specific,
    ...(failures.length > 0 ? [`Failed rows (rerun the same command to retry them):\n${failures.join('\n')}`] : []),
    RESEARCH_NOTICE,
  ].join('\n\n');
}
