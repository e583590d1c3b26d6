/**
 * The one place dermkit imports TensorFlow.js. Every module uses `tf` from here so that the backend
 * is chosen once: the pure-JS `cpu` backend (tfjs-node cannot be installed on our machines, and the
 * fast path on Node is ONNX Runtime, see src/engine). Prod mode silences the "install tfjs-node"
 * banner, which would otherwise land in the middle of CLI output.
 */
import * as tf from '@tensorflow/tfjs';

tf.enableProdMode();
await tf.setBackend('cpu');

export { tf };
