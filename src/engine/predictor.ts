/** createOnnxPredictor: run an exported inference model (see export.ts) with ONNX Runtime. */
import { INPUT_NAME, OUTPUT_NAME } from './export.js';
import { createSession, ort } from './ort.js';

export interface OnnxPredictor {
  /** Input and output element counts per image, from the model's declared shapes. */
  readonly inputShape: number[];
  readonly outputShape: number[];
  /** Every output of the graph: `output` first, then any others it was exported with. */
  readonly outputNames: string[];
  /** Fixed batch size of the model, or null when it accepts any batch. */
  readonly fixedBatch: number | null;
  /** Run `batch` NHWC images (row-major floats); resolves to the model output for all of them. */
  predict(x: Float32Array, batch: number): Promise<Float32Array>;
  /** Run `batch` images; resolves to every output by name. */
  run(x: Float32Array, batch: number): Promise<Record<string, Float32Array>>;
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
  const outputNames = [OUTPUT_NAME, ...session.outputNames.filter((name) => name !== OUTPUT_NAME)];
  const fixedBatch = typeof input.shape[0] === 'number' ? input.shape[0] : null;
  const perImage = inputShape.reduce((a, b) => a * b, 1);
  const feeds = (x: Float32Array, batch: number) => {
    if (x.length !== batch * perImage) {
      throw new Error(`predict: got ${x.length} values for ${batch} images of shape [${inputShape.join(', ')}]`);
    }
    if (fixedBatch !== null && batch !== fixedBatch) throw new Error(`predict: this model was exported for batch ${fixedBatch}, got ${batch}`);
    return { [INPUT_NAME]: new ort.Tensor('float32', x, [batch, ...inputShape]) };
  };
  return {
    inputShape,
    outputShape,
    outputNames,
    fixedBatch,
    async predict(x: Float32Array, batch: number): Promise<Float32Array> {
      // Only the main output is fetched and copied out of the session.
      const results = await session.run(feeds(x, batch), [OUTPUT_NAME]);
      return results[OUTPUT_NAME]!.data as Float32Array;
    },
    async run(x: Float32Array, batch: number): Promise<Record<string, Float32Array>> {
      const results = await session.run(feeds(x, batch));
      return Object.fromEntries(outputNames.map((name) => [name, results[name]!.data as Float32Array]));
    },
    dispose(): void {
      void session.release();
    },
  };
}
