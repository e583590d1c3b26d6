/** A private redis-server per test file, `dermkit` as a child process, and test images. Not a test file itself. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../../src/image/decode.js';
import { analyzeBatch, RESULTS_FILE, type BatchRecord } from '../../src/pipeline/batch.js';
import type { QueueClient } from '../../src/queue/client.js';
import { batchStatus, isFinished, type BatchStatus } from '../../src/queue/status.js';
import { lesionImage, type TinyModels } from '../server/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = path.join(ROOT, 'src/cli/main.ts');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  url: string;
  dir: string;
  /** Stop the server (SIGTERM: with appendonly, it writes its log first). */
  stop(): Promise<void>;
  /** Start it again on the same port and folder (same data with appendonly). */
  start(): Promise<void>;
}

function waitForOutput(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no ${pattern} in ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve(output);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before ${pattern}; output:\n${output}`));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', resolve));
}

/** redis-server on a free loopback port, in a temp folder, nothing saved unless `appendonly`. */
export async function startRedis(opts: { appendonly?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'dermkit-redis-'));
  let child: ChildProcess | undefined;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', opts.appendonly ? 'yes' : 'no'];
  if (opts.appendonly) args.push('--appendfsync', 'always');
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      await waitForOutput(child, /Ready to accept connections/, 'redis-server');
    },
    async stop() {
      if (!child) return;
      const done = exited(child);
      child.kill('SIGTERM');
      await done;
      child = undefined;
    },
  };
  await redis.start();
  return redis;
}

export async function removeRedis(redis: TestRedis): Promise<void> {
  await redis.stop();
  await rm(redis.dir, { recursive: true, force: true });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `dermkit <args>` to completion. */
export function dermkit(args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return exited(child).then((code) => ({ code, stdout, stderr }));
}

export interface WorkerProcess {
  child: ChildProcess;
  /** The worker's name, as BullMQ records it on the jobs it takes. */
  name: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Start `dermkit worker <args>` and wait until it takes jobs. */
export async function startWorkerProcess(args: string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'worker', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const ready = await waitForOutput(child, /dermkit worker (\S+) taking jobs/, 'dermkit worker', 60_000);
  const name = /dermkit worker (\S+) taking jobs/.exec(ready)![1]!;
  return { child, name, output: () => output, exited: exited(child) };
}

/** `n` different synthetic lesion photos (PNG), as absolute paths in `dir`. */
export async function writeLesions(dir: string, n: number, prefix = 'lesion'): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = path.join(dir, `${prefix}-${String(i).padStart(3, '0')}.png`);
    await writeFile(file, await encodePng(lesionImage(80 + (i % 7) * 9, 60 + (i % 5) * 7)));
    files.push(file);
  }
  return files;
}

/** Poll until `poll` gives a value; a poll that throws (Redis restarting) counts as not yet. */
export async function waitFor<T>(what: string, poll: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const value = await poll().catch((e: unknown) => {
      lastError = e;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A record without its timings, which differ from run to run: what must equal `analyze`'s. */
export function comparable(record: BatchRecord): Omit<BatchRecord, 'timingsMs'> {
  const { timingsMs: _timings, ...rest } = record;
  return rest;
}

export async function readResults(out: string): Promise<BatchRecord[]> {
  const text = await readFile(path.join(out, RESULTS_FILE), 'utf8');
  return text.trim().split('\n').map((line) => JSON.parse(line) as BatchRecord);
}

/** What `dermkit analyze` writes for `files` (its library call, over the same models). */
export async function analyzeReference(files: string[], models: TinyModels, out: string): Promise<BatchRecord[]> {
  const { records } = await analyzeBatch(files, { segmenter: models.segmenter, classifier: models.classifier, out });
  return records;
}

/** Every file in `dir` with its bytes, but hidden ones and results.jsonl (whose timings differ from run to run). */
export async function visibleFiles(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.') && n !== RESULTS_FILE).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(path.join(dir, n))] as const)));
}

/** Poll until batch `batch` has no job waiting or active. */
export async function waitForBatch(client: QueueClient, batch: string, timeoutMs = 120_000): Promise<BatchStatus> {
  return waitFor(`batch ${batch} to finish`, async () => {
    const s = await batchStatus(client, batch);
    return isFinished(s) ? s : undefined;
  }, timeoutMs);
}
