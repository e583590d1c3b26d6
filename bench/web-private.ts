/**
 * Private mode's speed in Chromium: `dermkit serve` with the bundled (or given) models, the page
 * in headless Chromium (cross-origin isolated, so onnxruntime-web runs multi-threaded wasm), one
 * 600x450 JPEG analysed N times in the page; prints each analysis's time (decode, cascade,
 * encode; the page's own clock) and the median after the first (which also compiles the models).
 *
 *   node --import tsx bench/web-private.ts [--runs 6] [--seg dir --cls dir]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { buildWeb } from '../scripts/build-web.js';
import { SAMPLE_IMAGE } from '../src/pipeline/defaults.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '6' }, seg: { type: 'string' }, cls: { type: 'string' } } });
const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

await buildWeb();
const serveArgs = ['serve', '--port', '0', ...(values.seg ? ['--seg', values.seg] : []), ...(values.cls ? ['--cls', values.cls] : [])];
const server = spawn(process.execPath, ['--import', 'tsx', CLI, ...serveArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const m = /at (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.on('exit', (code) => reject(new Error(`dermkit serve exited with ${code}`)));
});
const profile = await mkdtemp(path.join(tmpdir(), 'dermkit-web-bench-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(120_000);
  await page.goto(url);
  const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
  await page.check('#mode-private');
  await page.waitForSelector('#status[data-state="idle"], #status[data-state="error"]');
  const jpeg = await sharp(SAMPLE_IMAGE).resize(600, 450, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
  const times: number[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    await page.evaluate(() => document.querySelector('#status')?.setAttribute('data-state', 'busy'));
    await page.setInputFiles('#file-input', { name: `lesion${i}.jpg`, mimeType: 'image/jpeg', buffer: jpeg });
    await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]');
    const summary = await page.$eval('#download-json', async (a) => (await fetch((a as HTMLAnchorElement).href)).json());
    if (summary.mode !== 'private') throw new Error(`analysis ran in ${summary.mode} mode`);
    times.push(summary.timingsMs.total);
    console.log(`run ${i + 1}: ${summary.timingsMs.total.toFixed(0)} ms (${JSON.stringify(Object.fromEntries(Object.entries(summary.timingsMs as Record<string, number>).map(([k, v]) => [k, Math.round(v)])))})`);
  }
  const steady = times.slice(1).sort((a, b) => a - b);
  console.log(`PRIVATE crossOriginIsolated=${isolated} first_ms=${times[0]!.toFixed(0)} median_ms=${steady[Math.floor(steady.length / 2)]!.toFixed(0)} runs=${times.length}`);
} finally {
  await context.close();
  server.kill();
  await rm(profile, { recursive: true, force: true });
}
