/** `dermkit queue submit | status | results`: batches for workers on many machines (see `dermkit worker`). */
import type { Command } from 'commander';
import { DEFAULT_MAX_PIXELS } from '../image/decode.js';
import { RESEARCH_NOTICE } from '../pipeline/analyze.js';
import { DEFAULT_QUEUE } from '../queue/batch-store.js';
import { openQueue, type QueueClient } from '../queue/client.js';
import { writeBatchResults } from '../queue/results.js';
import { batchStatus, isFinished, type BatchStatus } from '../queue/status.js';
import { MAX_INLINE_BYTES, pathSources, submitBatch } from '../queue/submit.js';
import { formatDuration } from '../format.js';
import { intOption, maskThresholdOption } from './util.js';

interface QueueFlags {
  redis: string;
  name: string;
  json?: boolean;
}

interface SubmitFlags extends QueueFlags {
  out: string;
  seg?: string;
  cls?: string;
  maskThreshold?: number;
  roi?: boolean;
  tta?: boolean;
  inline?: boolean;
  maxPixels: number;
}

async function withQueue<T>(flags: QueueFlags, fn: (client: QueueClient) => Promise<T>): Promise<T> {
  const client = await openQueue(flags.redis, flags.name);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

const BAR_WIDTH = 30;
const WATCH_INTERVAL_MS = 1000;

/** `[#########-----]  120/500 done, 3 active, 1 failed, 376 waiting  4.20 img/s  ETA 1m30s` */
function statusLine(s: BatchStatus, rate: number | undefined): string {
  const finished = s.done + s.failed;
  const filled = s.total ? Math.round((finished / s.total) * BAR_WIDTH) : BAR_WIDTH;
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const counts = `${finished}/${s.total} finished: ${s.done} done, ${s.failed} failed, ${s.active} active, ${s.waiting} waiting`;
  const speed = rate && rate > 0 && !isFinished(s) ? `  ${rate.toFixed(2)} img/s  ETA ${formatDuration((s.waiting + s.active) / rate)}` : '';
  return `${bar} ${counts}${speed}`;
}

/** Images finished per second since the batch was submitted (images skipped as done count too, so an estimate). */
async function rateSinceSubmit(client: QueueClient, s: BatchStatus): Promise<number> {
  const { createdAt } = await client.store.spec(s.batch);
  return (s.done + s.failed) / Math.max(1, (Date.now() - Date.parse(createdAt)) / 1000);
}

async function watchStatus(client: QueueClient, batch: string, json: boolean): Promise<BatchStatus> {
  const first = { status: await batchStatus(client, batch), at: performance.now() };
  const initialRate = await rateSinceSubmit(client, first.status);
  const tty = process.stderr.isTTY === true;
  let status = first.status;
  let lastPrinted = 0;
  for (;;) {
    // What this watch has seen, once it has seen a little; until then, the batch's whole life.
    const seconds = (performance.now() - first.at) / 1000;
    const seen = status.done + status.failed - first.status.done - first.status.failed;
    const rate = seconds >= 5 && seen > 0 ? seen / seconds : initialRate;
    // On a terminal the line is redrawn; into a log, one line every 10 s.
    if (!json && (tty || performance.now() - lastPrinted > 10_000 || isFinished(status))) {
      process.stderr.write(tty ? `\r\x1b[K${statusLine(status, rate)}` : `${statusLine(status, rate)}\n`);
      lastPrinted = performance.now();
    }
    if (isFinished(status)) break;
    await new Promise((r) => setTimeout(r, WATCH_INTERVAL_MS));
    status = await batchStatus(client, batch);
  }
  if (!json && tty) process.stderr.write('\n');
  return status;
}

export function registerQueue(program: Command): void {
  const queue = program
    .command('queue')
    .description('batch analysis spread over workers on many machines, through Redis (see also `dermkit worker`)');
  const common = (c: Command) => c
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://host:6379')
    .option('--name <queue>', 'queue name', DEFAULT_QUEUE)
    .option('--json', 'print the answer as JSON');

  common(queue.command('submit'))
    .description('enqueue one job per image and return; images already done in --out are skipped')
    .argument('<inputs...>', 'image files or folders, on storage every worker can read')
    .requiredOption('--out <dir>', 'output folder, on storage every worker can write (same path everywhere)')
    .option('--seg <dir>', 'segmentation model directory (default: each worker\'s bundled model)')
    .option('--cls <dir>', 'classification model directory (default: each worker\'s bundled model)')
    .addOption(maskThresholdOption())
    .option('--roi', 'classify the lesion ROI (default: what the classifier was trained on)')
    .option('--no-roi', 'classify the whole image (the paper\'s "without ROI" arm)')
    .option('--tta', 'test-time augmentation: average over the 8 flips/rotations (8x slower)')
    .option('--inline', `put the image bytes in the jobs (up to ${MAX_INLINE_BYTES} bytes each), for workers without shared storage; \`queue results\` then writes the outputs`)
    .option('--max-pixels <n>', 'refuse images with more pixels than this', intOption, DEFAULT_MAX_PIXELS)
    .action(async (inputs: string[], flags: SubmitFlags) => {
      const { sources, missing } = await pathSources(inputs);
      for (const m of missing) console.error(`FAILED ${m}: no such file or directory`);
      if (sources.length === 0) {
        console.error('no images found in the given inputs');
        process.exitCode = 2;
        return;
      }
      const r = await withQueue(flags, (client) => submitBatch(client, sources, {
        out: flags.out, seg: flags.seg, cls: flags.cls, maskThreshold: flags.maskThreshold, roi: flags.roi, tta: flags.tta, inline: flags.inline, maxPixels: flags.maxPixels,
      }));
      if (flags.json) console.log(JSON.stringify({ batch: r.batch, submitted: r.submitted, skipped: r.skipped }));
      else {
        console.log(r.batch);
        console.error(`${r.submitted} images submitted, ${r.skipped} already done in ${flags.out}; follow with \`dermkit queue status ${r.batch} --watch\` and the same --redis`);
      }
      if (missing.length > 0) process.exitCode = 2;
    });

  common(queue.command('status'))
    .description('counts of a batch: waiting, active, done, failed, with progress and ETA')
    .argument('<batch>', 'batch id (printed by `queue submit`)')
    .option('--watch', 'keep watching until the batch is finished')
    .action(async (batch: string, flags: QueueFlags & { watch?: boolean }) => {
      const { s, rate } = await withQueue(flags, async (client) => {
        const s = flags.watch ? await watchStatus(client, batch, flags.json === true) : await batchStatus(client, batch);
        return { s, rate: flags.watch || flags.json ? undefined : await rateSinceSubmit(client, s) };
      });
      if (flags.json) console.log(JSON.stringify({ batch: s.batch, total: s.total, waiting: s.waiting, active: s.active, done: s.done, failed: s.failed }));
      else if (!flags.watch) console.log(statusLine(s, rate));
    });

  common(queue.command('results'))
    .description('write results.jsonl and summary.csv of a finished batch (as `analyze` does) and list its failures')
    .argument('<batch>', 'batch id (printed by `queue submit`)')
    .option('--out <dir>', 'where to write them (default: the batch\'s --out)')
    .action(async (batch: string, flags: QueueFlags & { out?: string }) => {
      const r = await withQueue(flags, (client) => writeBatchResults(client, batch, flags.out));
      if (flags.json) console.log(JSON.stringify(r.records, null, 2));
      else {
        for (const f of r.failed) console.error(`FAILED ${f.file}: ${f.error}`);
        console.log(`${r.records.length - r.failed.length} of ${r.records.length} images analysed, ${r.failed.length} failed; results in ${r.out}`);
        console.log(RESEARCH_NOTICE);
      }
      if (r.failed.length > 0) process.exitCode = 2;
    });
}
