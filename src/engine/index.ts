/**
 * dermkit's execution engine: TF.js models compiled to ONNX Runtime graphs, for training
 * (compileTrainer) and inference (exportOnnx + createOnnxPredictor).
 */
export { compileTrainer, type Trainer, type TrainerOptions } from './trainer.js';
export { exportOnnx, OUTPUT_NAME, type ExportOptions } from './export.js';
export { createOnnxPredictor, type OnnxPredictor } from './predictor.js';
export { lossFunction, bceDice, categoricalCrossentropy, LOSSES, LOSS_NAMES, type LossName, type LossFunction } from './losses.js';
export type { AdamConfig, OptimizerArray } from './adam.js';
export { mappedKernels } from './kernels/index.js';
// The ONNX reading, writing and dequantisation that importing ONNX weights (src/weights) builds on.
export { dequantizeGraph, QuantisedConstants } from './onnx/dequantize.js';
export { encodeModel } from './onnx/model.js';
export { decodeModel } from './onnx/reader.js';
export { createSession, ort } from './ort.js';
