/**
 * Batch analysis of files and folders: writes per image `<name>.mask.png`, `<name>.roi.jpg`,
 * `<name>.overlay.png`, `<name>.cam.png` (the top class's activation map over the image, for
 * classifiers that have one), appends one JSON line per image to `results.jsonl`, and ends with
 * `summary.csv`. A bad file is reported and skipped; images already in results.jsonl are not
 * analysed again, so an interrupted run resumes where it stopped.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatCsv } from '../data/csv.js';
import { IMAGE_EXTENSIONS, decodeImage, encodeJpeg, encodePng } from '../image/decode.js';
import { heatmapOverlay } from '../image/heatmap.js';
import { renderOverlay } from '../image/overlay.js';
import { analyze, overlayLabel, RESEARCH_NOTICE, type AnalysisResult } from './analyze.js';
import type { Predictor } from './predictor.js';

export const RESULTS_FILE = 'results.jsonl';
export const SUMMARY_FILE = 'summary.csv';

export interface BatchRecord {
  file: string;
  name: string;
  ok: boolean;
  error?: string;
  width?: number;
  height?: number;
  top?: string;
  topProbability?: number;
  probabilities?: Record<string, number>;
  lesionAreaFraction?: number;
  classifiedOn?: AnalysisResult['classifiedOn'];
  bbox?: AnalysisResult['bbox'];
  warnings?: AnalysisResult['warnings'];
  review?: AnalysisResult['review'];
  ood?: AnalysisResult['ood'];
  timingsMs?: AnalysisResult['timingsMs'];
  /** Output file names; `cam` when the classifier has class activation maps. */
  outputs?: { mask: string; roi: string; overlay: string; cam?: string };
  notice: string;
}

export interface BatchOptions {
  segmenter: Predictor;
  classifier: Predictor;
  out: string;
  roi?: boolean;
  tta?: boolean;
  maxPixels?: number;
  /** Flag for review when p(melanoma) >= this (default: the classifier's own, if any). */
  melThreshold?: number;
  /** Images analysed at once (each holds its decoded image in memory). */
  concurrency?: number;
  /** Called after each image, for progress display. */
  onRecord?: (record: BatchRecord, done: number, total: number) => void;
}

/** Expand files and folders (recursively) into image paths; named files are kept whatever their extension. */
export async function collectInputs(inputs: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) files.push(p);
    }
  }
  for (const input of inputs) {
    const s = await stat(input).catch(() => null);
    if (!s) missing.push(input);
    else if (s.isDirectory()) await walk(input);
    else files.push(input);
  }
  return { files, missing };
}

/** Output base names, unique within the run: `a/x.jpg` and `b/x.jpg` become `x` and `x-2`. */
export function outputNames(files: string[]): string[] {
  const used = new Map<string, number>();
  return files.map((f) => {
    const base = path.basename(f, path.extname(f));
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

async function readDoneFiles(resultsPath: string): Promise<Map<string, BatchRecord>> {
  const done = new Map<string, BatchRecord>();
  const text = await readFile(resultsPath, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as BatchRecord;
      if (r.ok) done.set(path.resolve(r.file), r);
    } catch {
      // A line cut short by a crash: that image is simply analysed again.
    }
  }
  return done;
}

/** What analysing one image produces: its record and its output files (file name in the output folder -> bytes). */
export interface ImageOutputs {
  record: BatchRecord;
  files: Record<string, Buffer>;
}

export type CascadeOptions = Pick<BatchOptions, 'segmenter' | 'classifier' | 'roi' | 'tta' | 'maxPixels' | 'melThreshold'>;

/**
 * Decode, analyse and render one image without writing anything. `input` is the file's path or
 * its bytes (`file` then names it in error messages). Throws on a bad image: callers decide
 * whether that is a failure record (analyzeBatch) or a failed job (the queue).
 */
export async function analyzeImage(input: string | Buffer, file: string, name: string, opts: CascadeOptions): Promise<ImageOutputs> {
  const t0 = performance.now();
  const image = await decodeImage(input, { maxPixels: opts.maxPixels, name: file });
  const decodeMs = performance.now() - t0;
  const r = await analyze(image, { segmenter: opts.segmenter, classifier: opts.classifier, roi: opts.roi, tta: opts.tta, melThreshold: opts.melThreshold });
  r.timingsMs.decode = decodeMs;
  r.timingsMs.total += decodeMs;
  const outputs: NonNullable<BatchRecord['outputs']> = { mask: `${name}.mask.png`, roi: `${name}.roi.jpg`, overlay: `${name}.overlay.png` };
  const files = {
    [outputs.mask]: await encodePng(r.mask),
    [outputs.roi]: await encodeJpeg(r.roi),
    [outputs.overlay]: await renderOverlay(image, r.mask, overlayLabel(r.top)),
  };
  if (r.cam) {
    outputs.cam = `${name}.cam.png`;
    files[outputs.cam] = await encodePng(heatmapOverlay(image, r.cam));
  }
  const record: BatchRecord = {
    file, name, ok: true, width: r.width, height: r.height, top: r.top.label, topProbability: r.top.probability,
    probabilities: r.probabilities, lesionAreaFraction: r.lesionAreaFraction, classifiedOn: r.classifiedOn, bbox: r.bbox,
    warnings: r.warnings, review: r.review, ood: r.ood, timingsMs: r.timingsMs, outputs, notice: RESEARCH_NOTICE,
  };
  return { record, files };
}

/**
 * Write output files into `out`, each through a temporary file and a rename: a reader never sees
 * half a file, and two writers of the same image (a job redone after its worker stalled) leave
 * one whole copy.
 */
export async function writeOutputs(out: string, files: Record<string, Buffer>): Promise<void> {
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  for (const [name, bytes] of Object.entries(files)) {
    const file = path.join(out, name);
    // A dot file, so what a killed writer leaves behind stays out of sight.
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${unique}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  }
}

/** The record of an image that could not be analysed: `error` is the reason, naming the file. */
export function failureRecord(file: string, name: string, error: string): BatchRecord {
  return { file, name, ok: false, error, notice: RESEARCH_NOTICE };
}

/** One line of results.jsonl. */
export function resultLine(record: BatchRecord): string {
  return `${JSON.stringify(record)}\n`;
}

async function analyzeOne(file: string, name: string, opts: BatchOptions): Promise<BatchRecord> {
  try {
    const { record, files } = await analyzeImage(file, file, name, opts);
    await writeOutputs(opts.out, files);
    return record;
  } catch (e) {
    return failureRecord(file, name, (e as Error).message);
  }
}

export function summaryCsv(records: BatchRecord[], classes: string[]): string {
  const header = ['file', 'ok', 'error', 'top', 'top_probability', ...classes.map((c) => `p_${c}`), 'lesion_area_fraction', 'width', 'height', 'warnings', 'flag_for_review'];
  const rows = records.map((r) => [
    r.file, r.ok, r.error, r.top, r.topProbability?.toFixed(6), ...classes.map((c) => r.probabilities?.[c]?.toFixed(6)),
    r.lesionAreaFraction?.toFixed(6), r.width, r.height, r.warnings?.map((w) => w.code).join(' '), r.review?.flagged,
  ]);
  return formatCsv(header, rows);
}

export async function writeSummary(out: string, records: BatchRecord[], classes: string[]): Promise<void> {
  await writeFile(path.join(out, SUMMARY_FILE), summaryCsv(records, classes));
}

export interface BatchSummary {
  records: BatchRecord[];
  analysed: number;
  skipped: number;
  failed: BatchRecord[];
}

export async function analyzeBatch(files: string[], opts: BatchOptions): Promise<BatchSummary> {
  await mkdir(opts.out, { recursive: true });
  const resultsPath = path.join(opts.out, RESULTS_FILE);
  const done = await readDoneFiles(resultsPath);
  const names = outputNames(files);
  const records: BatchRecord[] = new Array(files.length);
  const todo: number[] = [];
  files.forEach((f, i) => {
    const previous = done.get(path.resolve(f));
    if (previous) records[i] = previous;
    else todo.push(i);
  });
  let finished = files.length - todo.length;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const i = todo[next++]!;
      const record = await analyzeOne(files[i]!, names[i]!, opts);
      records[i] = record;
      await appendFile(resultsPath, resultLine(record));
      opts.onRecord?.(record, ++finished, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, worker));
  await writeSummary(opts.out, records, opts.classifier.config.classes ?? []);
  return { records, analysed: todo.length, skipped: files.length - todo.length, failed: records.filter((r) => !r.ok) };
}
