import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/engine/onnx/builder.js';
import { encodeModel } from '../src/engine/onnx/model.js';
type Build = (g: GraphBuilder, x: string, dy: string) => string;
const [N, C, H] = (process.argv[2] ?? '8,96,112').split(',').map(Number) as [number, number, number];
async function bench(name: string, build: Build) {
  const g = new GraphBuilder();
  const x = g.addInput({ name: 'x', dtype: 'float32', shape: [N, C, H, H] });
  const dy = g.addInput({ name: 'dy', dtype: 'float32', shape: [N, C, H, H] });
  const out = build(g, x, dy);
  g.addOutput({ name: 'out', dtype: 'float32', shape: [C * 9] }, g.op('Reshape', [out, g.int64s([C * 9])]));
  const s = await ort.InferenceSession.create(encodeModel(g.build('m')), { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1 });
  const feeds = { x: new ort.Tensor('float32', new Float32Array(N * C * H * H).map(() => Math.random()), [N, C, H, H]), dy: new ort.Tensor('float32', new Float32Array(N * C * H * H).map(() => Math.random()), [N, C, H, H]) };
  await s.run(feeds); const ts = [];
  for (let i = 0; i < 5; i++) { const t = performance.now(); await s.run(feeds); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); console.log(name.padEnd(40), ts[2]!.toFixed(1), 'ms');
}
const taps = (g: GraphBuilder, xp: string, axes: number[], each: (s: string) => string) => { const r = []; for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r.push(each(g.op('Slice', [xp, g.int64s([i, j]), g.int64s([i + H, j + H]), g.int64s(axes)]))); return r; };
await bench('mul only (reference pass)', (g, x, dy) => g.op('Tile', [g.op('ReduceSum', [g.op('Mul', [x, dy]), g.int64s([0, 2, 3])], { keepdims: 0 }), g.int64s([9])]));
await bench('slices NCHW mul+reducesum', (g, x, dy) => {
  const xp = g.op('Pad', [x, g.int64s([0, 0, 1, 1, 0, 0, 1, 1])]);
  return g.op('Concat', taps(g, xp, [2, 3], (s) => g.op('ReduceSum', [g.op('Mul', [s, dy]), g.int64s([0, 2, 3])], { keepdims: 0 })), { axis: 0 }); });
await bench('CNHW slices + batched gemv', (g, x, dy) => {
  const xp = g.op('Pad', [g.op('Transpose', [x], { perm: [1, 0, 2, 3] }), g.int64s([0, 0, 1, 1, 0, 0, 1, 1])]);
  const d = g.op('Reshape', [g.op('Transpose', [dy], { perm: [1, 0, 2, 3] }), g.int64s([C, N * H * H, 1])]);
  return g.op('Concat', taps(g, xp, [2, 3], (s) => g.op('MatMul', [g.op('Reshape', [s, g.int64s([C, 1, N * H * H])]), d])), { axis: 1 }); });
await bench('grouped conv N*C', (g, x, dy) => {
  const o = g.op('Conv', [g.op('Reshape', [x, g.int64s([1, N * C, H, H])]), g.op('Reshape', [dy, g.int64s([N * C, 1, H, H])])], { group: N * C, pads: [1, 1, 1, 1], kernel_shape: [H, H] });
  return g.op('ReduceSum', [g.op('Reshape', [o, g.int64s([N, C, 9])]), g.int64s([0])], { keepdims: 0 }); });
await bench('row GEMM + diagonal', (g, x, dy) => {
  // for each row tap i: M_i = A_i^T D (per plane), out[i,j] = sum_w M_i[w+j, w]
  const xp = g.op('Pad', [x, g.int64s([0, 0, 1, 1, 0, 0, 1, 1])]);
  const res = [];
  const masks = [0, 1, 2].map((j) => { const m = new Float32Array((H + 2) * H); for (let w = 0; w < H; w++) m[(w + j) * H + w] = 1; return g.initializer('float32', [H + 2, H], m); });
  for (let i = 0; i < 3; i++) {
    const rows = g.op('Slice', [xp, g.int64s([i]), g.int64s([i + H]), g.int64s([2])]);
    const mm = g.op('MatMul', [g.op('Transpose', [rows], { perm: [0, 1, 3, 2] }), dy]); // [N,C,W+2,W]
    for (const mask of masks) res.push(g.op('ReduceSum', [g.op('Mul', [mm, mask]), g.int64s([0, 2, 3])], { keepdims: 0 }));
  }
  return g.op('Concat', res, { axis: 0 }); });
