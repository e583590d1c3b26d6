/** Element-wise kernels: unary math, broadcasting binary ops, comparisons, casts, fills. */
import { tf } from '../../tf.js';
import type { GraphBuilder } from '../onnx/builder.js';
import { float } from '../onnx/model.js';
import type { DType, ValueMeta } from '../trace/program.js';
import { alias, type AnyKernelLowering, CAST_TO, elementwiseLayout, type Emitted, inLayout, kernel, type Layout, meta, NHWC_TO_NCHW, type Operand, required, variadic } from './types.js';

const sameAsX = (k: string) => (inputs: Readonly<Record<string, ValueMeta>>) => {
  const x = required(inputs, 'x', k);
  return [meta(x.shape, x.dtype)];
};

/** The shape a value of TF.js shape `shape` has when stored in `layout`. */
function physicalShape(shape: readonly number[], layout: Layout): number[] {
  return layout === 'nchw' && shape.length === 4 ? NHWC_TO_NCHW.map((p) => shape[p]!) : [...shape];
}

/** A kernel `x -> f(x)` emitted by `build`, computed in whatever layout x already has. */
function unary(name: string, build: (g: GraphBuilder, x: string) => string): AnyKernelLowering {
  return kernel({
    infer: sameAsX(name),
    emit: (g, inputs) => {
      const x = required(inputs, 'x', name);
      return [inLayout(build(g, x.as(x.layout)), x.layout)];
    },
  });
}

const simple = (name: string, opType: string) => unary(name, (g, x) => g.op(opType, [x]));

function broadcastShape(a: ValueMeta, b: ValueMeta): number[] {
  return tf.backend_util.assertAndGetBroadcastShape([...a.shape], [...b.shape]);
}

/** Emit `f(operands...)` element-wise, in NCHW when any rank-4 operand already is. */
export function elementwise(operands: readonly Operand[], shape: readonly number[], build: (values: string[], layout: Layout) => string): Emitted {
  const layout = elementwiseLayout(operands, shape);
  return inLayout(build(operands.map((o) => o.as(layout)), layout), layout);
}

/** A broadcasting kernel `(a, b) -> f(a, b)`; comparisons produce bool. */
function binary(name: string, build: (g: GraphBuilder, a: string, b: string) => string, resultType?: DType): AnyKernelLowering {
  return kernel({
    infer: (inputs) => {
      const a = required(inputs, 'a', name);
      const b = required(inputs, 'b', name);
      return [meta(broadcastShape(a, b), resultType ?? a.dtype)];
    },
    emit: (g, inputs, _attrs, [out]) =>
      [elementwise([required(inputs, 'a', name), required(inputs, 'b', name)], out!.shape, ([a, b]) => build(g, a!, b!))],
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
      const layout = x.shape.length === 4 ? 'nchw' : 'nhwc';
      return [{ value: filled(g, physicalShape(x.shape, layout), value, x.dtype), layout, uniform: value }];
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
  IsNan: unary('IsNan', (g, x) => g.op('IsNaN', [x])),
  LogicalNot: simple('LogicalNot', 'Not'),
  Rsqrt: unary('Rsqrt', (g, x) => g.op('Reciprocal', [g.op('Sqrt', [x])])),
  Square: kernel({
    infer: sameAsX('Square'),
    emit: (g, inputs) => {
      const x = required(inputs, 'x', 'Square');
      const source = x.as(x.layout);
      return [{ value: g.op('Mul', [source, source]), layout: x.layout, squareOf: source }];
    },
  }),
  Log1p: unary('Log1p', (g, x) => g.op('Log', [g.op('Add', [x, g.scalar(1)])])),
  Expm1: unary('Expm1', (g, x) => g.op('Sub', [g.op('Exp', [x]), g.scalar(1)])),
  Relu6: unary('Relu6', (g, x) => g.op('Clip', [x, g.scalar(0), g.scalar(6)])),
  Identity: kernel({ infer: sameAsX('Identity'), emit: (_g, inputs) => [alias(required(inputs, 'x', 'Identity'))] }),
  ZerosLike: likeKernel('ZerosLike', 0),
  OnesLike: likeKernel('OnesLike', 1),
  LeakyRelu: kernel<AlphaAttrs>({
    infer: sameAsX('LeakyRelu'),
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'LeakyRelu');
      return [inLayout(g.op('LeakyRelu', [x.as(x.layout)], { alpha: float(attrs.alpha) }), x.layout)];
    },
  }),
  // step(x) = x > 0 ? 1 : alpha (the gradient mask of relu-like activations).
  Step: kernel<AlphaAttrs>({
    infer: sameAsX('Step'),
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'Step');
      const positive = g.op('Greater', [x.as(x.layout), g.scalar(0, x.dtype)]);
      return [inLayout(g.op('Where', [positive, g.scalar(1, x.dtype), g.scalar(attrs.alpha, x.dtype)]), x.layout)];
    },
  }),
  ClipByValue: kernel<ClipAttrs>({
    infer: sameAsX('ClipByValue'),
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'ClipByValue');
      const clipped = g.op('Clip', [x.as(x.layout), g.scalar(attrs.clipValueMin, x.dtype), g.scalar(attrs.clipValueMax, x.dtype)]);
      return [inLayout(clipped, x.layout)];
    },
  }),
  Cast: kernel<CastAttrs>({
    infer: (inputs, attrs) => [meta(required(inputs, 'x', 'Cast').shape, attrs.dtype)],
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'Cast');
      if (x.dtype === attrs.dtype) return [alias(x)];
      return [inLayout(g.op('Cast', [x.as(x.layout)], { to: CAST_TO[attrs.dtype] }), x.layout)];
    },
  }),
  EluGrad: kernel({
    infer: (inputs) => [meta(required(inputs, 'dy', 'EluGrad').shape, 'float32')],
    emit: (g, inputs, _attrs, [out]) =>
      [elementwise([required(inputs, 'dy', 'EluGrad'), required(inputs, 'y', 'EluGrad')], out!.shape, ([dy, y]) => {
        const positive = g.op('Greater', [y!, g.scalar(0)]);
        return g.op('Where', [positive, dy!, g.op('Mul', [dy!, g.op('Add', [y!, g.scalar(1)])])]);
      })],
  }),
  Prelu: kernel({
    infer: sameAsX('Prelu'),
    emit: (g, inputs, _attrs, [out]) =>
      [elementwise([required(inputs, 'x', 'Prelu'), required(inputs, 'alpha', 'Prelu')], out!.shape, ([x, alpha]) => g.op('PRelu', [x!, alpha!]))],
  }),

  Add: kernel({
    infer: (inputs) => [meta(broadcastShape(required(inputs, 'a', 'Add'), required(inputs, 'b', 'Add')), required(inputs, 'a', 'Add').dtype)],
    emit: (g, inputs, _attrs, [out]) => {
      const a = required(inputs, 'a', 'Add');
      const b = required(inputs, 'b', 'Add');
      // Gradient accumulation adds zerosLike(...) terms: pass the other operand through.
      for (const [zero, other] of [[a, b], [b, a]] as const) {
        if (zero.uniform === 0 && other.shape.join() === out!.shape.join()) return [alias(other)];
      }
      return [elementwise([a, b], out!.shape, ([x, y]) => g.op('Add', [x!, y!]))];
    },
  }),
  Sub: binaryOp('Sub', 'Sub'),
  Multiply: kernel({
    infer: (inputs) => [meta(broadcastShape(required(inputs, 'a', 'Multiply'), required(inputs, 'b', 'Multiply')), required(inputs, 'a', 'Multiply').dtype)],
    emit: (g, inputs, _attrs, [out]) => {
      const a = required(inputs, 'a', 'Multiply');
      const b = required(inputs, 'b', 'Multiply');
      // TF.js's Sum/Mean gradients broadcast dy by multiplying with ones(x.shape): expand instead.
      const [ones, other] = b.uniform === 1 ? [b, a] : a.uniform === 1 ? [a, b] : [undefined, undefined];
      if (ones !== undefined && other !== undefined) {
        if (other.shape.join() === out!.shape.join()) return [alias(other)];
        if (ones.shape.join() === out!.shape.join()) {
          return [elementwise([other, ones], out!.shape, ([x], layout) => g.op('Expand', [x!, g.int64s(physicalShape(out!.shape, layout))]))];
        }
      }
      return [elementwise([a, b], out!.shape, ([x, y]) => g.op('Mul', [x!, y!]))];
    },
  }),
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
    emit: (g, inputs, _attrs, [out]) => {
      const terms = variadic(inputs);
      return [elementwise(terms, out!.shape, (values) => (values.length === 1 ? values[0]! : g.op('Sum', values)))];
    },
  }),
  Select: kernel({
    infer: (inputs) => {
      const t = required(inputs, 't', 'Select');
      return [meta(broadcastShape(t, required(inputs, 'e', 'Select')), t.dtype)];
    },
    emit: (g, inputs, _attrs, [out]) => {
      const condition = required(inputs, 'condition', 'Select');
      const t = required(inputs, 't', 'Select');
      const e = required(inputs, 'e', 'Select');
      if (condition.shape.length === 1 && t.shape.length > 1) {
        // TF selects whole rows when the condition is a vector and t has a higher rank; ONNX
        // broadcasts from the right, so give the condition trailing unit axes.
        const rows = g.op('Reshape', [condition.value, g.int64s([condition.shape[0]!, ...t.shape.slice(1).map(() => 1)])]);
        return [g.op('Where', [rows, t.value, e.value])];
      }
      // Gradients of ReLU-like ops select between dy and zerosLike(dy): a multiplication by the
      // mask is much faster in ONNX Runtime than Where.
      if (e.uniform === 0 && t.dtype === 'float32' && t.shape.join() === out!.shape.join()) {
        return [elementwise([condition, t], out!.shape, ([c, x]) => g.op('Mul', [x!, g.op('Cast', [c!], { to: CAST_TO.float32 })]))];
      }
      // A uniform branch is used as a broadcast scalar.
      const branch = (o: Operand, v: string) => (o.uniform !== undefined ? g.scalar(o.uniform, o.dtype) : v);
      return [elementwise([condition, t, e], out!.shape, ([c, x, y]) => g.op('Where', [c!, branch(t, x!), branch(e, y!)]))];
    },
  }),
};
