/**
 * Names of the outputs of a dermkit inference model, shared by the TF.js and ONNX runners on
 * Node and in the browser. Free of TF.js, so the web page's bundle can use it.
 */

/** What the model was trained to give: probabilities (classifier) or the lesion map (segmenter). */
export const MAIN_OUTPUT = 'output';

/** Class activation maps of view `view` of a classifier: [batch, h, w, classes] (src/models/explain.ts). */
export function camOutput(view: number): string {
  return `cam_${view}`;
}

/** A classifier's pooled penultimate features, its views' side by side: [batch, features]. */
export const FEATURES_OUTPUT = 'features';
