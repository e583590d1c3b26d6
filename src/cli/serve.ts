import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { createAnalyzer } from '../pipeline/analyzer.js';
import { ENGINES, type EngineName } from '../pipeline/predictor.js';
import { RESEARCH_NOTICE } from '../pipeline/analyze.js';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_SEGMENTER_DIR } from '../pipeline/defaults.js';
import { DEFAULT_QUEUE } from '../queue/batch-store.js';
import { openQueue, type QueueClient } from '../queue/client.js';
import { redactedUrl } from '../queue/connection.js';
import { buildServer } from '../server/app.js';
import { readModelInfo } from '../server/models-info.js';
import { choiceOption, intOption, maskThresholdOption } from './util.js';

/**
 * Server defaults. 25 MP covers phone and dermatoscope photos; one analysis of an image that size
 * holds roughly 0.5 GB (pixels, probability map, mask labelling), so concurrency x that is the
 * working memory. Uploads beyond 25 MB are not plausible photos of that size.
 */
const DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  maxUploadBytes: 25 * 1024 * 1024,
  maxPixels: 25_000_000,
  concurrency: 2,
  queueSize: 16,
  timeoutMs: 30_000,
  batchOut: 'dermkit-batches',
  /** Uploaded batches are held in memory until queued. */
  maxBatchUploads: 64,
};

interface ServeFlags {
  port: number;
  host: string;
  seg: string;
  cls: string;
  engine: EngineName;
  threads?: number;
  maxUploadBytes: number;
  maxPixels: number;
  concurrency: number;
  queueSize: number;
  timeoutMs: number;
  redis?: string;
  name: string;
  batchOut: string;
  maskThreshold?: number;
}

function positiveInt(value: string): number {
  const n = intOption(value);
  if (n < 1) throw new InvalidArgumentError(`expected an integer of at least 1, got "${value}"`);
  return n;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('HTTP API and web page for analysing images (binds to localhost unless told otherwise)')
    .option('--port <n>', 'TCP port (0: any free port)', intOption, DEFAULTS.port)
    .option('--host <address>', 'address to listen on; 0.0.0.0 exposes the server to the network', DEFAULTS.host)
    .option('--seg <dir>', 'segmentation model directory', DEFAULT_SEGMENTER_DIR)
    .option('--cls <dir>', 'classification model directory', DEFAULT_CLASSIFIER_DIR)
    .addOption(choiceOption('--engine <name>', 'onnx (fast) or tfjs', ENGINES, 'onnx'))
    .option('--threads <n>', 'ONNX Runtime threads per model', intOption)
    .addOption(maskThresholdOption())
    .option('--max-upload-bytes <n>', 'largest accepted upload', positiveInt, DEFAULTS.maxUploadBytes)
    .option('--max-pixels <n>', 'largest accepted image, checked from its header before decoding', positiveInt, DEFAULTS.maxPixels)
    .option('--concurrency <n>', 'analyses run at once', positiveInt, DEFAULTS.concurrency)
    .option('--queue-size <n>', 'requests that may wait for a worker before new ones get 429', intOption, DEFAULTS.queueSize)
    .option('--timeout-ms <n>', 'time limit of one analysis request, waiting included', positiveInt, DEFAULTS.timeoutMs)
    .option('--redis <url>', 'also take batches (POST /v1/batches) for the workers of this Redis queue (see `dermkit worker`)')
    .option('--name <queue>', 'queue name, with --redis', DEFAULT_QUEUE)
    .option('--batch-out <dir>', 'with --redis: each batch\'s outputs go to <dir>/<batch id>, on storage the workers share', DEFAULTS.batchOut)
    .action(async (flags: ServeFlags, command: Command) => {
      const [analyzer, segInfo, clsInfo] = await Promise.all([createAnalyzer(flags), readModelInfo(flags.seg), readModelInfo(flags.cls)]);
      const client: QueueClient | undefined = flags.redis ? await openQueue(flags.redis, flags.name) : undefined;
      // Batches name the models only when told to: by default each worker uses its bundled ones.
      const given = (option: string) => command.getOptionValueSource(option) !== 'default';
      const app = buildServer({
        ...analyzer,
        modelsInfo: [segInfo, clsInfo],
        maxUploadBytes: flags.maxUploadBytes,
        maxPixels: flags.maxPixels,
        concurrency: flags.concurrency,
        queueSize: flags.queueSize,
        requestTimeoutMs: flags.timeoutMs,
        logger: { level: 'warn' },
        batches: client && {
          client,
          batchRoot: path.resolve(flags.batchOut),
          seg: given('seg') ? flags.seg : undefined,
          cls: given('cls') ? flags.cls : undefined,
          maskThreshold: flags.maskThreshold,
          maxBatchUploads: DEFAULTS.maxBatchUploads,
        },
      });
      const address = await app.listen({ port: flags.port, host: flags.host });
      console.log(`dermkit serving ${segInfo.name} + ${clsInfo.name} (${analyzer.segmenter.engine}) at ${address}`);
      if (flags.redis) console.log(`batches go to queue "${flags.name}" at ${redactedUrl(flags.redis)}, outputs under ${path.resolve(flags.batchOut)}`);
      console.log(RESEARCH_NOTICE);

      const stop = async () => {
        await app.close();
        await client?.close();
        analyzer.dispose();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
