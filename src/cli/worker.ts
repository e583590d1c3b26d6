import type { Command } from 'commander';
import { ENGINES, type EngineName } from '../pipeline/predictor.js';
import { DEFAULT_QUEUE } from '../queue/batch-store.js';
import { startWorker } from '../queue/worker.js';
import { choiceOption, intOption } from './util.js';

interface WorkerFlags {
  redis: string;
  name: string;
  concurrency: number;
  engine: EngineName;
  threads?: number;
  lockDuration: number;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('take image jobs from a Redis queue (see `queue submit`) and analyse them; SIGTERM finishes the jobs in flight and exits')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://host:6379')
    .option('--name <queue>', 'queue name', DEFAULT_QUEUE)
    .option('--concurrency <n>', 'images analysed at once', intOption, 1)
    .addOption(choiceOption('--engine <name>', 'onnx (fast) or tfjs', ENGINES, 'onnx'))
    .option('--threads <n>', 'ONNX Runtime threads per model', intOption)
    .option('--lock-duration <ms>', 'how long a job stays with a worker that stopped answering before another takes it', intOption, 30_000)
    .action(async (flags: WorkerFlags) => {
      const worker = await startWorker({
        redisUrl: flags.redis, queue: flags.name, concurrency: Math.max(1, flags.concurrency), engine: flags.engine, threads: flags.threads,
        lockDurationMs: flags.lockDuration,
      });
      const stop = async (signal: string) => {
        console.log(`${signal}: finishing the jobs in flight, then exiting`);
        await worker.close();
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
    });
}
