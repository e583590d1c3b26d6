/**
 * Shared benchmark plumbing: run dermkit and PyTorch (../shared/bench/torch_reference.py) as
 * separate child processes, interleaved round by round so that both see the same machine load,
 * take medians, record each side's peak RSS, and print one RATIO line per model.
 *
 * Idle threads: dermkit's ONNX Runtime sessions let idle worker threads sleep. PyTorch's OpenMP
 * threads spin by default, which on a shared machine collapses its throughput (measured 10x
 * slower at load average 5 on 2 cores), so PyTorch runs with OMP_WAIT_POLICY=PASSIVE unless
 * --torch-spin is given.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BenchArgs {
  models: string[];
  rounds: number;
  steps: number;
  threads: number;
  batch?: number;
  torchScript: string;
  python: string;
  /** Keep PyTorch's default (spinning) OpenMP wait policy. */
  torchSpin: boolean;
  worker?: string;
}

const DEFAULT_TORCH_SCRIPT = fileURLToPath(new URL('../../shared/bench/torch_reference.py', import.meta.url));

/** `defaultSteps`: timed steps per process and round, on each side (after one warm-up step). */
export function parseArgs(argv: string[], defaultModels: string[], defaultSteps: number): BenchArgs {
  const args: BenchArgs = { models: defaultModels, rounds: 3, steps: defaultSteps, threads: 2, torchScript: DEFAULT_TORCH_SCRIPT, python: '/usr/bin/python3', torchSpin: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--torch-spin') {
      args.torchSpin = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`bench: ${flag} needs a value`);
    i++;
    switch (flag) {
      case '--models': args.models = value.split(','); break;
      case '--rounds': args.rounds = Number(value); break;
      case '--steps': args.steps = Number(value); break;
      case '--threads': args.threads = Number(value); break;
      case '--batch': args.batch = Number(value); break;
      case '--torch-script': args.torchScript = value; break;
      case '--python': args.python = value; break;
      case '--worker': args.worker = value; break;
      default: throw new Error(`bench: unknown flag ${flag} (use --models, --rounds, --steps, --threads, --batch, --torch-script, --python, --torch-spin)`);
    }
  }
  return args;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Time `fn` once to warm up, then `steps` times; median milliseconds. */
export async function timeSteps(steps: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export interface Measurement {
  imagesPerSecond: number;
  peakRssMB: number;
}

/** What a dermkit worker prints as its last line. */
export interface WorkerReport extends Measurement {
  batch: number;
  size: number;
  detail: Record<string, unknown>;
}

export async function runWorker(script: string, model: string, args: BenchArgs): Promise<WorkerReport> {
  const argv = ['--import', 'tsx', script, '--worker', model, '--steps', String(args.steps), '--threads', String(args.threads)];
  if (args.batch !== undefined) argv.push('--batch', String(args.batch));
  const { stdout } = await run(process.execPath, argv, { maxBuffer: 1 << 24, env: { ...process.env, OMP_NUM_THREADS: String(args.threads) } });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as WorkerReport;
}

/** One torch_reference.py run; `kind` picks its forward or training line. */
export async function runTorch(model: string, kind: 'fwd' | 'train', batch: number, args: BenchArgs): Promise<Measurement> {
  if (!existsSync(args.torchScript)) throw new Error(`bench: PyTorch reference not found at ${args.torchScript} (pass --torch-script)`);
  const wrapper = [
    'import resource, runpy, sys',
    'sys.argv = sys.argv[1:]',
    "try: runpy.run_path(sys.argv[0], run_name='__main__')",
    "finally: print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
  ].join('\n');
  const argv = ['-c', wrapper, args.torchScript, '--model', model, '--batch', String(batch), '--threads', String(args.threads), '--runs', String(args.steps)];
  const env = args.torchSpin ? process.env : { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
  const { stdout } = await run(args.python, argv, { maxBuffer: 1 << 24, env });
  const line = stdout.split('\n').find((l) => l.startsWith(`REF ${model} ${kind} `));
  const rss = /MAXRSS_KB (\d+)/.exec(stdout);
  const rate = line === undefined ? undefined : /img_per_s=([\d.]+)/.exec(line);
  if (rate === undefined || rate === null || rss === null) throw new Error(`bench: unexpected output from torch_reference.py:\n${stdout}`);
  return { imagesPerSecond: Number(rate[1]), peakRssMB: Number(rss[1]) / 1024 };
}

/** Interleave dermkit and PyTorch rounds for one model; returns the summary lines. */
export async function compare(
  kind: 'train' | 'infer',
  model: string,
  args: BenchArgs,
  dermkit: () => Promise<WorkerReport>,
  torch: (batch: number) => Promise<Measurement>,
): Promise<string[]> {
  const ours: WorkerReport[] = [];
  const theirs: Measurement[] = [];
  for (let round = 0; round < args.rounds; round++) {
    // Alternate who goes first so that slow drifts in machine load hit both sides alike.
    if (round % 2 === 0) {
      ours.push(await dermkit());
      theirs.push(await torch(ours[ours.length - 1]!.batch));
    } else {
      theirs.push(await torch(ours[0]!.batch));
      ours.push(await dermkit());
    }
    const a = ours[ours.length - 1]!;
    const b = theirs[theirs.length - 1]!;
    console.log(`round ${round + 1} ${kind} ${model}: dermkit ${a.imagesPerSecond.toFixed(2)} img/s (${a.peakRssMB.toFixed(0)} MB) torch ${b.imagesPerSecond.toFixed(2)} img/s (${b.peakRssMB.toFixed(0)} MB) ${JSON.stringify(a.detail)}`);
  }
  const x = median(ours.map((m) => m.imagesPerSecond));
  const y = median(theirs.map((m) => m.imagesPerSecond));
  const memoryOurs = Math.max(...ours.map((m) => m.peakRssMB));
  const memoryTheirs = Math.max(...theirs.map((m) => m.peakRssMB));
  const { batch, size } = ours[0]!;
  return [
    `MEMORY ${kind} ${model} batch=${batch} size=${size} threads=${args.threads} dermkit_peak_rss_mb=${memoryOurs.toFixed(0)} torch_peak_rss_mb=${memoryTheirs.toFixed(0)} ratio=${(memoryOurs / memoryTheirs).toFixed(2)}`,
    `RATIO ${kind} ${model} dermkit_img_s=${x.toFixed(2)} torch_img_s=${y.toFixed(2)} ratio=${(x / y).toFixed(2)}`,
  ];
}

/** Run `compare` for every requested model, then print all summary lines together at the end. */
export async function main(kind: 'train' | 'infer', args: BenchArgs, forModel: (model: string) => Promise<string[]>): Promise<void> {
  const summary: string[] = [];
  for (const model of args.models) summary.push(...(await forModel(model)));
  const policy = args.torchSpin ? 'default OpenMP wait policy' : 'OMP_WAIT_POLICY=PASSIVE';
  console.log(`# ${kind} benchmark: dermkit vs PyTorch (${policy}), ${args.threads} threads, medians of ${args.rounds} interleaved rounds`);
  for (const line of summary) console.log(line);
}
