/**
 * `GET /openapi.json`: the OpenAPI 3.1 document @fastify/swagger generates from the registered
 * routes (routes.ts) and the shared schemas (schemas.ts), with this server's limits in its info.
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { RESEARCH_NOTICE } from '../pipeline/analyze.js';
import { DERMKIT_VERSION } from '../version.js';

export interface OpenApiLimits {
  maxUploadBytes: number;
  maxPixels: number;
  requestTimeoutMs: number;
}

/** Options of @fastify/swagger, registered at the root before the routes so that it sees them all. */
export function openApiOptions(limits: OpenApiLimits): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dermkit',
        version: DERMKIT_VERSION,
        description:
          `Skin lesion segmentation and classification (U-Net segmentation, ROI cut-out, 7-class HAM10000 classifier). ${RESEARCH_NOTICE}\n\n` +
          `Limits of this server: uploads up to ${limits.maxUploadBytes} bytes, images up to ${limits.maxPixels} pixels ` +
          `(checked from the file header, before decoding), ${limits.requestTimeoutMs} ms per analysis including the wait for a worker.`,
        license: { name: 'Apache-2.0' },
      },
    },
    // Shared schemas become components under their own $id rather than def-0, def-1...
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    // Bodies Fastify does not validate (see documentedBody) are shown as what the route takes.
    transform: ({ schema, url }) => {
      if (!schema?.documentedBody) return { schema, url };
      const { documentedBody, ...rest } = schema;
      return { schema: { ...rest, body: documentedBody }, url };
    },
  };
}
