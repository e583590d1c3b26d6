import { BENCH_MODELS } from './models.js';
import { traceFunction } from '../src/engine/trace/trace.js';
import { lowerProgram } from '../src/engine/lower.js';
import { AdamOptimizer } from '../src/engine/adam.js';
import { lossFunction } from '../src/engine/losses.js';
import { modelVariables, trainingStep } from '../src/engine/step.js';
const spec = BENCH_MODELS[process.argv[2] ?? 'mobilenet_v2']!;
const m = spec.build();
const { trainable, nonTrainable } = modelVariables(m);
const adam = new AdamOptimizer(trainable, { learningRate: 1e-3 });
const parts = { model: m, loss: lossFunction(spec.task === 'cls' ? 'categoricalCrossentropy' : 'bceDice'), optimizer: adam, params: trainable };
const state = [...trainable, ...nonTrainable, ...adam.variables];
const B = 2;
const outShape = m.outputs[0]!.shape.slice(1) as number[];
const trace = traceFunction({ state, inputs: [{ name: 'x', shape: [B, spec.size, spec.size, 3], dtype: 'float32' }, { name: 'y', shape: [B, ...outShape], dtype: 'float32' }], run: ([x, y]) => ({ loss: trainingStep(parts, x!, y!) }) });
const { graph } = lowerProgram(trace.program, { name: 'p' });
const producer = new Map<string, string>(); const consumers = new Map<string, string[]>();
for (const n of graph.nodes) { for (const o of n.outputs) producer.set(o, n.opType); for (const i of n.inputs) { const l = consumers.get(i) ?? []; l.push(n.opType); consumers.set(i, l); } }
const agg: Record<string, number> = {};
for (const n of graph.nodes) if (n.opType === 'Transpose') { const k = `${producer.get(n.inputs[0]!) ?? 'input'} -> T${JSON.stringify(n.attributes['perm'])} -> ${(consumers.get(n.outputs[0]!) ?? []).join('+')}`; agg[k] = (agg[k] ?? 0) + 1; }
for (const [k, v] of Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(v, k);
