import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The models shipped in the package (`models/` at the package root, beside src/ and dist/). */
export const BUNDLED_MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));
export const DEFAULT_SEGMENTER_DIR = path.join(BUNDLED_MODELS_DIR, 'segmenter');
export const DEFAULT_CLASSIFIER_DIR = path.join(BUNDLED_MODELS_DIR, 'classifier');
/** The bundled demo image (synthetic, so it can ship with the code). */
export const SAMPLE_IMAGE = fileURLToPath(new URL('../../samples/lesion.jpg', import.meta.url));
