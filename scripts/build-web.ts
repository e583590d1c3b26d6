/**
 * Bundle the web page's code (web/src/main.ts and the project modules it uses) into
 * web/dist/app.js with esbuild.
 *
 * The page reuses the library's pure-TypeScript modules (normalisation, mask post-processing,
 * ROI cut-out). Some of their neighbours import Node-only packages (sharp, dicom-parser, fs,
 * onnxruntime-node) for functions the page never calls: those imports resolve to empty modules
 * marked free of side effects, so esbuild drops them, and the build fails if the page ever reaches one. The
 * onnxruntime-web import stays external and points at the copy the server serves under /ort/.
 *
 * Usage: node --import tsx scripts/build-web.ts [outDir]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ENTRY = path.join(ROOT, 'web/src/main.ts');
export const DEFAULT_OUT_DIR = path.join(ROOT, 'web/dist');
export const ORT_MODULE_URL = '/ort/ort.wasm.min.mjs';

const NODE_ONLY = /^(node:.*|sharp|dicom-parser|onnxruntime-node|@tensorflow\/.*)$/;

const browserOnly: Plugin = {
  name: 'dermkit-browser-only',
  setup(b) {
    b.onResolve({ filter: /^onnxruntime-web\/wasm$/ }, () => ({ path: ORT_MODULE_URL, external: true }));
    b.onResolve({ filter: NODE_ONLY }, (args) => ({ path: args.path, namespace: 'node-only', sideEffects: false }));
    // No exports: an import the page really uses fails the build ("No matching export").
    b.onLoad({ filter: /.*/, namespace: 'node-only' }, () => ({ contents: '', loader: 'js' }));
  },
};

export interface WebBuild {
  outFile: string;
  bytes: number;
}

export async function buildWeb(outDir = DEFAULT_OUT_DIR, options: { minify?: boolean } = {}): Promise<WebBuild> {
  const outFile = path.join(outDir, 'app.js');
  const result = await build({
    entryPoints: [ENTRY],
    outfile: outFile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'firefox110', 'safari16'],
    minify: options.minify ?? true,
    sourcemap: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    plugins: [browserOnly],
  });
  return { outFile, bytes: result.metafile.outputs[path.relative(process.cwd(), outFile)]?.bytes ?? 0 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { outFile, bytes } = await buildWeb(process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT_DIR);
  console.log(`wrote ${path.relative(process.cwd(), outFile)} (${(bytes / 1024).toFixed(1)} kB)`);
}
