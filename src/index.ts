/**
 * dermkit's library API. Research use only: not a medical device, not a diagnosis.
 *
 * - Models: createSegmenter / createClassifier (any encoder in ENCODER_NAMES), saveModel / loadModel.
 * - Inference: createAnalyzer or loadPredictor (ONNX Runtime or TF.js) + analyze (segment -> ROI -> classify), with
 *   class activation maps, warnings, an out-of-distribution score and a melanoma review flag.
 * - Data, training and evaluation: openDataset, trainRun, evaluateSegmenter / evaluateClassifier.
 * - ImageNet weights: importWeights; the paper's tables: runSegBackbones / runRoiAblation.
 * - Scale-out on Redis (BullMQ): openQueue + submitBatch / batchStatus / writeBatchResults, startWorker.
 */
export * from './image/index.js';
export {
  HAM_CLASSES, PREPROCESSING_PRESETS,
  type Calibration, type ClassifierInput, type HamClass, type ModelConfig, type OodDetector, type OperatingPoint, type Preprocessing, type ResizeMode, type Triage,
} from './models/config.js';
export { explanationModel } from './models/explain.js';
export { ENCODERS, ENCODER_NAMES, getEncoder } from './models/encoders/index.js';
export type { EncoderSpec, EncoderOptions, EncoderPadding, Stride } from './models/encoders/types.js';
export {
  createClassifier, createSegmenter, parseSegmenterName, SEGMENTER_ARCHS,
  type ClassifierSpec, type DermkitModel, type EncoderVariant, type SegmenterSpec,
} from './models/registry.js';
export { PAPER_DECODER, type UnetDecoderOptions } from './models/decoders/unet.js';
export { loadModel, saveModel, readModelConfig, ModelLoadError } from './models/io.js';
export { importPretrained } from './weights/pretrained.js';
export { importWeights, readWeightsCard, type WeightsCard, type ImportCheck } from './weights/import.js';
export { normalizeToInput, prepareInput } from './models/preprocess.js';
export { countFlops } from './models/flops.js';
export { catalog, type CatalogEntry } from './models/catalog.js';
export { analyze, classify, segment, topClass, RESEARCH_NOTICE, type AnalysisResult, type AnalyzeOptions, type Review } from './pipeline/analyze.js';
export { WARNING_CHECKS, WARNING_CODES, warningsFor, type ResultWarning, type WarningCode } from './pipeline/warnings.js';
export { loadPredictor, tfjsPredictor, onnxPredictorFor, exportInferenceOnnx, type Predictor, type EngineName, type ModelOutputs } from './pipeline/predictor.js';
export { createAnalyzer, withMaskThreshold, type Analyzer, type AnalyzerOptions } from './pipeline/analyzer.js';
export { analyzeBatch, collectInputs, type BatchRecord, type BatchOptions } from './pipeline/batch.js';
export { DEFAULT_CLASSIFIER_DIR, DEFAULT_SEGMENTER_DIR, SAMPLE_IMAGE } from './pipeline/defaults.js';
export { compileTrainer, exportOnnx, createOnnxPredictor, type Trainer } from './engine/index.js';
export * from './data/index.js';
export { trainRun, PAPER_DEFAULTS, type TrainRunOptions } from './train/run.js';
export { evaluateClassifier, evaluateSegmenter } from './eval/dataset-eval.js';
export { fitOodDetector, type OodFit } from './eval/fit-ood.js';
export { melanomaOperatingPoints, type MelanomaOperatingPoints } from './eval/operating-points.js';
export { runSegBackbones, type SegBackbonesOptions } from './experiment/seg-backbones.js';
export { runRoiAblation, type RoiAblationOptions } from './experiment/roi-ablation.js';
export { evaluateClassification, type ClsEvalResult } from './eval/cls-metrics.js';
export { summariseSegScores, scoreMasks, type SegEvalResult } from './eval/seg-metrics.js';
export { openQueue, type QueueClient } from './queue/client.js';
export { submitBatch, pathSources, type SubmitOptions, type SubmitResult } from './queue/submit.js';
export { batchStatus, type BatchStatus } from './queue/status.js';
export { writeBatchResults, type BatchResults } from './queue/results.js';
export { startWorker, type WorkerOptions, type RunningWorker } from './queue/worker.js';
export { createMultiViewClassifier } from './models/multi-view.js';
export { calibrate, classifierViews } from './pipeline/classify.js';
