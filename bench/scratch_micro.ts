import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/engine/onnx/builder.js';
import { encodeModel } from '../src/engine/onnx/model.js';
type Build = (g: GraphBuilder, x: string, dy: string) => string;
const [N, C, H] = [8, 144, 56];
async function bench(name: string, xShape: number[], dyShape: number[], build: Build) {
  const g = new GraphBuilder();
  const x = g.addInput({ name: 'x', dtype: 'float32', shape: xShape });
  const dy = g.addInput({ name: 'dy', dtype: 'float32', shape: dyShape });
  const out = build(g, x, dy);
  g.addOutput({ name: 'out', dtype: 'float32', shape: [] as number[] }, out);
  g.outputs[0]!.shape = [];
  const bytes = encodeModel({ ...g.build('m'), outputs: [{ name: 'out', dtype: 'float32', shape: ['?'] as unknown as number[] }] });
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1 });
  const feeds = { x: new ort.Tensor('float32', new Float32Array(xShape.reduce((a, b) => a * b)).map(() => Math.random()), xShape), dy: new ort.Tensor('float32', new Float32Array(dyShape.reduce((a, b) => a * b)).map(() => Math.random()), dyShape) };
  await s.run(feeds); const ts = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); await s.run(feeds); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); console.log(name.padEnd(40), ts[2]!.toFixed(1), 'ms');
}
const nhwc = [N, H, H, C], nchw = [N, C, H, H];
await bench('dwgrad slices NCHW mul+reducesum', nchw, nchw, (g, x, dy) => {
  const xp = g.op('Pad', [x, g.int64s([0, 0, 1, 1, 0, 0, 1, 1])]); const taps = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) { const s = g.op('Slice', [xp, g.int64s([i, j]), g.int64s([i + H, j + H]), g.int64s([2, 3])]); taps.push(g.op('ReduceSum', [g.op('Mul', [s, dy]), g.int64s([0, 2, 3])], { keepdims: 0 })); }
  return g.op('Concat', taps, { axis: 0 }); });
await bench('dwgrad grouped conv group=C', nchw, nchw, (g, x, dy) => {
  const xt = g.op('Reshape', [g.op('Transpose', [x], { perm: [1, 0, 2, 3] }), g.int64s([1, C * N, H, H])]);
  const w = g.op('Transpose', [dy], { perm: [1, 0, 2, 3] });
  return g.op('Conv', [xt, w], { group: C, pads: [1, 1, 1, 1], kernel_shape: [H, H] }); });
await bench('dwgrad grouped conv group=C (no transposes, wrong)', nchw, nchw, (g, x, dy) => {
  const xt = g.op('Reshape', [x, g.int64s([1, C * N, H, H])]);
  return g.op('Conv', [xt, dy], { group: C, pads: [1, 1, 1, 1], kernel_shape: [H, H] }); });
await bench('einsum per tap', nchw, nchw, (g, x, dy) => {
  const xp = g.op('Pad', [x, g.int64s([0, 0, 1, 1, 0, 0, 1, 1])]); const taps = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) { const s = g.op('Slice', [xp, g.int64s([i, j]), g.int64s([i + H, j + H]), g.int64s([2, 3])]); taps.push(g.op('Einsum', [s, dy], { equation: 'nchw,nchw->c' })); }
  return g.op('Concat', taps, { axis: 0 }); });
// depthwise input grad
const wShape = [C, 1, 3, 3];
await bench('dw ConvTranspose s1', nchw, nchw, (g, _x, dy) => g.op('ConvTranspose', [dy, g.initializer('float32', wShape, new Float32Array(C * 9).fill(0.1))], { group: C, pads: [1, 1, 1, 1], kernel_shape: [3, 3] }));
await bench('dw Conv flipped s1', nchw, nchw, (g, _x, dy) => g.op('Conv', [dy, g.initializer('float32', wShape, new Float32Array(C * 9).fill(0.1))], { group: C, pads: [1, 1, 1, 1], kernel_shape: [3, 3] }));
await bench('dw Conv forward NCHW', nchw, nchw, (g, x) => g.op('Conv', [x, g.initializer('float32', wShape, new Float32Array(C * 9).fill(0.1))], { group: C, pads: [1, 1, 1, 1], kernel_shape: [3, 3] }));
await bench('Transpose NHWC->NCHW', nhwc, [1], (g, x) => g.op('Transpose', [x], { perm: [0, 3, 1, 2] }));
await bench('Where full', nchw, nchw, (g, x, dy) => g.op('Where', [g.op('Greater', [x, g.scalar(0.5)]), dy, g.scalar(0)]));
