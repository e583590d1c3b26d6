import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/engine/onnx/builder.js';
import { encodeModel } from '../src/engine/onnx/model.js';
const [N, C, H] = (process.argv[2] ?? '8,96,56').split(',').map(Number) as [number, number, number];
async function bench(name: string, build: (g: GraphBuilder, dy: string, w: string) => string) {
  const g = new GraphBuilder();
  const dy = g.addInput({ name: 'dy', dtype: 'float32', shape: [N, C, H, H] });
  const w = g.addInput({ name: 'w', dtype: 'float32', shape: [C, 1, 3, 3] });
  g.addOutput({ name: 'out', dtype: 'float32', shape: [N, C, 2 * H, 2 * H] }, build(g, dy, w));
  const s = await ort.InferenceSession.create(encodeModel(g.build('m')), { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 });
  const out = new ort.Tensor('float32', new Float32Array(N * C * 4 * H * H), [N, C, 2 * H, 2 * H]);
  const feeds = { dy: new ort.Tensor('float32', new Float32Array(N * C * H * H).map(() => Math.random()), [N, C, H, H]), w: new ort.Tensor('float32', new Float32Array(C * 9).map(() => Math.random()), [C, 1, 3, 3]) };
  await s.run(feeds, { out }); const ts = [];
  for (let i = 0; i < 5; i++) { const c = process.cpuUsage(); await s.run(feeds, { out }); const d = process.cpuUsage(c); ts.push((d.user + d.system) / 1000); }
  ts.sort((a, b) => a - b); console.log(`${N},${C},${H}`.padEnd(12), name.padEnd(40), ts[1]!.toFixed(1), 'cpu ms');
}
const conv = (g: GraphBuilder, x: string, w: string) => g.op('Conv', [x, w], { group: C, kernel_shape: [3, 3], pads: [2, 2, 0, 0] });
await bench('pad6d + conv', (g, dy, w) => conv(g, g.op('Reshape', [g.op('Pad', [g.op('Reshape', [dy, g.int64s([N, C, H, 1, H, 1])]), g.int64s([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1])]), g.int64s([N, C, 2 * H, 2 * H])]), w));
await bench('concat zeros + DepthToSpace + conv', (g, dy, w) => {
  const z = g.op('ConstantOfShape', [g.int64s([N, C, H, H])], { value: { tensor: { name: 'v', dtype: 'float32', dims: [1], data: Float32Array.of(0) } } });
  // CRD: channel c*4 + (i*2 + j) -> position (2h+i, 2w+j); interleave per channel
  const stacked = g.op('Reshape', [g.op('Concat', [g.op('Unsqueeze', [dy, g.int64s([2])]), ...[1, 2, 3].map(() => g.op('Unsqueeze', [z, g.int64s([2])]))], { axis: 2 }), g.int64s([N, C * 4, H, H])]);
  return conv(g, g.op('DepthToSpace', [stacked], { blocksize: 2, mode: 'CRD' }), w); });
await bench('ConvTranspose s2', (g, dy, w) => g.op('ConvTranspose', [dy, w], { group: C, kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1], output_padding: [0, 0] }));
await bench('Resize nearest * mask + conv', (g, dy, w) => {
  const up = g.op('Resize', [dy, '', g.initializer('float32', [4], Float32Array.of(1, 1, 2, 2))], { mode: 'nearest' });
  const m = new Float32Array(4 * H * H); for (let i = 0; i < 2 * H; i += 2) for (let j = 0; j < 2 * H; j += 2) m[i * 2 * H + j] = 1;
  return conv(g, g.op('Mul', [up, g.initializer('float32', [1, 1, 2 * H, 2 * H], m)]), w); });
await bench('conv alone on 2H (reference)', (g, dy, w) => conv(g, g.op('Resize', [dy, '', g.initializer('float32', [4], Float32Array.of(1, 1, 2, 2))], { mode: 'nearest' }), w));
