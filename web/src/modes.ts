/**
 * The page's two ways of analysing an image, with one result shape:
 * - server mode posts the file to `/v1/analyze`;
 * - private mode runs the whole cascade in this page: the image is never sent anywhere (the page
 *   only downloads the models and the runtime from the server).
 */
import type { AnalysisBody, ErrorBody, ModelRef } from '../../src/server/schemas.js';
import { findings, overlayLabel, type Findings } from '../../src/pipeline/analyze.js';
import { heatmapOverlay } from '../../src/image/heatmap.js';
import { runCascade } from './cascade.js';
import { loadBrowserModel, type BrowserModel } from './ort-models.js';
import { base64ToBlob, decodeFile, overlayPng, rgbToPng } from './pixels.js';

export type Mode = 'server' | 'private';

/** The downloadable JSON: the analysis without its images. */
export interface ResultSummary extends Findings {
  mode: Mode;
  file: string;
  models: { segmenter: ModelRef; classifier: ModelRef };
  engine: string;
  timingsMs: Record<string, number>;
}

export interface PageResult {
  summary: ResultSummary;
  overlay: Blob;
  roi: Blob;
  /** The top class's activation map over the image; null when the classifier has none. */
  cam: Blob | null;
}

/** What the user chose besides the image. */
export interface AnalysisChoices {
  /** Flag for review when p(mel) >= this; undefined: the classifier's default. */
  melThreshold?: number;
}

/** Private mode decodes in page memory; beyond this many pixels a phone would run out of it. */
export const PRIVATE_MAX_PIXELS = 25_000_000;

export async function analyzeOnServer(file: File, choices: AnalysisChoices = {}): Promise<PageResult> {
  const form = new FormData();
  form.append('image', file, file.name);
  const query = choices.melThreshold === undefined ? '' : `?melThreshold=${encodeURIComponent(String(choices.melThreshold))}`;
  const res = await fetch(`/v1/analyze${query}`, { method: 'POST', body: form });
  const body = (await res.json().catch(() => null)) as AnalysisBody | ErrorBody | null;
  if (!res.ok || !body || 'error' in body) {
    const message = body && 'error' in body ? body.error.message : `the server answered ${res.status}`;
    const retry = res.headers.get('retry-after');
    throw new Error(retry ? `${message} (try again in ${retry} s)` : message);
  }
  const { images, ...rest } = body;
  return {
    summary: { ...rest, mode: 'server', file: file.name },
    overlay: base64ToBlob(images.overlay, 'image/png'),
    roi: base64ToBlob(images.roi, 'image/png'),
    cam: images.cam ? base64ToBlob(images.cam, 'image/png') : null,
  };
}

interface PrivateModels {
  segmenter: BrowserModel;
  classifier: BrowserModel;
  refs: { segmenter: ModelRef; classifier: ModelRef };
}

let privateModels: Promise<PrivateModels> | null = null;

async function loadPrivateModels(): Promise<PrivateModels> {
  const listing = (await (await fetch('/v1/models')).json()) as { models: Array<ModelRef & { kind: string }> };
  const ref = (kind: string): ModelRef => {
    const m = listing.models.find((x) => x.kind === kind);
    if (!m) throw new Error(`the server has no ${kind} model`);
    return { name: m.name, version: m.version };
  };
  const [segmenter, classifier] = await Promise.all([loadBrowserModel('segmenter'), loadBrowserModel('classifier')]);
  return { segmenter, classifier, refs: { segmenter: ref('segmenter'), classifier: ref('classifier') } };
}

/** Download and compile the models once; later calls share the result (a failure is retried next time). */
export function preparePrivateMode(): Promise<PrivateModels> {
  privateModels ??= loadPrivateModels().catch((err: unknown) => {
    privateModels = null;
    throw err;
  });
  return privateModels;
}

export async function analyzeInBrowser(file: File, choices: AnalysisChoices = {}): Promise<PageResult> {
  const models = await preparePrivateMode();
  const start = performance.now();
  const image = await decodeFile(file, PRIVATE_MAX_PIXELS);
  const decode = performance.now() - start;
  const r = await runCascade(image, models.segmenter, models.classifier, choices);
  const encodeStart = performance.now();
  const [overlay, roi, cam] = await Promise.all([
    overlayPng(image, r.mask, overlayLabel(r.top)), rgbToPng(r.roi), r.cam ? rgbToPng(heatmapOverlay(image, r.cam)) : null,
  ]);
  const encode = performance.now() - encodeStart;
  return {
    summary: {
      ...findings(r),
      mode: 'private',
      file: file.name,
      models: models.refs,
      engine: 'onnxruntime-web (wasm)',
      timingsMs: { ...r.timingsMs, decode, encode, total: performance.now() - start },
    },
    overlay,
    roi,
    cam,
  };
}
