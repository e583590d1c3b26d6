/**
 * The web page: the hand-written files of `web/` and the browser bundle that
 * `scripts/build-web.ts` writes to `web/dist/`, served flat (`/`, `/style.css`, `/app.js`), and
 * onnxruntime-web's wasm build under `/ort/` for private mode. Only files present at start-up
 * are served, looked up by exact name, so no request path can reach outside these folders.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** `web/` at the package root (beside src/ and dist/). */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
export const WEB_BUNDLE_DIR = path.join(WEB_DIR, 'dist');
export const WEB_BUNDLE_FILE = 'app.js';

/** The ONNX Runtime wasm build: the module the page imports, and the runtime (JS + wasm) it loads. */
const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

/** onnxruntime-web's dist folder, or null when the package is not installed (private mode is then unavailable). */
export function findOrtDir(): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web/wasm'));
  } catch {
    return null;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
};

/**
 * Everything the page loads comes from this server; images also from blob: and data: URLs
 * (results); 'wasm-unsafe-eval' lets ONNX Runtime compile its wasm. Cross-origin isolation
 * (COOP + COEP) gives the page SharedArrayBuffer, so ONNX Runtime can use several threads.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src 'self' blob: data:; style-src 'self'; connect-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

async function listFiles(dir: string | null, only?: string[]): Promise<Map<string, string>> {
  if (!dir) return new Map();
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const wanted = entries.filter((e) => e.isFile() && path.extname(e.name) in CONTENT_TYPES && (!only || only.includes(e.name)));
  return new Map(wanted.map((e) => [e.name, path.join(dir, e.name)]));
}

export interface WebFiles {
  webDir: string;
  bundleDir: string;
  /** onnxruntime-web's dist folder; null leaves private mode without its runtime. */
  ortDir: string | null;
}

export function defaultWebFiles(): WebFiles {
  return { webDir: WEB_DIR, bundleDir: WEB_BUNDLE_DIR, ortDir: findOrtDir() };
}

function sender(files: Map<string, string>) {
  return (name: string, reply: FastifyReply) => {
    const file = files.get(name);
    if (!file) return reply.callNotFound();
    return reply.headers(PAGE_HEADERS).header('content-type', CONTENT_TYPES[path.extname(name)]!).send(createReadStream(file));
  };
}

/** Register `/`, `/<file>` and `/ort/<file>`; says which parts were found. */
export async function registerStaticFiles(app: FastifyInstance, dirs: WebFiles): Promise<{ bundle: boolean; ort: boolean }> {
  const page = sender(new Map([...(await listFiles(dirs.webDir)), ...(await listFiles(dirs.bundleDir))]));
  const ortFiles = await listFiles(dirs.ortDir, ORT_FILES);
  const ort = sender(ortFiles);
  // The page, not the API: left out of /openapi.json.
  const schema = { hide: true };
  app.get('/', { schema }, (_request, reply) => page('index.html', reply));
  app.get<{ Params: { file: string } }>('/:file', { schema }, (request, reply) => page(request.params.file, reply));
  app.get<{ Params: { file: string } }>('/ort/:file', { schema }, (request, reply) => ort(request.params.file, reply));
  return { bundle: (await listFiles(dirs.bundleDir, [WEB_BUNDLE_FILE])).size === 1, ort: ortFiles.size === ORT_FILES.length };
}
