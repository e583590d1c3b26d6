/** Max/average pooling and their gradients (NHWC outside, NCHW inside). */
import { tf } from '../../tf.js';
import type { ValueMeta } from '../trace/program.js';
import { sizeOf } from '../trace/program.js';
import { emitConvTranspose } from './conv.js';
import { filled } from './elementwise.js';
import { type AnyKernelLowering, inLayout, kernel, meta, required } from './types.js';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function poolInfo(x: ValueMeta, attrs: PoolAttrs): tf.backend_util.Conv2DInfo {
  const s = x.shape;
  if (s.length !== 4) throw new Error(`pooling expects a rank-4 input, got [${s.join(', ')}]`);
  return tf.backend_util.computePool2DInfo([s[0]!, s[1]!, s[2]!, s[3]!], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
}

function poolAttributes(info: tf.backend_util.Conv2DInfo) {
  const p = info.padInfo;
  return {
    kernel_shape: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    pads: [p.top, p.left, p.bottom, p.right],
  };
}

function pool(name: string, opType: 'MaxPool' | 'AveragePool'): AnyKernelLowering {
  return kernel<PoolAttrs>({
    infer: (inputs, attrs) => [meta(poolInfo(required(inputs, 'x', name), attrs).outShape, 'float32')],
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', name);
      const info = poolInfo(x, attrs);
      // TF averages over the window cells inside the image only, like count_include_pad = 0.
      const extra: Record<string, number> = opType === 'AveragePool' ? { count_include_pad: 0 } : {};
      return [inLayout(g.op(opType, [x.as('nchw')], { ...poolAttributes(info), ...extra }), 'nchw')];
    },
  });
}

export const poolKernels: Record<string, AnyKernelLowering> = {
  MaxPool: pool('MaxPool', 'MaxPool'),
  AvgPool: pool('AvgPool', 'AveragePool'),
  // dy goes to the first maximum of each window: recompute the argmax positions with ONNX
  // MaxPool's Indices (flat NCHW offsets) and scatter-add dy there.
  MaxPoolGrad: kernel<PoolAttrs>({
    infer: (inputs) => [meta(required(inputs, 'input', 'MaxPoolGrad').shape, 'float32')],
    emit: (g, inputs, attrs) => {
      const input = required(inputs, 'input', 'MaxPoolGrad');
      const dy = required(inputs, 'dy', 'MaxPoolGrad');
      const info = poolInfo(input, attrs);
      const [n, h, w, c] = input.shape as [number, number, number, number];
      const [, indices] = g.node('MaxPool', [input.as('nchw')], poolAttributes(info), 2);
      const flat = g.int64s([-1]);
      const scattered = g.op(
        'ScatterElements',
        [
          filled(g, [sizeOf(input.shape)], 0, 'float32'),
          g.op('Reshape', [indices!, flat]),
          g.op('Reshape', [dy.as('nchw'), flat]),
        ],
        { axis: 0, reduction: 'add' },
      );
      return [inLayout(g.op('Reshape', [scattered, g.int64s([n, c, h, w])]), 'nchw')];
    },
  }),
  // TF.js spreads dy evenly over the whole window (1 / window area, padding included): that is a
  // depthwise ConvTranspose with a constant kernel.
  AvgPoolGrad: kernel<PoolAttrs>({
    infer: (inputs) => [meta(required(inputs, 'input', 'AvgPoolGrad').shape, 'float32')],
    emit: (g, inputs, attrs) => {
      const input = required(inputs, 'input', 'AvgPoolGrad');
      const info = poolInfo(input, attrs);
      const channels = info.inChannels;
      const area = info.filterHeight * info.filterWidth;
      const weight = g.initializer('float32', [channels, 1, info.filterHeight, info.filterWidth], new Float32Array(channels * area).fill(1 / area));
      return [inLayout(emitConvTranspose(g, required(inputs, 'dy', 'AvgPoolGrad').as('nchw'), weight, info, channels), 'nchw')];
    },
  }),
};
