/** The table of TF.js kernels the tracer can compile, by TF.js kernel name. */
import { convKernels } from './conv.js';
import { elementwiseKernels } from './elementwise.js';
import { nnKernels } from './nn.js';
import { poolKernels } from './pool.js';
import { reductionKernels } from './reduction.js';
import { shapeKernels } from './shape.js';
import type { AnyKernelLowering } from './types.js';

const lowerings = new Map<string, AnyKernelLowering>(
  Object.entries({ ...elementwiseKernels, ...reductionKernels, ...shapeKernels, ...convKernels, ...poolKernels, ...nnKernels }),
);

export function kernelLowering(kernelName: string): AnyKernelLowering | undefined {
  return lowerings.get(kernelName);
}

/** Names of every kernel with an ONNX mapping, sorted. */
export function mappedKernels(): string[] {
  return [...lowerings.keys()].sort();
}
