/**
 * The web page: the hand-written files of `web/` and the browser bundle that
 * `scripts/build-web.ts` writes to `web/dist/`, served flat (`/`, `/style.css`, `/app.js`).
 * Only files present at start-up are served, looked up by exact name, so no request path can
 * reach outside these two folders.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** `web/` at the package root (beside src/ and dist/). */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
export const WEB_BUNDLE_DIR = path.join(WEB_DIR, 'dist');
export const WEB_BUNDLE_FILE = 'app.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
};

/**
 * Everything the page loads comes from this server; no inline script; images only from the page
 * itself, blob: and data: URLs (results); 'wasm-unsafe-eval' lets the in-browser model run.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' blob: data:; style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

async function listFiles(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return new Map(entries.filter((e) => e.isFile() && path.extname(e.name) in CONTENT_TYPES).map((e) => [e.name, path.join(dir, e.name)]));
}

export interface WebFiles {
  webDir: string;
  bundleDir: string;
}

/** Register `/` and `/<file>`; resolves to whether the browser bundle was found. */
export async function registerStaticFiles(app: FastifyInstance, dirs: WebFiles): Promise<boolean> {
  const files = new Map([...(await listFiles(dirs.webDir)), ...(await listFiles(dirs.bundleDir))]);
  const sendFile = (name: string, reply: FastifyReply) => {
    const file = files.get(name);
    if (!file) return reply.callNotFound();
    return reply
      .header('content-type', CONTENT_TYPES[path.extname(name)]!)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .send(createReadStream(file));
  };
  app.get('/', (_request, reply) => sendFile('index.html', reply));
  app.get<{ Params: { file: string } }>('/:file', (request, reply) => sendFile(request.params.file, reply));
  return files.has(WEB_BUNDLE_FILE);
}
