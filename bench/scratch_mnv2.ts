import { tf } from '../src/models/tf.js';
import { BENCH_MODELS } from './models.js';
import { traceFunction } from '../src/engine/trace/trace.js';
import { lowerProgram } from '../src/engine/lower.js';
import { encodeModel } from '../src/engine/onnx/model.js';
import { compileTrainer } from '../src/engine/index.js';
const name = process.argv[2] ?? 'mobilenet_v2';
const B = Number(process.argv[3] ?? 8);
const spec = BENCH_MODELS[name]!;
let t = performance.now();
const m = spec.build();
console.log('build ms', (performance.now()-t).toFixed(0), 'params', m.countParams());
const xs = new Float32Array(B*spec.size*spec.size*3).map(() => Math.random()*2-1);
const ys = spec.task === 'cls' ? new Float32Array(B*7).map((_, i) => (i % 7 === i / 7 % 7 ? 1 : 0)) : new Float32Array(B*spec.size*spec.size).map(() => Math.random() > 0.5 ? 1 : 0);
t = performance.now();
const tr = await compileTrainer(m, { loss: spec.task === 'cls' ? 'categoricalCrossentropy' : 'bceDice', optimizer: {type:'adam', learningRate: 1e-3}, batchSize: B, threads: 2 });
console.log('compile ms', (performance.now()-t).toFixed(0), tr.engine, tr.fallbackReason);
for (let i = 0; i < 4; i++) { t = performance.now(); const l = await tr.step(xs, ys); const ms = performance.now()-t; console.log('step', i, l.toFixed(4), ms.toFixed(0), 'ms', (B*1000/ms).toFixed(2), 'img/s'); }
console.log('rss MB', (process.memoryUsage().rss/1e6).toFixed(0));
