/**
 * The words every layer shares (image, data, models, engine and up): the class vocabulary, the
 * tasks, the kinds of model and how an image is brought to a square input. They live below
 * every layer so that no import climbs back up to models/ for them.
 */

/** The seven HAM10000 diagnoses, in the order every classifier head uses. */
export const HAM_CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'] as const;
export type HamClass = (typeof HAM_CLASSES)[number];

/** The two tasks: segmentation and classification. */
export const TASKS = ['seg', 'cls'] as const;
export type Task = (typeof TASKS)[number];

/** The kind of model that does each task. */
export const MODEL_KINDS = ['segmenter', 'classifier'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** How an image is brought to the model's square input. */
export const RESIZE_MODES = ['stretch', 'letterbox'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

/** What a classifier looks at: the whole photo, the paper's ROI (mask x image, cropped), or the lesion's box with a margin, unmasked. */
export const CLASSIFIER_INPUTS = ['image', 'roi', 'crop'] as const;
export type ClassifierInput = (typeof CLASSIFIER_INPUTS)[number];
