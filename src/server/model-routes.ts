/** `GET /v1/models` (what is loaded) and `GET /v1/models/{kind}/{file}` (the files, for the browser's private mode). */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { exists } from '../fs.js';
import { inferenceOnnx, ONNX_FILE } from '../pipeline/predictor.js';
import { ApiError } from './errors.js';
import type { ModelFileName, ModelInfo } from './models-info.js';
import { modelFileRoute, modelsRoute } from './routes.js';

const FILE_TYPES: Record<string, string> = {
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.onnx': 'application/octet-stream',
};

/**
 * The ONNX model of a directory that has only the TF.js one, with its explanation outputs (class
 * activation maps, features) for private mode: exported once, on first request, then kept.
 */
function onnxExporter(info: ModelInfo): () => Promise<Uint8Array> {
  let exported: Promise<Uint8Array> | undefined;
  return () => {
    if (!exported) {
      exported = inferenceOnnx(info.dir);
      // A failed export is tried again on the next request rather than remembered.
      exported.catch(() => (exported = undefined));
    }
    return exported;
  };
}

export function registerModelRoutes(app: FastifyInstance, modelsInfo: ModelInfo[]): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const listing = { models: modelsInfo.map(({ dir: _dir, ...visible }) => visible) };
  typed.route({ ...modelsRoute, handler: async () => listing });

  const exporters = new Map(modelsInfo.map((info) => [info, onnxExporter(info)]));
  typed.route({
    ...modelFileRoute,
    handler: async (request, reply) => {
      const { kind, file } = request.params;
      const info = modelsInfo.find((m) => m.kind === kind);
      if (!info || !info.files.includes(file as ModelFileName)) throw new ApiError('not_found', `no file ${file} for a ${kind} model`);
      // The version is a hash of the model's files, so it is a strong validator for every one of them.
      const etag = `"${info.version}"`;
      reply.header('etag', etag).header('cache-control', 'no-cache').header('content-type', FILE_TYPES[path.extname(file)]!);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      const onDisk = path.join(info.dir, file);
      if (file === ONNX_FILE && !(await exists(onDisk))) return reply.send(Buffer.from(await exporters.get(info)!()));
      return reply.send(createReadStream(onDisk));
    },
  });
}
