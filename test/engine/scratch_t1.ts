import { tf } from '../../src/models/tf.js';
import { compileTrainer } from '../../src/engine/index.js';
const L = tf.layers;
function model() {
  const inp = tf.input({shape:[8,8,3]});
  let x = L.conv2d({filters:4,kernelSize:3,strides:2,padding:'same',useBias:false, kernelInitializer: tf.initializers.glorotUniform({seed: 1})}).apply(inp) as tf.SymbolicTensor;
  x = L.batchNormalization({momentum:0.9}).apply(x) as tf.SymbolicTensor;
  x = L.reLU({maxValue:6}).apply(x) as tf.SymbolicTensor;
  x = L.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = L.dense({units:3,activation:'softmax', kernelInitializer: tf.initializers.glorotUniform({seed: 2})}).apply(x) as tf.SymbolicTensor;
  return tf.model({inputs:inp, outputs:x});
}
const m = model();
const init = m.getWeights().map(w => w.clone());
const B = 2;
const x = tf.randomNormal([B,8,8,3], 0, 1, 'float32', 3).dataSync() as Float32Array;
const y = Float32Array.from(tf.oneHot(tf.tensor1d([0,2],'int32'),3).dataSync());
async function run(engine: 'eager'|'onnx') {
  m.setWeights(init);
  const t = await compileTrainer(m, { loss: 'categoricalCrossentropy', optimizer: {type:'adam', learningRate: 0.01}, batchSize: B, engine });
  const losses = [];
  for (let i = 0; i < 3; i++) losses.push(await t.step(x, y));
  await t.writeBack();
  const w = m.getWeights().map(v => v.dataSync().slice());
  t.dispose();
  return {losses, w, engine: t.engine};
}
const e = await run('eager'); const o = await run('onnx');
console.log(e.engine, e.losses, o.engine, o.losses);
e.w.forEach((a, i) => { let m = 0, s = 0; const b = o.w[i]!; for (let j = 0; j < a.length; j++) { m = Math.max(m, Math.abs(a[j]! - b[j]!)); s = Math.max(s, Math.abs(a[j]!)); } console.log(i, m.toExponential(2), (m/s).toExponential(2)); });
