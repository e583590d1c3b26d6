/**
 * dermkit's custom TF.js layers. Importing this module registers them with TF.js serialisation,
 * which must happen before a saved model that uses them is loaded (`tf.loadLayersModel`).
 */
export { Normalization, type NormalizationArgs } from './normalization.js';
export { CustomScaleLayer, type CustomScaleLayerArgs } from './scaled-residual.js';
export { ChannelSlice, GeometricMeanProbability, type ChannelSliceArgs } from './views.js';
