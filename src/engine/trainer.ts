/**
 * compileTrainer: trace one TF.js training step (forward, loss, gradients, Adam) into a single
 * ONNX graph and replay it with ONNX Runtime for every batch. The graph's inputs are the batch,
 * every model weight, the batch-norm moving statistics and the optimizer state; its outputs
 * are the loss and the new values of everything the step assigns. Between steps the state
 * lives in Float32Arrays owned by the trainer (double-buffered: ORT writes the next state into
 * preallocated outputs), so nothing is copied through TF.js until `writeBack()`. The graph only
 * ever runs on this machine, so it may use ONNX Runtime's NCHWc kernels (kernels/nchwc.ts).
 *
 * When the step cannot be traced (a kernel without an ONNX mapping, host reads inside the
 * step, unsupported randomness) the trainer falls back to running the same step eagerly on
 * the TF.js cpu backend and says why.
 */
import { tf } from '../tf.js';
import { AdamOptimizer, type AdamConfig, type OptimizerArray } from './adam.js';
import { lossFunction, type LossFunction, type LossName } from './losses.js';
import { lowerProgram } from './lower.js';
import { encodeModel, type OnnxValueInfo } from './onnx/model.js';
import { createSession, nchwcBlockSize, ort } from './ort.js';
import { modelVariables, trainingStep, type StepParts } from './step.js';
import { TraceUnsupportedError } from './trace/program.js';
import { stateInputName, traceFunction } from './trace/trace.js';

export interface TrainerOptions {
  loss: LossName | LossFunction;
  /** categoricalCrossentropy: per-class weights, in class order. */
  classWeights?: number[];
  /** categoricalCrossentropy: label smoothing. */
  labelSmoothing?: number;
  optimizer: { type: 'adam' } & AdamConfig;
  /** The usual batch size; other sizes (a last partial batch) compile on first use. */
  batchSize: number;
  /** ONNX Runtime intra-op threads. */
  threads?: number;
  /** Seeds the dropout noise of the compiled engine (unseeded: Math.random, like TF.js). */
  seed?: number;
  /** Force an engine; default 'onnx' with eager fallback. */
  engine?: 'onnx' | 'eager';
  /** Called with the reason when the step falls back to eager TF.js (default: console.warn). */
  onFallback?: (reason: string) => void;
}

export interface Trainer {
  readonly engine: 'onnx' | 'eager';
  /** Why the trainer runs eagerly, when it fell back. */
  readonly fallbackReason?: string;
  /** One training step on a batch (NHWC x, targets y, row-major); resolves to the loss before the update. */
  step(x: Float32Array, y: Float32Array, batch?: number): Promise<number>;
  setLearningRate(learningRate: number): void;
  /** Copy weights, batch-norm statistics and optimizer state into the TF.js model / optimizer. */
  writeBack(): Promise<void>;
  getOptimizerState(): Promise<OptimizerArray[]>;
  setOptimizerState(state: readonly OptimizerArray[]): Promise<void>;
  dispose(): void;
}

function staticShape(shape: ReadonlyArray<number | null>, what: string): number[] {
  const rest = shape.slice(1);
  if (rest.some((d) => d === null)) throw new Error(`compileTrainer: the model's ${what} shape [${shape.join(', ')}] must be fixed apart from the batch`);
  return rest as number[];
}

function checkLength(array: Float32Array, shape: number[], what: string): void {
  if (!(array instanceof Float32Array)) throw new Error(`trainer.step: ${what} must be a Float32Array`);
  const expected = shape.reduce((a, b) => a * b, 1);
  if (array.length !== expected) throw new Error(`trainer.step: ${what} has ${array.length} values, expected ${expected} for shape [${shape.join(', ')}]`);
}

interface Setup {
  parts: StepParts;
  /** Everything the step reads: trainable weights, non-trainable weights, optimizer state. */
  state: tf.Variable[];
  inputShape: number[];
  outputShape: number[];
  options: TrainerOptions;
}

class EagerTrainer implements Trainer {
  readonly engine = 'eager' as const;

  constructor(private readonly setup: Setup, readonly fallbackReason?: string) {}

  async step(x: Float32Array, y: Float32Array, batch = this.setup.options.batchSize): Promise<number> {
    const xShape = [batch, ...this.setup.inputShape];
    const yShape = [batch, ...this.setup.outputShape];
    checkLength(x, xShape, 'x');
    checkLength(y, yShape, 'y');
    const loss = tf.tidy(() => trainingStep(this.setup.parts, tf.tensor(x, xShape), tf.tensor(y, yShape)));
    const [value] = await loss.data();
    loss.dispose();
    return value!;
  }

  setLearningRate(learningRate: number): void {
    tf.tidy(() => this.setup.parts.optimizer.learningRate.assign(tf.scalar(learningRate)));
  }

  async writeBack(): Promise<void> {}

  async getOptimizerState(): Promise<OptimizerArray[]> {
    return this.setup.parts.optimizer.state();
  }

  async setOptimizerState(state: readonly OptimizerArray[]): Promise<void> {
    this.setup.parts.optimizer.setState(state);
  }

  dispose(): void {
    this.setup.parts.optimizer.dispose();
  }
}

type StateArray = Float32Array | Int32Array | Uint8Array;

/** A fresh copy of a variable's values in the typed array ONNX Runtime expects for its dtype. */
function stateArray(dtype: tf.DataType, values: ArrayLike<number>): StateArray {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'bool': return Uint8Array.from(values);
    default: throw new TraceUnsupportedError(`a ${dtype} variable is part of the training state`);
  }
}

function stateTensor(variable: tf.Variable, data: StateArray): ort.Tensor {
  return new ort.Tensor(variable.dtype as 'float32' | 'int32' | 'bool', data, variable.shape);
}

interface CompiledStep {
  session: ort.InferenceSession;
  updates: Array<{ index: number; output: string }>;
  noiseInputs: OnnxValueInfo[];
}

class OnnxTrainer implements Trainer {
  readonly engine = 'onnx' as const;
  private readonly compiled = new Map<number, Promise<CompiledStep>>();
  /** Current value of each state variable (index-aligned with setup.state). */
  private current: StateArray[] = [];
  /** Second buffer of each assigned state variable, written by the next run. */
  private readonly spare = new Map<number, StateArray>();
  private noiseCounter = 0;

  constructor(private readonly setup: Setup) {
    this.loadStateFromVariables();
  }

  private loadStateFromVariables(): void {
    this.current = this.setup.state.map((v) => stateArray(v.dtype, v.dataSync()));
    this.spare.clear();
  }

  /** Trace + compile the step for one batch size (throws TraceUnsupportedError when it cannot). */
  async compile(batch: number): Promise<CompiledStep> {
    let pending = this.compiled.get(batch);
    if (pending === undefined) {
      pending = this.build(batch);
      this.compiled.set(batch, pending);
      pending.catch(() => this.compiled.delete(batch));
    }
    return pending;
  }

  private async build(batch: number): Promise<CompiledStep> {
    const { parts, state, inputShape, outputShape } = this.setup;
    const trace = traceFunction({
      state,
      inputs: [
        { name: 'x', shape: [batch, ...inputShape], dtype: 'float32' },
        { name: 'y', shape: [batch, ...outputShape], dtype: 'float32' },
      ],
      run: ([x, y]) => ({ loss: trainingStep(parts, x!, y!) }),
    });
    const { graph, noiseInputs } = lowerProgram(trace.program, { name: `train_step_b${batch}`, nchwcBlockSize: await nchwcBlockSize() });
    const session = await createSession(encodeModel(graph), { threads: this.setup.options.threads, lean: true });
    return { session, updates: trace.stateUpdates, noiseInputs };
  }

  private noise(shape: Array<number | string>): Float32Array {
    const seed = this.setup.options.seed;
    return tf.tidy(() =>
      tf.randomUniform(shape as number[], 0, 1, 'float32', seed === undefined ? undefined : seed * 1_000_003 + this.noiseCounter++).dataSync() as Float32Array,
    );
  }

  async step(x: Float32Array, y: Float32Array, batch = this.setup.options.batchSize): Promise<number> {
    const xShape = [batch, ...this.setup.inputShape];
    const yShape = [batch, ...this.setup.outputShape];
    checkLength(x, xShape, 'x');
    checkLength(y, yShape, 'y');
    const step = await this.compile(batch);
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor('float32', x, xShape),
      y: new ort.Tensor('float32', y, yShape),
    };
    this.setup.state.forEach((v, i) => {
      feeds[stateInputName(i)] = stateTensor(v, this.current[i]!);
    });
    for (const input of step.noiseInputs) feeds[input.name] = new ort.Tensor('float32', this.noise(input.shape), input.shape as number[]);
    const fetches: Record<string, ort.Tensor | null> = { loss: null };
    for (const { index, output } of step.updates) {
      let next = this.spare.get(index);
      if (next === undefined) {
        next = stateArray(this.setup.state[index]!.dtype, this.current[index]!);
        this.spare.set(index, next);
      }
      fetches[output] = stateTensor(this.setup.state[index]!, next);
    }
    const results = await step.session.run(feeds, fetches);
    for (const { index } of step.updates) {
      const next = this.spare.get(index)!;
      this.spare.set(index, this.current[index]!);
      this.current[index] = next;
    }
    return (results['loss']!.data as Float32Array)[0]!;
  }

  setLearningRate(learningRate: number): void {
    const optimizer = this.setup.parts.optimizer;
    tf.tidy(() => optimizer.learningRate.assign(tf.scalar(learningRate)));
    this.current[this.setup.state.indexOf(optimizer.learningRate)]![0] = learningRate;
  }

  async writeBack(): Promise<void> {
    this.setup.state.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(this.current[i]!, v.shape, v.dtype))));
  }

  async getOptimizerState(): Promise<OptimizerArray[]> {
    await this.writeBack();
    return this.setup.parts.optimizer.state();
  }

  async setOptimizerState(state: readonly OptimizerArray[]): Promise<void> {
    await this.writeBack();
    this.setup.parts.optimizer.setState(state);
    this.loadStateFromVariables();
  }

  dispose(): void {
    for (const pending of this.compiled.values()) void pending.then((s) => s.session.release(), () => undefined);
    this.compiled.clear();
    this.setup.parts.optimizer.dispose();
  }
}

export async function compileTrainer(model: tf.LayersModel, options: TrainerOptions): Promise<Trainer> {
  if (options.optimizer.type !== 'adam') throw new Error(`compileTrainer: optimizer '${String(options.optimizer.type)}' is not supported (adam only)`);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error('compileTrainer: the model must have exactly one input and one output');
  const loss = typeof options.loss === 'function' ? options.loss : lossFunction(options.loss, { classWeights: options.classWeights, labelSmoothing: options.labelSmoothing });
  const { trainable, nonTrainable } = modelVariables(model);
  // Weight decay on kernels only (conv, depthwise and dense), as is usual for AdamW.
  const decayed = model.trainableWeights.map((w) => /kernel$/.test(w.originalName));
  const optimizer = new AdamOptimizer(trainable, { decayed, ...options.optimizer });
  const setup: Setup = {
    parts: { model, loss, optimizer, params: trainable },
    state: [...trainable, ...nonTrainable, ...optimizer.variables],
    inputShape: staticShape(model.inputs[0]!.shape, 'input'),
    outputShape: staticShape(model.outputs[0]!.shape, 'output'),
    options,
  };
  if (options.engine === 'eager') return new EagerTrainer(setup);
  const trainer = new OnnxTrainer(setup);
  try {
    await trainer.compile(options.batchSize);
    return trainer;
  } catch (error) {
    if (!(error instanceof TraceUnsupportedError)) throw error;
    const reason = error.reason;
    (options.onFallback ?? ((r: string) => console.warn(`dermkit: training falls back to eager TF.js (slow): ${r}`)))(reason);
    return new EagerTrainer(setup, reason);
  }
}
