/** The page: pick or drop an image, analyse it on the server or privately in the browser, show and offer the result. */
import { analyzeInBrowser, analyzeOnServer, preparePrivateMode, type AnalysisChoices, type Mode, type PageResult } from './modes.js';

/** Readable names of the HAM10000 classes. */
const CLASS_NAMES: Record<string, string> = {
  akiec: 'Actinic keratosis / Bowen (akiec)',
  bcc: 'Basal cell carcinoma (bcc)',
  bkl: 'Benign keratosis (bkl)',
  df: 'Dermatofibroma (df)',
  mel: 'Melanoma (mel)',
  nv: 'Melanocytic nevus (nv)',
  vasc: 'Vascular lesion (vasc)',
};

const MODE_TEXT: Record<Mode, string> = {
  server: 'Server mode: the image is sent to this dermkit server, analysed there and not stored.',
  private: 'Private mode: the models run in this browser; the image never leaves this device.',
};

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const ui = {
  modeServer: element<HTMLInputElement>('mode-server'),
  modePrivate: element<HTMLInputElement>('mode-private'),
  modeStatus: element<HTMLParagraphElement>('mode-status'),
  dropZone: element<HTMLLabelElement>('drop-zone'),
  fileInput: element<HTMLInputElement>('file-input'),
  status: element<HTMLParagraphElement>('status'),
  result: element<HTMLElement>('result'),
  resultMode: element<HTMLSpanElement>('result-mode'),
  overlay: element<HTMLImageElement>('overlay'),
  overlayCaption: element<HTMLElement>('overlay-caption'),
  showCam: element<HTMLInputElement>('show-cam'),
  roi: element<HTMLImageElement>('roi'),
  review: element<HTMLParagraphElement>('review'),
  warnings: element<HTMLUListElement>('warnings'),
  melThreshold: element<HTMLInputElement>('mel-threshold'),
  topClass: element<HTMLParagraphElement>('top-class'),
  probabilities: element<HTMLOListElement>('probabilities'),
  details: element<HTMLDListElement>('details'),
  downloadJson: element<HTMLAnchorElement>('download-json'),
  downloadOverlay: element<HTMLAnchorElement>('download-overlay'),
  downloadCam: element<HTMLAnchorElement>('download-cam'),
  modelsLine: element<HTMLParagraphElement>('models-line'),
};

let mode: Mode = 'server';
let busy = false;
/** Object URLs of the result on display, revoked when it is replaced. */
let urls: string[] = [];
/** The two pictures the toggle switches between: the lesion outline and the heat map (null: the classifier has none). */
let pictures: { overlay: string; cam: string | null; camLabel: string } | null = null;

function setStatus(state: 'idle' | 'busy' | 'done' | 'error', text: string): void {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

function percent(p: number, digits = 1): string {
  return `${(p * 100).toFixed(digits)}%`;
}

function setMode(next: Mode): void {
  mode = next;
  ui.modeStatus.dataset.mode = next;
  ui.modeStatus.textContent = MODE_TEXT[next];
  if (next === 'private' && !busy) {
    setStatus('busy', 'Loading the models into this browser (downloaded once)…');
    preparePrivateMode().then(
      () => mode === 'private' && !busy && setStatus('idle', 'Private mode is ready: choose an image.'),
      (err: unknown) => mode === 'private' && setStatus('error', `Private mode is unavailable: ${(err as Error).message}`),
    );
  } else if (!busy) {
    setStatus('idle', 'Choose or drop an image.');
  }
}

function renderBars(probabilities: Record<string, number>, top: string): void {
  ui.probabilities.replaceChildren(
    ...Object.entries(probabilities)
      .sort((a, b) => b[1] - a[1])
      .map(([label, p]) => {
        const row = document.createElement('li');
        row.className = label === top ? 'bar top' : 'bar';
        row.dataset.class = label;
        const name = document.createElement('span');
        name.className = 'bar-label';
        name.textContent = CLASS_NAMES[label] ?? label;
        const track = document.createElement('span');
        track.className = 'bar-track';
        track.setAttribute('aria-hidden', 'true');
        const fill = document.createElement('span');
        fill.className = 'bar-fill';
        fill.style.width = percent(Math.min(1, Math.max(0, p)), 2);
        track.append(fill);
        const value = document.createElement('span');
        value.className = 'bar-value';
        value.textContent = percent(p);
        row.append(name, track, value);
        return row;
      }),
  );
}

function renderDetails(result: PageResult): void {
  const s = result.summary;
  const box = s.bbox ? `${s.bbox.width}×${s.bbox.height} px at (${s.bbox.x}, ${s.bbox.y})` : 'no lesion found: the whole image was classified';
  const rows: Array<[string, string]> = [
    ['Lesion area', `${percent(s.lesionAreaFraction)} of the image`],
    ['Lesion box', box],
    ['Image', `${s.width}×${s.height} px`],
    ['Models', `${s.models.segmenter.name} ${s.models.segmenter.version}, ${s.models.classifier.name} ${s.models.classifier.version}`],
    ['Ran on', s.mode === 'server' ? `the server (${s.engine})` : `this browser (${s.engine})`],
    ['Time', `${Math.round(s.timingsMs.total ?? 0)} ms`],
  ];
  ui.details.replaceChildren(
    ...rows.flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
}

function renderWarnings(result: PageResult): void {
  const { warnings } = result.summary;
  ui.warnings.replaceChildren(
    ...(warnings.length === 0
      ? [Object.assign(document.createElement('li'), { className: 'none', textContent: 'No warnings for this image.' })]
      : warnings.map((w) => {
          const item = document.createElement('li');
          item.dataset.code = w.code;
          item.textContent = `Warning: ${w.message}`;
          return item;
        })),
  );
  const { review } = result.summary;
  ui.review.hidden = review === null;
  if (review) {
    ui.review.dataset.flagged = String(review.flagged);
    const p = `p(${review.label}) = ${percent(review.probability)}`;
    ui.review.textContent = review.flagged ? `Flag for review: ${p}, at or above the threshold ${percent(review.threshold)}.` : `Not flagged for review: ${p}, below the threshold ${percent(review.threshold)}.`;
  }
}

/** Show the heat map or the lesion outline, as the toggle says. */
function showPicture(): void {
  if (!pictures) return;
  const cam = ui.showCam.checked && pictures.cam !== null;
  ui.overlay.src = cam ? pictures.cam! : pictures.overlay;
  ui.overlay.alt = cam ? `Heat map over the image: where the classifier found its evidence for ${pictures.camLabel} (red: most, blue: none)` : 'The image with the segmented lesion outlined in green';
  ui.overlayCaption.textContent = cam ? `Heat map: evidence for ${pictures.camLabel} (red most, blue none)` : 'Lesion outline';
}

function showResult(result: PageResult): void {
  for (const url of urls) URL.revokeObjectURL(url);
  const json = new Blob([`${JSON.stringify(result.summary, null, 2)}\n`], { type: 'application/json' });
  urls = [URL.createObjectURL(result.overlay), URL.createObjectURL(result.roi), URL.createObjectURL(json)];
  const [overlayUrl, roiUrl, jsonUrl] = urls as [string, string, string];
  const camUrl = result.cam ? URL.createObjectURL(result.cam) : null;
  if (camUrl) urls.push(camUrl);
  const base = result.summary.file.replace(/\.[^.]*$/, '') || 'image';
  pictures = { overlay: overlayUrl, cam: camUrl, camLabel: CLASS_NAMES[result.summary.top.label] ?? result.summary.top.label };
  ui.showCam.disabled = camUrl === null;
  ui.showCam.parentElement!.dataset.disabled = String(camUrl === null);
  showPicture();
  ui.roi.src = roiUrl;
  ui.downloadOverlay.href = overlayUrl;
  ui.downloadOverlay.download = `${base}.overlay.png`;
  ui.downloadCam.hidden = camUrl === null;
  if (camUrl) {
    ui.downloadCam.href = camUrl;
    ui.downloadCam.download = `${base}.cam.png`;
  }
  ui.downloadJson.href = jsonUrl;
  ui.downloadJson.download = `${base}.dermkit.json`;
  ui.resultMode.textContent = result.summary.mode === 'server' ? 'analysed on the server' : 'analysed privately in this browser';
  ui.resultMode.dataset.mode = result.summary.mode;
  const { top } = result.summary;
  ui.topClass.textContent = `Highest probability: ${CLASS_NAMES[top.label] ?? top.label}, ${percent(top.probability)}`;
  renderBars(result.summary.probabilities, top.label);
  renderWarnings(result);
  renderDetails(result);
  ui.result.hidden = false;
}

/** The review threshold typed in; undefined when the box is empty (the classifier's default then applies). */
function choices(): AnalysisChoices {
  const text = ui.melThreshold.value.trim();
  if (text === '') return {};
  const melThreshold = Number(text);
  if (!(melThreshold >= 0 && melThreshold <= 1)) throw new Error(`The review threshold must be a probability between 0 and 1, got "${text}".`);
  return { melThreshold };
}

async function analyzeFile(file: File): Promise<void> {
  if (busy) return;
  busy = true;
  const runMode = mode;
  setStatus('busy', runMode === 'server' ? `Analysing ${file.name} on the server…` : `Analysing ${file.name} in this browser…`);
  try {
    const chosen = choices();
    const result = runMode === 'server' ? await analyzeOnServer(file, chosen) : await analyzeInBrowser(file, chosen);
    showResult(result);
    setStatus('done', `Done: ${file.name} (${runMode === 'server' ? 'server' : 'private'} mode).`);
  } catch (err) {
    setStatus('error', (err as Error).message);
  } finally {
    busy = false;
  }
}

async function showModels(): Promise<void> {
  try {
    const { models } = (await (await fetch('/v1/models')).json()) as { models: Array<{ kind: string; name: string; version: string }> };
    ui.modelsLine.textContent = `Models: ${models.map((m) => `${m.kind} ${m.name} (${m.version})`).join(', ')}`;
  } catch {
    ui.modelsLine.textContent = 'Models: unknown (the server did not answer)';
  }
}

ui.showCam.addEventListener('change', showPicture);
ui.modeServer.addEventListener('change', () => ui.modeServer.checked && setMode('server'));
ui.modePrivate.addEventListener('change', () => ui.modePrivate.checked && setMode('private'));
ui.fileInput.addEventListener('change', () => {
  const file = ui.fileInput.files?.[0];
  if (file) void analyzeFile(file);
  ui.fileInput.value = '';
});
ui.dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  ui.dropZone.classList.add('dragging');
});
ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('dragging'));
ui.dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.dropZone.classList.remove('dragging');
  const file = event.dataTransfer?.files[0];
  if (file) void analyzeFile(file);
});

setMode(ui.modePrivate.checked ? 'private' : 'server');
void showModels();
