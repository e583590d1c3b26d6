/**
 * End to end in Chromium: the page analyses an uploaded image in server mode and in private mode
 * (onnxruntime-web in the page), shows the overlay and the seven probabilities, the warnings, the
 * review flag and, behind a toggle, the class activation heat map, and in private mode sends the
 * image nowhere. Screenshots go to a temp folder (printed as a diagnostic).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.js';
import { findOrtDir, WEB_DIR } from '../../src/server/static-files.js';
import { lesionPng, startServer, tinyModels, type RunningServer, type TinyModels } from '../server/fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
/** A phone-sized screen (iPhone 12/13/14). */
const PHONE = { width: 390, height: 844 };

const haveChromium = await access(CHROMIUM).then(() => true, () => false);
const ortDir = findOrtDir();

interface Seen {
  method: string;
  url: string;
  contentType: string;
}

describe('the web page in Chromium', { skip: haveChromium ? false : `${CHROMIUM} is not installed` }, () => {
  let models: TinyModels;
  let server: RunningServer;
  let temp: string;
  let context: BrowserContext;
  let page: Page;
  const requests: Seen[] = [];

  before(async () => {
    temp = await mkdtemp(path.join(tmpdir(), 'dermkit-web-e2e-'));
    models = await tinyModels();
    await buildWeb(path.join(temp, 'dist'));
    server = await startServer(models, { web: { webDir: WEB_DIR, bundleDir: path.join(temp, 'dist'), ortDir } });
    context = await chromium.launchPersistentContext(path.join(temp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: PHONE,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), contentType: r.headers()['content-type'] ?? '' }));
    await page.goto(server.url);
    await page.fill('#mel-threshold', '0');
  });
  after(async () => {
    await context?.close();
    await server?.close();
    await models?.dispose();
    // The screenshots stay for inspection; the browser profile and bundle go.
    await rm(path.join(temp, 'profile'), { recursive: true, force: true });
    await rm(path.join(temp, 'dist'), { recursive: true, force: true });
  });

  async function upload(name: string): Promise<void> {
    await page.setInputFiles('#file-input', { name, mimeType: 'image/png', buffer: Buffer.from(await lesionPng(120, 90)) });
    await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]');
    assert.equal(await page.getAttribute('#status', 'data-state'), 'done', await page.textContent('#status') ?? '');
  }

  async function checkResult(mode: 'server' | 'private'): Promise<void> {
    assert.equal(await page.getAttribute('#result-mode', 'data-mode'), mode);
    const overlaySize = await page.$eval('#overlay', (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
    assert.deepEqual(overlaySize, [120, 90], 'the overlay is shown at the image size');
    const bars = await page.$$eval('#probabilities .bar', (rows) => rows.map((r) => ({ label: (r as HTMLElement).dataset.class, value: r.querySelector('.bar-value')!.textContent })));
    assert.deepEqual(bars.map((b) => b.label).sort(), ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc']);
    const total = bars.reduce((sum, b) => sum + Number.parseFloat(b.value!), 0);
    assert.ok(Math.abs(total - 100) < 0.5, `the bars add up to ${total}%`);
    const summary = await page.$eval('#download-json', async (a) => (await fetch((a as HTMLAnchorElement).href)).json());
    assert.equal(summary.mode, mode);
    assert.match(summary.notice, /Research use only/);
    // Warnings: one item per warning, or one saying there are none.
    const warnings = await page.$$eval('#warnings li', (items) => items.map((li) => ({ code: (li as HTMLElement).dataset.code ?? null, text: li.textContent ?? '' })));
    assert.ok(warnings.length >= 1);
    assert.deepEqual(warnings.map((w) => w.code).filter((c) => c !== null), summary.warnings.map((w: { code: string }) => w.code));
    // The review flag asked for in the threshold box (0: every image is flagged).
    assert.equal(summary.review.threshold, 0);
    assert.equal(await page.getAttribute('#review', 'data-flagged'), 'true');
    assert.match((await page.textContent('#review')) ?? '', /Flag for review: p\(mel\)/);
    // The heat map toggle swaps the picture for the class activation map, at the image size.
    const outline = await page.getAttribute('#overlay', 'src');
    assert.equal(await page.isDisabled('#show-cam'), false);
    await page.check('#show-cam');
    await page.waitForFunction((before) => (document.getElementById('overlay') as HTMLImageElement).src !== before && (document.getElementById('overlay') as HTMLImageElement).complete, outline);
    const camSize = await page.$eval('#overlay', (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
    assert.deepEqual(camSize, [120, 90], 'the heat map is shown at the image size');
    assert.match((await page.textContent('#overlay-caption')) ?? '', /Heat map/);
    assert.equal(await page.getAttribute('#download-cam', 'download'), 'lesion.cam.png');
    await page.uncheck('#show-cam');
    assert.equal(await page.getAttribute('#overlay', 'src'), outline);
    assert.equal(await page.getAttribute('#download-overlay', 'download'), 'lesion.overlay.png');
    assert.ok(await page.isVisible('text=Research use only — not a diagnosis.'));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow} px too wide)`);
  }

  it('analyses an image on the server and shows the overlay and the probabilities', async (t) => {
    assert.equal(await page.getAttribute('#mode-status', 'data-mode'), 'server');
    const before = requests.length;
    await upload('lesion.png');
    await checkResult('server');
    const posted = requests.slice(before).filter((r) => r.method === 'POST');
    assert.deepEqual(posted.map((r) => new URL(r.url).pathname), ['/v1/analyze']);
    assert.equal(new URL(posted[0]!.url).searchParams.get('melThreshold'), '0');
    assert.match(posted[0]!.contentType, /^multipart\/form-data/, 'the image went to the server as a file upload');
    const shot = path.join(temp, 'server-mode.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
  });

  it('analyses an image privately, in the page, without sending it anywhere', { skip: ortDir ? false : 'onnxruntime-web is not installed' }, async (t) => {
    await page.check('#mode-private');
    assert.equal(await page.getAttribute('#mode-status', 'data-mode'), 'private');
    assert.match((await page.textContent('#mode-status')) ?? '', /never leaves this device/);
    await page.waitForSelector('#status[data-state="idle"], #status[data-state="error"]');
    assert.equal(await page.getAttribute('#status', 'data-state'), 'idle', await page.textContent('#status') ?? '');

    const before = requests.length;
    await upload('lesion.png');
    await checkResult('private');
    const during = requests.slice(before).filter((r) => !r.url.startsWith('blob:') && !r.url.startsWith('data:'));
    assert.deepEqual(during.filter((r) => r.method !== 'GET'), [], 'no request carried a body');
    assert.ok(!during.some((r) => r.url.includes('/v1/analyze')), 'the analysis API was not called');
    assert.match((await page.textContent('#details')) ?? '', /this browser \(onnxruntime-web/);
    const shot = path.join(temp, 'private-mode.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
  });
});
