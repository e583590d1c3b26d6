/**
 * The rows of Innani et al. 2023's Tables 2 and 3 and the few numbers of theirs we have. Numbers
 * we do not have are absent (printed as "—"), never estimated.
 */

export const PAPER = 'Innani et al. 2023, "Deep Learning based Novel Cascaded Approach for Skin Lesion Analysis"';

/** `--encoders` value that means the original U-Net (its own encoder) rather than a U-Net on a backbone. */
export const ORIGINAL_UNET = 'unet-original';

export interface PaperSegRow {
  /** Registry encoder name, or ORIGINAL_UNET. */
  encoder: string;
  label: string;
  /** Percent, as the paper prints them. */
  dice?: number;
  miou?: number;
}

/** Table 2: U-Net segmenters by encoder, Dice and mIoU on the held-out part. */
export const PAPER_SEG_BACKBONES: readonly PaperSegRow[] = [
  { encoder: ORIGINAL_UNET, label: 'U-Net (original)', dice: 71.53, miou: 60.58 },
  { encoder: 'resnet50', label: 'ResNet50' },
  { encoder: 'resnet101', label: 'ResNet101' },
  { encoder: 'mobilenet', label: 'MobileNet' },
  { encoder: 'inceptionresnetv2', label: 'InceptionResNetV2' },
  { encoder: 'efficientnetb4', label: 'EfficientNetB4', dice: 89.56, miou: 81.42 },
];

export interface PaperClsRow {
  encoder: string;
  label: string;
  /** Accuracy in percent on the whole image and on the ROI. */
  accuracyImage?: number;
  accuracyRoi?: number;
}

/** Table 3: classifier backbones trained on the whole image and on the segmentation ROI. */
export const PAPER_ROI_BACKBONES: readonly PaperClsRow[] = [
  { encoder: 'resnet50', label: 'ResNet50' },
  { encoder: 'resnet101', label: 'ResNet101' },
  { encoder: 'mobilenet', label: 'MobileNet' },
  { encoder: 'xception', label: 'Xception', accuracyRoi: 82.41 },
  { encoder: 'efficientnetb0', label: 'EfficientNetB0' },
  { encoder: 'efficientnetb3', label: 'EfficientNetB3' },
];

/** What the paper says of Table 3 as a whole, which we quote rather than turn into numbers. */
export const PAPER_ROI_FINDING =
  'The paper reports that training on the ROI adds about 4 points of accuracy for every backbone, ' +
  'with Xception on the ROI the best (82.41 %); its other per-backbone accuracies are not reproduced here.';

/** The paper's label for an encoder, or the encoder name for backbones the paper did not test. */
export function paperLabel(rows: readonly { encoder: string; label: string }[], encoder: string): string {
  return rows.find((r) => r.encoder === encoder)?.label ?? encoder;
}
