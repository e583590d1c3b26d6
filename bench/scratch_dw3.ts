import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/engine/onnx/builder.js';
import { encodeModel } from '../src/engine/onnx/model.js';
type Build = (g: GraphBuilder, x: string, dy: string) => string;
const [N, C, H] = (process.argv[2] ?? '8,96,112').split(',').map(Number) as [number, number, number];
const threads = Number(process.argv[3] ?? 1);
async function bench(name: string, build: Build) {
  const g = new GraphBuilder();
  const x = g.addInput({ name: 'x', dtype: 'float32', shape: [N, C, H, H] });
  const dy = g.addInput({ name: 'dy', dtype: 'float32', shape: [N, C, H, H] });
  const out = build(g, x, dy);
  g.addOutput({ name: 'out', dtype: 'float32', shape: [C * 9] }, g.op('Reshape', [out, g.int64s([C * 9])]));
  const s = await ort.InferenceSession.create(encodeModel(g.build('m')), { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1 });
  const feeds = { x: new ort.Tensor('float32', new Float32Array(N * C * H * H).map(() => Math.random() - 0.5), [N, C, H, H]), dy: new ort.Tensor('float32', new Float32Array(N * C * H * H).map(() => Math.random()), [N, C, H, H]) };
  await s.run(feeds); const ts = [];
  for (let i = 0; i < 5; i++) { const c = process.cpuUsage(); await s.run(feeds); const d = process.cpuUsage(c); ts.push((d.user + d.system) / 1000); }
  ts.sort((a, b) => a - b); console.log(`${N},${C},${H}`.padEnd(12), name.padEnd(36), ts[1]!.toFixed(1), 'cpu ms');
}
const M = N * H * H;
const taps = (g: GraphBuilder, xp: string, axes: number[], each: (s: string) => string) => { const r = []; for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r.push(each(g.op('Slice', [xp, g.int64s([i, j]), g.int64s([i + H, j + H]), g.int64s(axes)]))); return r; };
await bench('reference: one Mul+ReduceSum', (g, x, dy) => g.op('Tile', [g.op('ReduceSum', [g.op('Mul', [x, dy]), g.int64s([0, 2, 3])], { keepdims: 0 }), g.int64s([9])]));
await bench('NCHW slices mul reducesum', (g, x, dy) => {
  const xp = g.op('Pad', [x, g.int64s([0, 0, 1, 1, 0, 0, 1, 1])]);
  return g.op('Concat', taps(g, xp, [2, 3], (s) => g.op('ReduceSum', [g.op('Mul', [s, dy]), g.int64s([0, 2, 3])], { keepdims: 0 })), { axis: 0 }); });
await bench('NHWC slices mul gemv', (g, x, dy) => {
  const xp = g.op('Pad', [g.op('Transpose', [x], { perm: [0, 2, 3, 1] }), g.int64s([0, 1, 1, 0, 0, 1, 1, 0])]);
  const d = g.op('Transpose', [dy], { perm: [0, 2, 3, 1] });
  const ones = g.initializer('float32', [1, M], new Float32Array(M).fill(1));
  return g.op('Concat', taps(g, xp, [1, 2], (s) => g.op('MatMul', [ones, g.op('Reshape', [g.op('Mul', [s, d]), g.int64s([M, C])])])), { axis: 0 }); });
await bench('NCHW slices batched dot', (g, x, dy) => {
  const xp = g.op('Pad', [x, g.int64s([0, 0, 1, 1, 0, 0, 1, 1])]);
  const d = g.op('Reshape', [dy, g.int64s([N * C, H * H, 1])]);
  const dots = taps(g, xp, [2, 3], (s) => g.op('MatMul', [g.op('Reshape', [s, g.int64s([N * C, 1, H * H])]), d]));
  return g.op('ReduceSum', [g.op('Reshape', [g.op('Concat', dots, { axis: 2 }), g.int64s([N, C * 9])]), g.int64s([0])], { keepdims: 0 }); });
