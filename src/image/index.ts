/** The image toolkit: decoding, resizing, mask post-processing, ROI extraction, overlays and heat maps. */
export type { BBox, GrayImage, ProbabilityMap, RgbImage, SquareTransform } from './types.js';
export { DEFAULT_MAX_PIXELS, IMAGE_EXTENSIONS, ImageDecodeError, decodeImage, decodeMask, encodeJpeg, encodePng, imageSize, type DecodeOptions } from './decode.js';
export { fitToSquare, probabilityFromSquare, resizeGray, resizeProbability, resizeRgb } from './resize.js';
export { areaFraction, boundingBox, cleanMask, fillHoles, largestComponent, maskContour, threshold } from './mask.js';
export { extractRoi, type RoiOptions } from './roi.js';
export { renderOverlay } from './overlay.js';
export { heatmapOverlay } from './heatmap.js';
