/** Element-wise kernels: unary math, broadcasting binary ops, comparisons, casts, fills. */
import { tf } from '../../models/tf.js';
import type { GraphBuilder } from '../onnx/builder.js';
import { float } from '../onnx/model.js';
import type { DType, ValueMeta } from '../trace/program.js';
import { type AnyKernelLowering, CAST_TO, kernel, meta, type Operand, required, variadic } from './types.js';

const sameAsX = (k: string) => (inputs: Readonly<Record<string, ValueMeta>>) => {
  const x = required(inputs, 'x', k);
  return [meta(x.shape, x.dtype)];
};

/** A kernel `x -> f(x)` emitted by `build`. */
function unary(name: string, build: (g: GraphBuilder, x: Operand) => string): AnyKernelLowering {
  return kernel({
    infer: sameAsX(name),
    emit: (g, inputs) => [build(g, required(inputs, 'x', name))],
  });
}

const simple = (name: string, opType: string) => unary(name, (g, x) => g.op(opType, [x.value]));

function broadcastShape(a: ValueMeta, b: ValueMeta): number[] {
  return tf.backend_util.assertAndGetBroadcastShape([...a.shape], [...b.shape]);
}

/** A broadcasting kernel `(a, b) -> f(a, b)`; comparisons produce bool. */
function binary(name: string, build: (g: GraphBuilder, a: string, b: string) => string, resultType?: DType): AnyKernelLowering {
  return kernel({
    infer: (inputs) => {
      const a = required(inputs, 'a', name);
      const b = required(inputs, 'b', name);
      return [meta(broadcastShape(a, b), resultType ?? a.dtype)];
    },
    emit: (g, inputs) => [build(g, required(inputs, 'a', name).value, required(inputs, 'b', name).value)],
  });
}

const binaryOp = (name: string, opType: string, resultType?: DType) =>
  binary(name, (g, a, b) => g.op(opType, [a, b]), resultType);

/** `value` broadcast to `shape` without materialising an initializer of that size. */
export function filled(g: GraphBuilder, shape: readonly number[], value: number, dtype: DType): string {
  const data = dtype === 'float32' ? Float32Array.of(value) : dtype === 'int32' ? Int32Array.of(value) : Uint8Array.of(value);
  return g.op('ConstantOfShape', [g.int64s(shape)], { value: { tensor: { name: 'value', dtype, dims: [1], data } } });
}

const likeKernel = (name: string, value: number) =>
  kernel({
    infer: sameAsX(name),
    emit: (g, inputs) => {
      const x = required(inputs, 'x', name);
      return [filled(g, x.shape, value, x.dtype)];
    },
  });

interface CastAttrs { dtype: DType }
interface ClipAttrs { clipValueMin: number; clipValueMax: number }
interface AlphaAttrs { alpha: number }

export const elementwiseKernels: Record<string, AnyKernelLowering> = {
  Abs: simple('Abs', 'Abs'),
  Neg: simple('Neg', 'Neg'),
  Exp: simple('Exp', 'Exp'),
  Log: simple('Log', 'Log'),
  Sqrt: simple('Sqrt', 'Sqrt'),
  Reciprocal: simple('Reciprocal', 'Reciprocal'),
  Relu: simple('Relu', 'Relu'),
  Sigmoid: simple('Sigmoid', 'Sigmoid'),
  Tanh: simple('Tanh', 'Tanh'),
  Floor: simple('Floor', 'Floor'),
  Ceil: simple('Ceil', 'Ceil'),
  // TF.js rounds halves to even, as ONNX Round does.
  Round: simple('Round', 'Round'),
  Sign: simple('Sign', 'Sign'),
  Erf: simple('Erf', 'Erf'),
  Sin: simple('Sin', 'Sin'),
  Cos: simple('Cos', 'Cos'),
  Softplus: simple('Softplus', 'Softplus'),
  Elu: simple('Elu', 'Elu'),
  // ONNX's default alpha/gamma are TF's SELU constants.
  Selu: simple('Selu', 'Selu'),
  IsNan: unary('IsNan', (g, x) => g.op('IsNaN', [x.value])),
  LogicalNot: simple('LogicalNot', 'Not'),
  Rsqrt: unary('Rsqrt', (g, x) => g.op('Reciprocal', [g.op('Sqrt', [x.value])])),
  Square: unary('Square', (g, x) => g.op('Mul', [x.value, x.value])),
  Log1p: unary('Log1p', (g, x) => g.op('Log', [g.op('Add', [x.value, g.scalar(1)])])),
  Expm1: unary('Expm1', (g, x) => g.op('Sub', [g.op('Exp', [x.value]), g.scalar(1)])),
  Relu6: unary('Relu6', (g, x) => g.op('Clip', [x.value, g.scalar(0), g.scalar(6)])),
  Identity: unary('Identity', (_g, x) => x.value),
  ZerosLike: likeKernel('ZerosLike', 0),
  OnesLike: likeKernel('OnesLike', 1),
  LeakyRelu: kernel<AlphaAttrs>({
    infer: sameAsX('LeakyRelu'),
    emit: (g, inputs, attrs) => [g.op('LeakyRelu', [required(inputs, 'x', 'LeakyRelu').value], { alpha: float(attrs.alpha) })],
  }),
  // step(x) = x > 0 ? 1 : alpha (the gradient mask of relu-like activations).
  Step: kernel<AlphaAttrs>({
    infer: sameAsX('Step'),
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'Step');
      const positive = g.op('Greater', [x.value, g.scalar(0, x.dtype)]);
      return [g.op('Where', [positive, g.scalar(1, x.dtype), g.scalar(attrs.alpha, x.dtype)])];
    },
  }),
  ClipByValue: kernel<ClipAttrs>({
    infer: sameAsX('ClipByValue'),
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'ClipByValue');
      return [g.op('Clip', [x.value, g.scalar(attrs.clipValueMin, x.dtype), g.scalar(attrs.clipValueMax, x.dtype)])];
    },
  }),
  Cast: kernel<CastAttrs>({
    infer: (inputs, attrs) => [meta(required(inputs, 'x', 'Cast').shape, attrs.dtype)],
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'Cast');
      return [x.dtype === attrs.dtype ? x.value : g.op('Cast', [x.value], { to: CAST_TO[attrs.dtype] })];
    },
  }),
  EluGrad: kernel({
    infer: (inputs) => [meta(required(inputs, 'dy', 'EluGrad').shape, 'float32')],
    emit: (g, inputs) => {
      const dy = required(inputs, 'dy', 'EluGrad').value;
      const y = required(inputs, 'y', 'EluGrad').value;
      const positive = g.op('Greater', [y, g.scalar(0)]);
      return [g.op('Where', [positive, dy, g.op('Mul', [dy, g.op('Add', [y, g.scalar(1)])])])];
    },
  }),
  Prelu: kernel({
    infer: sameAsX('Prelu'),
    emit: (g, inputs) => [g.op('PRelu', [required(inputs, 'x', 'Prelu').value, required(inputs, 'alpha', 'Prelu').value])],
  }),

  Add: binaryOp('Add', 'Add'),
  Sub: binaryOp('Sub', 'Sub'),
  Multiply: binaryOp('Multiply', 'Mul'),
  RealDiv: binaryOp('RealDiv', 'Div'),
  Maximum: binaryOp('Maximum', 'Max'),
  Minimum: binaryOp('Minimum', 'Min'),
  Pow: binaryOp('Pow', 'Pow'),
  SquaredDifference: binary('SquaredDifference', (g, a, b) => {
    const d = g.op('Sub', [a, b]);
    return g.op('Mul', [d, d]);
  }),
  Greater: binaryOp('Greater', 'Greater', 'bool'),
  GreaterEqual: binaryOp('GreaterEqual', 'GreaterOrEqual', 'bool'),
  Less: binaryOp('Less', 'Less', 'bool'),
  LessEqual: binaryOp('LessEqual', 'LessOrEqual', 'bool'),
  Equal: binaryOp('Equal', 'Equal', 'bool'),
  NotEqual: binary('NotEqual', (g, a, b) => g.op('Not', [g.op('Equal', [a, b])]), 'bool'),
  LogicalAnd: binaryOp('LogicalAnd', 'And', 'bool'),
  LogicalOr: binaryOp('LogicalOr', 'Or', 'bool'),

  AddN: kernel({
    infer: (inputs) => {
      const first = variadic(inputs)[0];
      if (first === undefined) throw new Error('kernel AddN: no inputs');
      return [meta(first.shape, first.dtype)];
    },
    emit: (g, inputs) => {
      const terms = variadic(inputs).map((t) => t.value);
      return [terms.length === 1 ? terms[0]! : g.op('Sum', terms)];
    },
  }),
  Select: kernel({
    infer: (inputs) => {
      const t = required(inputs, 't', 'Select');
      return [meta(broadcastShape(t, required(inputs, 'e', 'Select')), t.dtype)];
    },
    emit: (g, inputs) => {
      const condition = required(inputs, 'condition', 'Select');
      const t = required(inputs, 't', 'Select');
      // TF selects whole rows when the condition is a vector and t has a higher rank;
      // ONNX broadcasts from the right, so give the condition trailing unit axes.
      let c = condition.value;
      if (condition.shape.length === 1 && t.shape.length > 1) {
        c = g.op('Reshape', [c, g.int64s([condition.shape[0]!, ...t.shape.slice(1).map(() => 1)])]);
      }
      return [g.op('Where', [c, t.value, required(inputs, 'e', 'Select').value])];
    },
  }),
};
