/** createOnnxPredictor: run an exported inference model (see export.ts) with ONNX Runtime. */
import { INPUT_NAME, OUTPUT_NAME } from './export.js';
import { createSession, ort } from './ort.js';

export interface OnnxPredictor {
  /** Input and output element counts per image, from the model's declared shapes. */
  readonly inputShape: number[];
  readonly outputShape: number[];
  /** Fixed batch size of the model, or null when it accepts any batch. */
  readonly fixedBatch: number | null;
  /** Run `batch` NHWC images (row-major floats); resolves to the model output for all of them. */
  predict(x: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): void;
}

function perImageShape(shape: ReadonlyArray<number | string>, what: string): number[] {
  const rest = shape.slice(1);
  if (rest.some((d) => typeof d !== 'number')) throw new Error(`createOnnxPredictor: model ${what} shape [${shape.join(', ')}] must be fixed apart from the batch`);
  return rest as number[];
}

export async function createOnnxPredictor(model: Uint8Array, options: { threads?: number } = {}): Promise<OnnxPredictor> {
  const session = await createSession(model, options);
  const input = session.inputMetadata.find((m) => m.name === INPUT_NAME);
  const output = session.outputMetadata.find((m) => m.name === OUTPUT_NAME);
  if (input === undefined || !input.isTensor || output === undefined || !output.isTensor) {
    await session.release();
    throw new Error(`createOnnxPredictor: the model needs a tensor input '${INPUT_NAME}' and output '${OUTPUT_NAME}' (export it with exportOnnx)`);
  }
  const inputShape = perImageShape(input.shape, 'input');
  const outputShape = perImageShape(output.shape, 'output');
  const fixedBatch = typeof input.shape[0] === 'number' ? input.shape[0] : null;
  const perImage = inputShape.reduce((a, b) => a * b, 1);
  return {
    inputShape,
    outputShape,
    fixedBatch,
    async predict(x: Float32Array, batch: number): Promise<Float32Array> {
      if (x.length !== batch * perImage) {
        throw new Error(`predict: got ${x.length} values for ${batch} images of shape [${inputShape.join(', ')}]`);
      }
      if (fixedBatch !== null && batch !== fixedBatch) throw new Error(`predict: this model was exported for batch ${fixedBatch}, got ${batch}`);
      const results = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x, [batch, ...inputShape]) });
      return results[OUTPUT_NAME]!.data as Float32Array;
    },
    dispose(): void {
      void session.release();
    },
  };
}
