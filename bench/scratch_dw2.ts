import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/engine/onnx/builder.js';
import { encodeModel } from '../src/engine/onnx/model.js';
type Build = (g: GraphBuilder, x: string, dy: string) => string;
const [N, C, H] = (process.argv[2] ?? '8,96,112').split(',').map(Number) as [number, number, number];
async function bench(name: string, build: Build, outSize = C * 9) {
  const g = new GraphBuilder();
  const x = g.addInput({ name: 'x', dtype: 'float32', shape: [N, C, H, H] });
  const dy = g.addInput({ name: 'dy', dtype: 'float32', shape: [N, C, H, H] });
  const out = build(g, x, dy);
  g.addOutput({ name: 'out', dtype: 'float32', shape: [outSize] }, g.op('Reshape', [out, g.int64s([outSize])]));
  const s = await ort.InferenceSession.create(encodeModel(g.build('m')), { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1 });
  const feeds = { x: new ort.Tensor('float32', new Float32Array(N * C * H * H).map(() => Math.random() - 0.5), [N, C, H, H]), dy: new ort.Tensor('float32', new Float32Array(N * C * H * H).map(() => Math.random()), [N, C, H, H]) };
  await s.run(feeds); const ts = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); await s.run(feeds); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); console.log(name.padEnd(40), ts[2]!.toFixed(1), 'ms');
}
const M = N * H * H;
await bench('NHWC slices + mul + gemv', (g, x, dy) => {
  const xp = g.op('Pad', [g.op('Transpose', [x], { perm: [0, 2, 3, 1] }), g.int64s([0, 1, 1, 0, 0, 1, 1, 0])]);
  const d = g.op('Transpose', [dy], { perm: [0, 2, 3, 1] });
  const ones = g.initializer('float32', [1, M], new Float32Array(M).fill(1));
  const r = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) { const s = g.op('Slice', [xp, g.int64s([i, j]), g.int64s([i + H, j + H]), g.int64s([1, 2])]); r.push(g.op('MatMul', [ones, g.op('Reshape', [g.op('Mul', [s, d]), g.int64s([M, C])])])); }
  return g.op('Concat', r, { axis: 0 }); });
await bench('grouped conv N*C', (g, x, dy) => {
  const o = g.op('Conv', [g.op('Reshape', [x, g.int64s([1, N * C, H, H])]), g.op('Reshape', [dy, g.int64s([N * C, 1, H, H])])], { group: N * C, pads: [1, 1, 1, 1], kernel_shape: [H, H] });
  return g.op('ReduceSum', [g.op('Reshape', [o, g.int64s([N, C, 9])]), g.int64s([0])], { keepdims: 0 }); });
const sh = [N, C, H, H].reduce((a, b) => a * b);
await bench('relu grad: Where(Greater, dy, 0)', (g, x, dy) => g.op('Where', [g.op('Greater', [x, g.scalar(0)]), dy, g.scalar(0)]), sh);
await bench('relu grad: Mul(dy, Cast(Greater))', (g, x, dy) => g.op('Mul', [dy, g.op('Cast', [g.op('Greater', [x, g.scalar(0)])], { to: 1 })]), sh);
await bench('relu grad: Mul(dy, Sign(Relu))', (g, x, dy) => g.op('Mul', [dy, g.op('Sign', [g.op('Relu', [x])])]), sh);
await bench('relu6 grad: Mul(dy, Cast(Equal(Clip,x)))', (g, x, dy) => g.op('Mul', [dy, g.op('Cast', [g.op('Equal', [g.op('Clip', [x, g.scalar(0), g.scalar(6)]), x])], { to: 1 })]), sh);
await bench('relu6 grad: Where(Equal(Clip,x),dy,0)', (g, x, dy) => g.op('Where', [g.op('Equal', [g.op('Clip', [x, g.scalar(0), g.scalar(6)]), x]), dy, g.scalar(0)]), sh);
await bench('just Mul', (g, x, dy) => g.op('Mul', [x, dy]), sh);
await bench('just Relu', (g, x) => g.op('Relu', [x]), sh);
