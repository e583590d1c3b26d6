/**
 * Half-precision weight storage: the TF.js layers format can hold float32 weights as float16
 * (`quantization: { dtype: 'float16' }` in model.json; TF.js widens them on load), which halves
 * a model folder. `storeAsFloat16` rewrites a saved model so and checks that its outputs stay
 * within a tolerance of the float32 model's on the inputs given, refusing the rewrite otherwise.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../tf.js';
import { CONFIG_FILE, ONNX_FILE, TOPOLOGY_FILE, WEIGHTS_FILE, loadModel, writeDirAtomic } from './io.js';

/** IEEE 754 half-precision bits of a float32 value, rounded to nearest even (overflow to ±Inf). */
export function float16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let bits = mantissa >> shift;
    const rest = mantissa & ((1 << shift) - 1);
    if (rest > half || (rest === half && (bits & 1))) bits++;
    return sign | bits;
  }
  let bits = (e << 10) | (mantissa >> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1))) bits++;
  return sign | bits;
}

interface WeightSpec extends tf.io.WeightsManifestEntry {}
interface Topology { modelTopology: unknown; weightsManifest: { paths: string[]; weights: WeightSpec[] }[] }

/** Every float32 weight of a saved model folder re-encoded as float16 (int32 weights kept); files by name. */
async function float16Files(dir: string): Promise<Record<string, string | Uint8Array>> {
  const topology = JSON.parse(await readFile(path.join(dir, TOPOLOGY_FILE), 'utf8')) as Topology & Record<string, unknown>;
  const specs = topology.weightsManifest.flatMap((g) => g.weights);
  const data = new Uint8Array(Buffer.concat(await Promise.all(topology.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))))));
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const converted = specs.map((spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.quantization) throw new Error(`${dir}: weight ${spec.name} is already stored as ${spec.quantization.dtype}`);
    const bytes = data.subarray(offset, offset + count * 4);
    offset += count * 4;
    if (spec.dtype !== 'float32') {
      chunks.push(bytes.slice());
      return spec;
    }
    const values = new Float32Array(bytes.slice().buffer);
    const half = Uint16Array.from(values, float16Bits);
    chunks.push(new Uint8Array(half.buffer));
    return { ...spec, quantization: { dtype: 'float16' as const } };
  });
  if (offset !== data.length) throw new Error(`${dir}: ${WEIGHTS_FILE} holds ${data.length} bytes, the manifest describes ${offset}`);
  const weights = new Uint8Array(Buffer.concat(chunks));
  return {
    [TOPOLOGY_FILE]: JSON.stringify({ ...topology, weightsManifest: [{ paths: [WEIGHTS_FILE], weights: converted }] }),
    [WEIGHTS_FILE]: weights,
  };
}

/**
 * Rewrites `dir` with float16 weights when the model's outputs on `inputs` (NHWC batches) change by
 * at most `tolerance`; an exported model.onnx is dropped (it would still hold float32 weights;
 * the runtimes export it again from the float16 folder). Returns the largest output difference.
 */
export async function storeAsFloat16(dir: string, inputs: readonly Float32Array[], tolerance = 1e-3): Promise<{ maxDifference: number; bytes: number }> {
  const files = await float16Files(dir);
  const original = await loadModel(dir);
  const shape = original.model.inputs[0]!.shape.slice(1) as number[];
  const topology = JSON.parse(files[TOPOLOGY_FILE] as string) as Topology;
  const half = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: topology.modelTopology as object, weightSpecs: topology.weightsManifest[0]!.weights, weightData: (files[WEIGHTS_FILE] as Uint8Array).slice().buffer,
  }));
  let maxDifference = 0;
  for (const x of inputs) {
    const batch = x.length / shape.reduce((a, b) => a * b, 1);
    const diff = tf.tidy(() => {
      const t = tf.tensor(x, [batch, ...shape]);
      return tf.max(tf.abs(tf.sub(original.model.predict(t) as tf.Tensor, half.predict(t) as tf.Tensor))).dataSync()[0]!;
    });
    maxDifference = Math.max(maxDifference, diff);
  }
  original.model.dispose();
  half.dispose();
  if (!(maxDifference <= tolerance)) throw new Error(`${dir}: float16 weights change the outputs by ${maxDifference.toExponential(2)}, more than ${tolerance}; left as float32`);
  await writeDirAtomic(dir, { ...files, [CONFIG_FILE]: await readFile(path.join(dir, CONFIG_FILE)), ...(await otherFiles(dir)) });
  return { maxDifference, bytes: (files[WEIGHTS_FILE] as Uint8Array).length };
}

/** Files of a model folder other than the model itself (model card, split, training record), kept across the rewrite. */
async function otherFiles(dir: string): Promise<Record<string, Uint8Array>> {
  const keep: Record<string, Uint8Array> = {};
  for (const name of await readdir(dir)) {
    if ([TOPOLOGY_FILE, WEIGHTS_FILE, CONFIG_FILE, ONNX_FILE].includes(name)) continue;
    keep[name] = new Uint8Array(await readFile(path.join(dir, name)));
  }
  return keep;
}
