import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/engine/onnx/builder.js';
import { encodeModel } from '../src/engine/onnx/model.js';
const [N, C, H] = (process.argv[2] ?? '8,96,56').split(',').map(Number) as [number, number, number];
async function bench(name: string, shape: number[], outShape: number[], build: (g: GraphBuilder, x: string) => string) {
  const g = new GraphBuilder();
  const x = g.addInput({ name: 'x', dtype: 'float32', shape });
  g.addOutput({ name: 'out', dtype: 'float32', shape: outShape }, build(g, x));
  const s = await ort.InferenceSession.create(encodeModel(g.build('m')), { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 });
  const out = new ort.Tensor('float32', new Float32Array(outShape.reduce((a, b) => a * b, 1)), outShape);
  const feeds = { x: new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => Math.random()), shape) };
  await s.run(feeds, { out }); const ts = [];
  for (let i = 0; i < 7; i++) { const c = process.cpuUsage(); await s.run(feeds, { out }); const d = process.cpuUsage(c); ts.push((d.user + d.system) / 1000); }
  ts.sort((a, b) => a - b); console.log(`${N},${C},${H}`.padEnd(12), name.padEnd(40), ts[2]!.toFixed(2), 'cpu ms');
}
const nchw = [N, C, H, H], nhwc = [N, H, H, C];
const vec = (g: GraphBuilder, shape: number[]) => g.initializer('float32', shape, new Float32Array(C).fill(1.5));
await bench('Mul NCHW x v[1,C,1,1]', nchw, nchw, (g, x) => g.op('Mul', [x, vec(g, [1, C, 1, 1])]));
await bench('Mul NHWC x v[C]', nhwc, nhwc, (g, x) => g.op('Mul', [x, vec(g, [C])]));
await bench('Mul x x', nchw, nchw, (g, x) => g.op('Mul', [x, x]));
await bench('BatchNormalization NCHW', nchw, nchw, (g, x) => g.op('BatchNormalization', [x, vec(g, [C]), vec(g, [C]), vec(g, [C]), vec(g, [C])]));
await bench('Mul+Add NCHW vec', nchw, nchw, (g, x) => g.op('Add', [g.op('Mul', [x, vec(g, [1, C, 1, 1])]), vec(g, [1, C, 1, 1])]));
await bench('Mul+Add NHWC vec', nhwc, nhwc, (g, x) => g.op('Add', [g.op('Mul', [x, vec(g, [C])]), vec(g, [C])]));
await bench('ReduceSum NCHW [0,2,3]', nchw, [C], (g, x) => g.op('ReduceSum', [x, g.int64s([0, 2, 3])], { keepdims: 0 }));
await bench('ReduceSum NHWC via MatMul', nhwc, [C], (g, x) => g.op('Reshape', [g.op('MatMul', [g.initializer('float32', [1, N * H * H], new Float32Array(N * H * H).fill(1)), g.op('Reshape', [x, g.int64s([N * H * H, C])])]), g.int64s([C])]));
await bench('ReduceMean NCHW [0,2,3]', nchw, [C], (g, x) => g.op('ReduceMean', [x], { axes: [0, 2, 3], keepdims: 0 }));
await bench('Transpose NCHW->NHWC', nchw, nhwc, (g, x) => g.op('Transpose', [x], { perm: [0, 2, 3, 1] }));
await bench('Relu', nchw, nchw, (g, x) => g.op('Relu', [x]));
await bench('Clip', nchw, nchw, (g, x) => g.op('Clip', [x, g.scalar(0), g.scalar(0.5)]));
await bench('Mul(x, Cast(Greater(x,0.5)))', nchw, nchw, (g, x) => g.op('Mul', [x, g.op('Cast', [g.op('Greater', [x, g.scalar(0.5)])], { to: 1 })]));
await bench('Where(Greater(x,.5), x, 0)', nchw, nchw, (g, x) => g.op('Where', [g.op('Greater', [x, g.scalar(0.5)]), x, g.scalar(0)]));
const w = (g: GraphBuilder) => g.initializer('float32', [C, 1, 3, 3], new Float32Array(C * 9).fill(0.1));
await bench('dw Conv 3x3 s1', nchw, nchw, (g, x) => g.op('Conv', [x, w(g)], { group: C, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }));
await bench('dw ConvTranspose 3x3 s1', nchw, nchw, (g, x) => g.op('ConvTranspose', [x, w(g)], { group: C, kernel_shape: [3, 3], pads: [1, 1, 1, 1] }));
