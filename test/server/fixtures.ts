/** Tiny untrained models, a running server and test images for the server and web tests. Not a test file itself. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { encodePng } from '../../src/image/decode.js';
import type { RgbImage } from '../../src/image/types.js';
import { HAM_CLASSES, PREPROCESSING_PRESETS, type ModelConfig } from '../../src/models/config.js';
import { saveModel } from '../../src/models/io.js';
import { createSegmenter, type DermkitModel } from '../../src/models/registry.js';
import { tf } from '../../src/tf.js';
import { loadPredictor, type EngineName, type Predictor } from '../../src/pipeline/predictor.js';
import { buildServer, type ServerOptions } from '../../src/server/app.js';
import { readModelInfo, type ModelInfo } from '../../src/server/models-info.js';

export const MODEL_CARD_TEXT = '# Tiny test classifier\n\nUntrained; for tests only.\n';

export interface TinyModels {
  root: string;
  segDir: string;
  clsDir: string;
  segmenter: Predictor;
  classifier: Predictor;
  modelsInfo: ModelInfo[];
  dispose(): Promise<void>;
}

/**
 * A small 7-class classifier (conv, global average pooling, dense softmax) with seeded weights.
 * An untrained registry classifier would do for shape, but its deep encoder shrinks every input
 * to ~1e-10 features, so it answers exactly 1/7 for any image: no use for checking that two
 * preprocessing paths agree, or for seeing a bar chart.
 */
function tinyClassifier(): DermkitModel {
  const input = tf.input({ shape: [64, 64, 3] });
  const features = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(features);
  const output = tf.layers.dense({ units: HAM_CLASSES.length, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(pooled);
  const model = tf.model({ inputs: input, outputs: output as tf.SymbolicTensor });
  const p = PREPROCESSING_PRESETS.tf;
  const config: ModelConfig = {
    format: 'dermkit-model/1',
    kind: 'classifier',
    name: 'classifier-tiny-test',
    arch: 'conv-gap-dense',
    encoder: 'none',
    preprocessing: { inputSize: 64, resizeMode: 'stretch', channelOrder: p.channelOrder, scale: p.scale, mean: [...p.mean], std: [...p.std] },
    classes: [...HAM_CLASSES],
    provenance: { createdAt: '2026-01-01T00:00:00.000Z', dermkitVersion: 'test', initialisation: 'seeded random' },
  };
  return { model, config };
}

/**
 * An untrained 64 px U-Net (MobileNetV2 encoder, alpha 0.35) from the registry and a tiny
 * classifier, saved as TF.js models and loaded with the ONNX engine (the server's default, and
 * 20x faster than TF.js here).
 */
export async function tinyModels(engine: EngineName = 'onnx'): Promise<TinyModels> {
  const root = await mkdtemp(path.join(tmpdir(), 'dermkit-server-'));
  const segDir = path.join(root, 'segmenter');
  const clsDir = path.join(root, 'classifier');
  const seg = createSegmenter({ arch: 'unet', encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
  const cls = tinyClassifier();
  await saveModel(segDir, seg);
  await saveModel(clsDir, cls, { 'MODEL_CARD.md': MODEL_CARD_TEXT });
  seg.model.dispose();
  cls.model.dispose();
  const [segmenter, classifier, segInfo, clsInfo] = await Promise.all([
    loadPredictor(segDir, engine),
    loadPredictor(clsDir, engine),
    readModelInfo(segDir),
    readModelInfo(clsDir),
  ]);
  return {
    root, segDir, clsDir, segmenter, classifier, modelsInfo: [segInfo, clsInfo],
    async dispose() {
      segmenter.dispose();
      classifier.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Wraps a predictor so every prediction waits until `open()` is called: holds worker slots on demand. */
export function gatedPredictor(inner: Predictor): { predictor: Predictor; open(): void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  return {
    predictor: {
      config: inner.config,
      engine: inner.engine,
      predict: async (x, b) => gate.then(() => inner.predict(x, b)),
      run: async (x, b) => gate.then(() => inner.run(x, b)),
      dispose: () => {},
    },
    open,
  };
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export const TEST_LIMITS = {
  maxUploadBytes: 256 * 1024,
  maxPixels: 4_000_000,
  queueSize: 2,
  concurrency: 1,
  requestTimeoutMs: 20_000,
};

/** Build the server over `models` and listen on 127.0.0.1, any free port. */
export async function startServer(models: TinyModels, overrides: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const app = buildServer({
    segmenter: models.segmenter,
    classifier: models.classifier,
    modelsInfo: models.modelsInfo,
    ...TEST_LIMITS,
    ...overrides,
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: address, close: () => app.close() };
}

/** A brown ellipse (the "lesion") on a skin-coloured background with a little texture. */
export function lesionImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const cx = width * 0.55;
  const cy = height * 0.45;
  const rx = width * 0.25;
  const ry = height * 0.2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
      const texture = ((x * 7 + y * 13) % 11) - 5;
      const rgb = inside ? [95, 60, 40] : [225, 180, 160];
      data.set(rgb.map((v) => v + texture), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

/** As a plain Uint8Array, which fetch and Blob take as a body. */
export async function lesionPng(width = 96, height = 72): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await encodePng(lesionImage(width, height)));
}

/** A copy of a PNG whose IHDR claims `width` x `height` (CRC fixed), while the pixel data stays tiny. */
export function withClaimedSize(png: Uint8Array, width: number, height: number): Uint8Array<ArrayBuffer> {
  const out = Buffer.from(png);
  // Signature (8), then IHDR: length (4), type (4), width (4), height (4), ..., CRC over type + body (13 bytes).
  if (out.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG with IHDR first');
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 12 + 4 + 13)), 12 + 4 + 13);
  return new Uint8Array(out);
}
