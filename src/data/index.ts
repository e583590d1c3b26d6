/** Datasets: reading the known layouts, splits, the streaming input pipeline, augmentation, synthetic data. */
export type { ClsDataset, ClsFormat, ClsSample, Dataset, SegDataset, SegFormat, SegSample, Task, ValidationLevel } from './types.js';
export { DatasetError, type DatasetProblem } from './errors.js';
export { openDataset, openDatasets, type OpenDatasetOptions } from './open.js';
export { DATASET_LAYOUTS, type DatasetLayout } from './layouts.js';
export { ISIC2018_SUBSETS, type Isic2018Subset } from './readers/seg-readers.js';
export { parseHamClass } from './readers/cls-readers.js';
export { CsvSyntaxError, formatCsv, parseCsv, readCsvTable, type CsvRecord, type CsvTable } from './csv.js';
export { maskBinaryProblem } from './validate.js';
export {
  applySplit,
  foregroundBin,
  foregroundFractions,
  kFoldSplits,
  readSplit,
  splitItems,
  splitItemsOf,
  writeSplit,
  FOREGROUND_BIN_EDGES,
  type AppliedSplit,
  type Split,
  type SplitItem,
  type SplitMethod,
  type SplitOptions,
  type Stratify,
} from './split.js';
export { createRng, hashString, mixSeed, mulberry32, type Rng } from './random.js';
export { createBatchStream, type Batch, type BatchStream, type BatchStreamOptions, type Normalize } from './pipeline.js';
export {
  DEFAULT_AUGMENTATION,
  IDENTITY_PARAMS,
  PAPER_AUGMENTATION,
  applyAugment,
  augment,
  sampleAugmentParams,
  type AugmentConfig,
  type AugmentParams,
  type BorderMode,
} from './augment.js';
export { generateSynthetic, renderSampleLesion, SAMPLE_LESION, type SynthOptions, type SynthResult } from './synth.js';
