/**
 * A class's activation map (src/models/explain.ts makes the maps) back on the photo.
 *
 * Several views: a multi-view classifier's fused logit is the mean of its views' logits
 * (GeometricMeanProbability is the softmax of the mean log-probability), and each view's logit
 * is, less its bias, the mean of its map over the map's cells. So the fused evidence for a class
 * at a photo pixel is the sum, over the views that saw that pixel, of their map there divided by
 * (number of views x the area in photo pixels that the view saw). Each view's map is therefore
 * spread over the box it was cut from (bilinear, undoing the view's fit into the square input)
 * with that weight, and the views are added: the evidence sums over the photo to the fused logit
 * (less the biases), and a lesion crop, which looked closer, counts more per pixel than the
 * whole image.
 */
import type { BBox, GrayImage, SquareTransform } from '../image/types.js';
import { probabilityFromSquare } from '../image/resize.js';

export interface ViewMaps {
  /** [size, size, classes] row-major: the class activation maps over the view's square input. */
  data: Float32Array;
  size: number;
  /** How the view was fitted into the square input. */
  transform: SquareTransform;
  /** Where the view was cut from in the photo. */
  box: BBox;
}

/** The evidence for class `classIndex` at each photo pixel (row-major), summed over the views as above. */
export function classEvidence(views: readonly ViewMaps[], classIndex: number, classes: number, width: number, height: number): Float32Array {
  const evidence = new Float32Array(width * height);
  for (const view of views) {
    const { size, box } = view;
    if (view.data.length !== size * size * classes) throw new Error(`class activation maps: ${view.data.length} values for ${size}x${size}x${classes}`);
    const channel = new Float32Array(size * size);
    for (let i = 0; i < channel.length; i++) channel[i] = view.data[i * classes + classIndex]!;
    const spread = probabilityFromSquare({ width: size, height: size, data: channel }, view.transform, box.width, box.height);
    const weight = 1 / (views.length * box.width * box.height);
    for (let y = 0; y < box.height; y++) {
      const row = (box.y + y) * width + box.x;
      for (let x = 0; x < box.width; x++) evidence[row + x] += spread.data[y * box.width + x]! * weight;
    }
  }
  return evidence;
}

/** The positive evidence for a class as a heat map: 255 at the strongest pixel, 0 where there is none (all 0 when none anywhere). */
export function classActivationMap(views: readonly ViewMaps[], classIndex: number, classes: number, width: number, height: number): GrayImage {
  const evidence = classEvidence(views, classIndex, classes, width, height);
  let max = 0;
  for (const v of evidence) if (v > max) max = v;
  const data = new Uint8Array(width * height);
  if (max > 0) for (let i = 0; i < data.length; i++) data[i] = evidence[i]! > 0 ? Math.round((evidence[i]! / max) * 255) : 0;
  return { width, height, data };
}
