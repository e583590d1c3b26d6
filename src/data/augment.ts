/**
 * Training-time augmentation: the paper's (Keras ImageDataGenerator-style) rotation, shear, zoom,
 * brightness and flips, plus contrast/gamma, saturation/hue, blur or sharpening, and
 * downscale-then-upscale.
 *
 * Geometry is one affine warp shared by image and mask (src/data/warp.ts): bilinear for the image,
 * nearest for the mask, so the pair stays aligned and the mask stays binary. Pixel-value changes
 * touch the image only. Everything is drawn from a seeded Rng: the same seed gives the same output.
 *
 * The pipeline resizes to the model input first and augments at that size: cheaper, and the
 * resized (unaugmented) images can be cached on disk.
 */
import type { GrayImage, RgbImage } from '../image/types.js';
import { adjustColour, adjustTone, downscaleUpscale, gaussianBlur, sharpen } from './photometric.js';
import type { Rng } from './random.js';
import { inverseAffine, isIdentity, warpGray, warpRgb, type AffineParams, type BorderMode } from './warp.js';

export type { BorderMode } from './warp.js';

export interface AugmentConfig {
  /** Rotation uniform in [-r, r] degrees (Keras rotation_range). */
  rotationDeg: number;
  /**
   * Horizontal shear factor uniform in [-s, s] (x += s * y; 0.1 is about 5.7 degrees). Keras 2
   * reads its shear_range in degrees, which makes the common setting 0.1 a no-op; we take the
   * number as the factor, which is what that setting is usually meant to do.
   */
  shear: number;
  /** Scale per axis uniform in [1 - z, 1 + z], drawn independently for x and y (Keras zoom_range). */
  zoom: number;
  /** Brightness multiplier range, or null (Keras brightness_range). */
  brightness: [number, number] | null;
  /** Each flip with probability 0.5 when enabled. */
  horizontalFlip: boolean;
  verticalFlip: boolean;
  /** Contrast factor range about the mean grey level, or null. */
  contrast: [number, number] | null;
  /** Gamma range (out = in^gamma on 0..1), or null. */
  gamma: [number, number] | null;
  /** Gaussian blur with this probability, sigma uniform in [0.3, maxSigma] px, or null. */
  blur: { probability: number; maxSigma: number } | null;
  /** With this probability, shrink by a factor in [minScale, 1) and enlarge back, or null. */
  downscale: { probability: number; minScale: number } | null;
  /** Chroma multiplier range, or null (absent = null). */
  saturation?: [number, number] | null;
  /** Hue rotation uniform in [-h, h] degrees, or null. */
  hueDeg?: number | null;
  /** With this probability (when not blurred), an unsharp mask of amount uniform in [0, maxAmount], or null. */
  sharpen?: { probability: number; maxAmount: number } | null;
  /** Outside the source after the warp; see BorderMode. Default 'reflect'. */
  border: BorderMode;
}

/** Only the paper's augmentations, at Keras-like settings. */
export const PAPER_AUGMENTATION: AugmentConfig = {
  rotationDeg: 20,
  shear: 0.1,
  zoom: 0.1,
  brightness: [0.8, 1.2],
  horizontalFlip: true,
  verticalFlip: true,
  contrast: null,
  gamma: null,
  blur: null,
  downscale: null,
  border: 'reflect',
};

/** The paper's set plus mild tone, blur and resolution changes for robustness to other cameras. */
export const DEFAULT_AUGMENTATION: AugmentConfig = {
  ...PAPER_AUGMENTATION,
  contrast: [0.85, 1.15],
  gamma: [0.85, 1.15],
  blur: { probability: 0.15, maxSigma: 1.2 },
  downscale: { probability: 0.2, minScale: 0.35 },
};

/**
 * Dermoscopy has no up or down: any rotation, both flips, larger zoom, and the colour jitter of
 * the top ISIC 2018/2019 entries (lighting and camera white balance vary between clinics); blur,
 * sharpening and downscaling because real inputs come sharper or coarser than the pool's copies.
 */
export const LESION_AUGMENTATION: AugmentConfig = {
  rotationDeg: 180,
  shear: 0.1,
  zoom: 0.2,
  brightness: [0.8, 1.2],
  horizontalFlip: true,
  verticalFlip: true,
  contrast: [0.8, 1.2],
  gamma: [0.85, 1.15],
  blur: { probability: 0.1, maxSigma: 1.0 },
  downscale: { probability: 0.15, minScale: 0.5 },
  saturation: [0.8, 1.2],
  hueDeg: 8,
  sharpen: { probability: 0.2, maxAmount: 1 },
  border: 'reflect',
};

/** One concrete draw of every augmentation. */
export interface AugmentParams extends AffineParams {
  brightness: number;
  contrast: number;
  gamma: number;
  /** 0 = no blur. */
  blurSigma: number;
  /** 1 = no downscale. */
  downscale: number;
  saturation: number;
  hueDeg: number;
  /** 0 = no sharpening. */
  sharpen: number;
}

export const IDENTITY_PARAMS: AugmentParams = {
  rotationDeg: 0,
  shear: 0,
  zoomX: 1,
  zoomY: 1,
  flipH: false,
  flipV: false,
  brightness: 1,
  contrast: 1,
  gamma: 1,
  blurSigma: 0,
  downscale: 1,
  saturation: 1,
  hueDeg: 0,
  sharpen: 0,
};

const uniformIn = (rng: Rng, range: [number, number] | null) => (range ? rng.uniform(range[0], range[1]) : 1);

/** Draws parameters from `config`. Always consumes the same number of draws, so streams stay in step. */
export function sampleAugmentParams(config: AugmentConfig, rng: Rng): AugmentParams {
  const rotationDeg = rng.uniform(-config.rotationDeg, config.rotationDeg);
  const shear = rng.uniform(-config.shear, config.shear);
  const zoomX = rng.uniform(1 - config.zoom, 1 + config.zoom);
  const zoomY = rng.uniform(1 - config.zoom, 1 + config.zoom);
  const flipH = rng.chance(0.5) && config.horizontalFlip;
  const flipV = rng.chance(0.5) && config.verticalFlip;
  const brightness = uniformIn(rng, config.brightness);
  const contrast = uniformIn(rng, config.contrast);
  const gamma = uniformIn(rng, config.gamma);
  const blurOn = rng.chance(config.blur?.probability ?? 0);
  const blurSigma = rng.uniform(0.3, Math.max(0.3, config.blur?.maxSigma ?? 0.3));
  const downscaleOn = rng.chance(config.downscale?.probability ?? 0);
  const downscale = rng.uniform(config.downscale?.minScale ?? 1, 1);
  // Drawn after the older parameters, so presets without them keep their streams.
  const saturation = uniformIn(rng, config.saturation ?? null);
  const hueDeg = config.hueDeg ? rng.uniform(-config.hueDeg, config.hueDeg) : 0;
  const sharpenOn = rng.chance(config.sharpen?.probability ?? 0) && !blurOn;
  const sharpenAmount = rng.uniform(0, config.sharpen?.maxAmount ?? 0);
  return {
    rotationDeg,
    shear,
    zoomX,
    zoomY,
    flipH,
    flipV,
    brightness,
    contrast,
    gamma,
    blurSigma: blurOn ? blurSigma : 0,
    downscale: downscaleOn ? downscale : 1,
    saturation,
    hueDeg,
    sharpen: sharpenOn ? sharpenAmount : 0,
  };
}

export interface AugmentedPair {
  image: RgbImage;
  mask: GrayImage | null;
}

/**
 * Applies drawn parameters: geometry to image and mask, then (image only) downscale-upscale,
 * blur and tone, in the order a camera would degrade a picture.
 */
export function applyAugment(image: RgbImage, mask: GrayImage | null, params: AugmentParams, border: BorderMode = 'reflect'): AugmentedPair {
  if (mask && (mask.width !== image.width || mask.height !== image.height)) {
    throw new RangeError(`augment: mask ${mask.width}x${mask.height} differs from image ${image.width}x${image.height}`);
  }
  const affine = inverseAffine(params, image.width, image.height);
  const warped = isIdentity(affine) ? image : warpRgb(image, affine, border);
  const warpedMask = mask && !isIdentity(affine) ? warpGray(mask, affine, border) : mask;
  const degraded = sharpen(gaussianBlur(downscaleUpscale(warped, params.downscale), params.blurSigma), params.sharpen);
  const toned = adjustColour(adjustTone(degraded, params), params);
  return { image: toned, mask: warpedMask };
}

/** Draw and apply in one step. */
export function augment(image: RgbImage, mask: GrayImage | null, config: AugmentConfig, rng: Rng): AugmentedPair {
  return applyAugment(image, mask, sampleAugmentParams(config, rng), config.border);
}
