/**
 * Load test of `dermkit serve` on loopback: N concurrent clients each send M analysis requests
 * (one 600x450 JPEG, the size of a HAM10000 photo) and report latency percentiles, status
 * counts and the server's peak RSS. Any 5xx answer makes the run fail (exit code 1).
 *
 *   node --import tsx bench/load.ts [--clients 32] [--requests 20] [--seg dir --cls dir]
 *        [--engine onnx] [--concurrency 2] [--queue-size 16] [--input-size 128] [--json]
 *   node --import tsx bench/load.ts --url http://127.0.0.1:8080 [--pid <server pid>]
 *
 * Without --url it starts the server itself, in a child process (so its memory is its own),
 * over the given models or, without --seg/--cls, untrained MobileNetV2 models of --input-size
 * created in a temp folder. Refused requests (429) are counted, not retried.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Command } from 'commander';
import sharp from 'sharp';
import { registerServe } from '../src/cli/serve.js';
import { saveModel } from '../src/models/io.js';
import { createClassifier, createSegmenter } from '../src/models/registry.js';

/** Marks the child process that runs the server: `dermkit serve` with the arguments after it. */
const SERVE_CHILD = '--serve-child';

if (process.argv.includes(SERVE_CHILD)) {
  const program = new Command().name('dermkit');
  registerServe(program);
  await program.parseAsync(process.argv.slice(process.argv.indexOf(SERVE_CHILD) + 1), { from: 'user' });
} else {
  await main();
}

interface Sample {
  status: number;
  ms: number;
}

/** A photo-like 600x450 JPEG: a dark blob on skin tones with some texture. */
async function testImage(): Promise<Buffer> {
  const width = 600;
  const height = 450;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = ((x - 320) / 150) ** 2 + ((y - 210) / 110) ** 2 <= 1;
      const texture = ((x * 7 + y * 13) % 17) - 8;
      data.set((inside ? [95, 60, 40] : [225, 180, 160]).map((v) => v + texture), (y * width + x) * 3);
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

async function untrainedModels(dir: string, inputSize: number): Promise<{ seg: string; cls: string }> {
  const seg = path.join(dir, 'segmenter');
  const cls = path.join(dir, 'classifier');
  for (const [out, m] of [
    [seg, createSegmenter({ arch: 'unet', encoder: 'mobilenetv2', inputSize, alpha: 0.35 })],
    [cls, createClassifier({ encoder: 'mobilenetv2', inputSize, alpha: 0.35 })],
  ] as const) {
    await saveModel(out, m);
    m.model.dispose();
  }
  return { seg, cls };
}

/** Start the server in a child process on a free port; resolves once it prints its address. */
function startServerChild(serveArgs: string[]): Promise<{ child: ChildProcess; url: string }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, SERVE_CHILD, 'serve', ...serveArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /at (http:\/\/\S+)/.exec(output);
      if (found) resolve({ child, url: found[1]! });
    });
    child.once('exit', (code) => reject(new Error(`the server exited (code ${code}) before listening:\n${output}`)));
  });
}

/** Resident memory of a process, current and peak (VmHWM), in MiB; Linux /proc. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number } | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  if (!status) return null;
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarise(samples: Sample[]) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 10) / 10;
  return { count: samples.length, p50: r(percentile(ms, 50)), p90: r(percentile(ms, 90)), p99: r(percentile(ms, 99)), max: r(ms.at(-1) ?? NaN) };
}

function options() {
  return parseArgs({
    options: {
      clients: { type: 'string', default: '32' },
      requests: { type: 'string', default: '20' },
      url: { type: 'string' },
      pid: { type: 'string' },
      seg: { type: 'string' },
      cls: { type: 'string' },
      engine: { type: 'string', default: 'onnx' },
      concurrency: { type: 'string', default: '2' },
      'queue-size': { type: 'string', default: '16' },
      'input-size': { type: 'string', default: '128' },
      json: { type: 'boolean', default: false },
    },
  }).values;
}

interface Target {
  url: string;
  /** The server process, for its memory; unknown for a server given by --url without --pid. */
  pid?: number;
  stop(): Promise<void>;
}

/** Start `dermkit serve` over --seg/--cls, or over untrained models made in a temp folder. */
async function ownServer(args: ReturnType<typeof options>): Promise<Target> {
  let temp: string | undefined;
  const cleanUp = async () => {
    if (temp) await rm(temp, { recursive: true, force: true });
  };
  try {
    let seg = args.seg;
    let cls = args.cls;
    if (!seg || !cls) {
      temp = await mkdtemp(path.join(tmpdir(), 'dermkit-load-'));
      ({ seg, cls } = await untrainedModels(temp, Number(args['input-size'])));
    }
    const { child, url } = await startServerChild([
      '--port', '0', '--seg', seg, '--cls', cls, '--engine', args.engine!,
      '--concurrency', args.concurrency!, '--queue-size', args['queue-size']!,
    ]);
    return {
      url,
      pid: child.pid,
      stop: async () => {
        child.kill('SIGTERM');
        await cleanUp();
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

async function main(): Promise<void> {
  const args = options();
  const target: Target = args.url ? { url: args.url, pid: args.pid ? Number(args.pid) : undefined, stop: async () => {} } : await ownServer(args);
  try {
    await runLoad(target, Number(args.clients), Number(args.requests), args.json!);
  } finally {
    await target.stop();
  }
}

async function runLoad({ url, pid }: Target, clients: number, perClient: number, json: boolean): Promise<void> {
  const image = new Uint8Array(await testImage());
  const post = async (): Promise<Sample> => {
    const start = performance.now();
    try {
      const res = await fetch(`${url}/v1/analyze`, { method: 'POST', body: image, headers: { 'content-type': 'image/jpeg' } });
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - start };
    } catch {
      return { status: 0, ms: performance.now() - start }; // connection failure
    }
  };
  const warm = await post();
  if (warm.status !== 200) throw new Error(`the warm-up request got ${warm.status}`);
  const idle = pid ? await memoryOf(pid) : null;

  let peakSampled = idle?.rss ?? 0;
  const sampler = pid ? setInterval(() => void memoryOf(pid!).then((m) => m && (peakSampled = Math.max(peakSampled, m.rss))), 50) : undefined;
  const samples: Sample[] = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = 0; i < perClient; i++) samples.push(await post());
  }));
  const wallS = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const after = pid ? await memoryOf(pid) : null;

  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const ok = samples.filter((s) => s.status === 200);
  const report = {
    clients,
    requestsPerClient: perClient,
    wallSeconds: Math.round(wallS * 10) / 10,
    analysedPerSecond: Math.round((ok.length / wallS) * 10) / 10,
    statuses,
    latencyMs: { all: summarise(samples), ok: summarise(ok), refused: summarise(samples.filter((s) => s.status === 429)) },
    serverMemoryMiB: after && idle ? { idleRss: Math.round(idle.rss), peakRss: Math.round(Math.max(after.peak, peakSampled)), endRss: Math.round(after.rss) } : null,
  };
  if (json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`${clients} clients x ${perClient} requests in ${report.wallSeconds} s (${report.analysedPerSecond} analysed/s)`);
    console.log(`statuses: ${Object.entries(statuses).map(([s, n]) => `${s}: ${n}`).join(', ')}`);
    for (const [name, l] of Object.entries(report.latencyMs)) if (l.count > 0) console.log(`latency ${name.padEnd(7)} n=${l.count}  p50 ${l.p50} ms  p90 ${l.p90} ms  p99 ${l.p99} ms  max ${l.max} ms`);
    if (report.serverMemoryMiB) console.log(`server RSS: idle ${report.serverMemoryMiB.idleRss} MiB, peak ${report.serverMemoryMiB.peakRss} MiB, end ${report.serverMemoryMiB.endRss} MiB`);
  }
  const failures = samples.filter((s) => s.status >= 500 || s.status === 0).length;
  if (failures > 0) {
    console.error(`${failures} requests failed with a 5xx or a broken connection`);
    process.exitCode = 1;
  }
}
