import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, decodeMask } from '../../src/image/decode.js';
import { analyze, RESEARCH_NOTICE } from '../../src/pipeline/analyze.js';
import type { AnalysisBody, ErrorBody } from '../../src/server/schemas.js';
import { HAM_CLASSES } from '../../src/models/config.js';
import { lesionPng, MODEL_CARD_TEXT, startServer, TEST_LIMITS, tinyModels, withClaimedSize, type RunningServer, type TinyModels } from './fixtures.js';

let models: TinyModels;
let server: RunningServer;

before(async () => {
  models = await tinyModels();
  server = await startServer(models);
});
after(async () => {
  await server.close();
  await models.dispose();
});

function postRaw(body: Uint8Array, contentType: string): Promise<Response> {
  return fetch(`${server.url}/v1/analyze`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } });
}

function postForm(bytes: Uint8Array, type: string, filename = 'lesion.png'): Promise<Response> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)], { type }), filename);
  return fetch(`${server.url}/v1/analyze`, { method: 'POST', body: form });
}

async function expectError(res: Response, status: number, code: string): Promise<ErrorBody> {
  const body = (await res.json()) as ErrorBody;
  assert.equal(res.status, status, `status ${res.status}: ${JSON.stringify(body)}`);
  assert.equal(body.error.code, code);
  assert.ok(body.error.message.length > 0);
  return body;
}

describe('POST /v1/analyze with a good image', () => {
  it('returns the probabilities, top class, lesion area, box and timings, matching the library', async () => {
    const png = await lesionPng(96, 72);
    const res = await postRaw(png, 'image/png');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as AnalysisBody;

    assert.equal(body.notice, RESEARCH_NOTICE);
    assert.deepEqual([body.width, body.height], [96, 72]);
    assert.deepEqual(Object.keys(body.probabilities), [...HAM_CLASSES]);
    const sum = Object.values(body.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
    assert.equal(body.top.probability, Math.max(...Object.values(body.probabilities)));
    assert.equal(body.probabilities[body.top.label], body.top.probability);
    assert.deepEqual(body.models.segmenter, { name: models.modelsInfo[0]!.name, version: models.modelsInfo[0]!.version });
    assert.equal(body.engine, 'onnx');
    for (const key of ['queue', 'decode', 'segment', 'roi', 'classify', 'encode', 'total'] as const) assert.ok(body.timingsMs[key] >= 0, key);

    // The same numbers as the library gives for the same image.
    const direct = await analyze(await decodeImage(Buffer.from(png)), { segmenter: models.segmenter, classifier: models.classifier });
    assert.deepEqual(body.probabilities, direct.probabilities);
    assert.deepEqual(body.bbox, direct.bbox);
    assert.equal(body.lesionAreaFraction, direct.lesionAreaFraction);
    assert.deepEqual(body.warnings, direct.warnings);
    assert.ok(body.warnings.every((w) => typeof w.code === 'string' && w.message.length > 0));
    assert.equal(body.review, null, 'no threshold asked for or configured');
    assert.equal(body.ood, null, 'no detector fitted');
  });

  it('returns the class activation map as a heat map over the image, and flags for review at ?melThreshold', async () => {
    const png = await lesionPng(96, 72);
    const body = (await (await postRaw(png, 'image/png')).json()) as AnalysisBody;
    const cam = await sharp(Buffer.from(body.images.cam!, 'base64')).metadata();
    assert.deepEqual([cam.format, cam.width, cam.height], ['png', 96, 72]);
    const always = (await (await fetch(`${server.url}/v1/analyze?melThreshold=0`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } })).json()) as AnalysisBody;
    assert.deepEqual(always.review, { label: 'mel', probability: always.probabilities.mel, threshold: 0, flagged: true });
    await expectError(await fetch(`${server.url}/v1/analyze?melThreshold=2`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } }), 400, 'bad_request');
  });

  it('returns the mask, overlay and ROI as base64 PNGs consistent with the numbers', async () => {
    const res = await postRaw(await lesionPng(96, 72), 'image/png');
    const body = (await res.json()) as AnalysisBody;
    const maskPng = Buffer.from(body.images.mask, 'base64');
    const maskInfo = await sharp(maskPng).metadata();
    assert.deepEqual([maskInfo.format, maskInfo.width, maskInfo.height, maskInfo.channels], ['png', 96, 72, 1]);
    const mask = await decodeMask(maskPng);
    assert.ok(mask.data.every((v) => v === 0 || v === 255), 'mask is binary');
    const foreground = mask.data.filter((v) => v === 255).length;
    assert.equal(foreground / (96 * 72), body.lesionAreaFraction);
    const xs: number[] = [];
    const ys: number[] = [];
    mask.data.forEach((v, i) => {
      if (v === 255) {
        xs.push(i % 96);
        ys.push(Math.floor(i / 96));
      }
    });
    const expectedBox = xs.length === 0 ? null
      : { x: Math.min(...xs), y: Math.min(...ys), width: Math.max(...xs) - Math.min(...xs) + 1, height: Math.max(...ys) - Math.min(...ys) + 1 };
    assert.deepEqual(body.bbox, expectedBox);
    const overlay = await sharp(Buffer.from(body.images.overlay, 'base64')).metadata();
    assert.deepEqual([overlay.format, overlay.width, overlay.height], ['png', 96, 72]);
    const roi = await sharp(Buffer.from(body.images.roi, 'base64')).metadata();
    assert.equal(roi.format, 'png');
    if (body.bbox) assert.ok(roi.width! >= body.bbox.width && roi.height! >= body.bbox.height);
  });

  it('accepts a multipart upload, a JPEG sent as application/octet-stream, WebP, TIFF and BMP', async () => {
    const png = await lesionPng(80, 60);
    assert.equal((await postForm(png, 'image/png')).status, 200);
    const viaOctets = await postRaw(await sharp(png).jpeg().toBuffer(), 'application/octet-stream');
    assert.equal(viaOctets.status, 200);
    assert.equal(((await viaOctets.json()) as AnalysisBody).width, 80);
    assert.equal((await postRaw(await sharp(png).webp().toBuffer(), 'image/webp')).status, 200);
    assert.equal((await postRaw(await sharp(png).tiff().toBuffer(), 'image/tiff')).status, 200);
  });
});

describe('POST /v1/analyze with bad input', () => {
  it('answers 400 for bytes that are not an image, naming the upload', async () => {
    const body = await expectError(await postRaw(Buffer.from('definitely not a picture'), 'image/png'), 400, 'invalid_image');
    assert.match(body.error.message, /not an image/);
    const viaForm = await expectError(await postForm(Buffer.from('plain words'), 'image/jpeg', 'holiday.jpg'), 400, 'invalid_image');
    assert.match(viaForm.error.message, /^holiday\.jpg: /);
    // A file part's declared type does not matter, its bytes do.
    await expectError(await postForm(Buffer.from('some notes'), 'text/plain', 'notes.txt'), 400, 'invalid_image');
    assert.equal((await postForm(await lesionPng(16, 16), 'text/plain', 'mislabelled.txt')).status, 200);
  });

  it('answers 400 for a truncated (corrupt) PNG', async () => {
    const png = await lesionPng(96, 72);
    const body = await expectError(await postRaw(png.subarray(0, Math.floor(png.length / 2)), 'image/png'), 400, 'invalid_image');
    assert.match(body.error.message, /corrupt/);
  });

  it('answers 400 for zero bytes, raw or as a file', async () => {
    const raw = await expectError(await postRaw(new Uint8Array(0), 'image/png'), 400, 'invalid_image');
    assert.match(raw.error.message, /0 bytes/);
    await expectError(await postForm(new Uint8Array(0), 'image/png'), 400, 'invalid_image');
  });

  it('answers 400 for a multipart body without a file, or a broken one', async () => {
    const form = new FormData();
    form.append('note', 'no image here');
    await expectError(await fetch(`${server.url}/v1/analyze`, { method: 'POST', body: form }), 400, 'missing_file');
    await expectError(await postRaw(await lesionPng(16, 16), 'multipart/form-data'), 400, 'bad_request');
    const truncated = Buffer.from('--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n\x89PNG');
    await expectError(await postRaw(truncated, 'multipart/form-data; boundary=xyz'), 400, 'bad_request');
  });

  it('answers 422 for a header claiming huge dimensions, before decoding any pixels', async () => {
    const bomb = withClaimedSize(await lesionPng(8, 8), 50_000, 50_000);
    const body = await expectError(await postRaw(bomb, 'image/png'), 422, 'too_many_pixels');
    assert.match(body.error.message, /50000x50000/);
    // Over the limit by a little, as a multipart upload.
    await expectError(await postForm(withClaimedSize(await lesionPng(8, 8), 2001, 2000), 'image/png'), 422, 'too_many_pixels');
  });

  it('answers 413 for uploads over the byte limit, raw or multipart', async () => {
    const big = new Uint8Array(TEST_LIMITS.maxUploadBytes + 1024);
    await expectError(await postRaw(big, 'image/png'), 413, 'upload_too_large');
    await expectError(await postForm(big, 'image/png'), 413, 'upload_too_large');
  });

  it('answers 415 for a wrong request content type', async () => {
    const png = await lesionPng(16, 16);
    await expectError(await postRaw(png, 'text/plain'), 415, 'unsupported_media_type');
    await expectError(await postRaw(Buffer.from('{"image":"x"}'), 'application/json'), 415, 'unsupported_media_type');
    await expectError(await postRaw(png, 'image/gif'), 415, 'unsupported_media_type');
    const untyped = await expectError(await fetch(`${server.url}/v1/analyze`, { method: 'POST', body: png }), 415, 'unsupported_media_type');
    assert.match(untyped.error.message, /multipart\/form-data/, 'the message says what to send instead');
  });

  it('answers 415 for a real image in a format the cascade does not read', async () => {
    const gif = await sharp(await lesionPng(16, 16)).gif().toBuffer();
    await expectError(await postRaw(gif, 'application/octet-stream'), 415, 'unsupported_media_type');
  });

  it('still serves good requests after all that', async () => {
    assert.equal((await postRaw(await lesionPng(32, 32), 'image/png')).status, 200);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { queue: { admitted: number; running: number } };
    assert.equal(health.queue.admitted, 0, 'every place was given back');
    assert.equal(health.queue.running, 0);
  });
});

describe('the other endpoints', () => {
  it('GET /v1/models lists both models with config, version and model card, not their paths', async () => {
    const res = await fetch(`${server.url}/v1/models`);
    assert.equal(res.status, 200);
    const { models: listed } = (await res.json()) as { models: Array<Record<string, unknown>> };
    assert.deepEqual(listed.map((m) => m.kind), ['segmenter', 'classifier']);
    const [seg, cls] = listed as Array<{ name: string; version: string; config: { kind: string }; card: string | null; files: string[]; dir?: string }>;
    assert.equal(seg!.name, 'unet-mobilenetv2');
    assert.equal(seg!.card, null);
    assert.equal(cls!.card, MODEL_CARD_TEXT);
    assert.equal(cls!.config.kind, 'classifier');
    assert.match(cls!.version, /^[0-9a-f]{16}$/);
    assert.ok(cls!.files.includes('model.json') && cls!.files.includes('weights.bin'));
    assert.equal(cls!.dir, undefined);
  });

  it('GET /v1/models/{kind}/{file} serves model files with the version as ETag, and nothing else', async () => {
    const res = await fetch(`${server.url}/v1/models/segmenter/model.json`);
    assert.equal(res.status, 200);
    const etag = res.headers.get('etag');
    assert.equal(etag, `"${models.modelsInfo[0]!.version}"`);
    assert.ok(((await res.json()) as { modelTopology?: object }).modelTopology);
    const again = await fetch(`${server.url}/v1/models/segmenter/model.json`, { headers: { 'if-none-match': etag! } });
    assert.equal(again.status, 304);
    await expectError(await fetch(`${server.url}/v1/models/segmenter/..%2F..%2Fpackage.json`), 404, 'not_found');
    await expectError(await fetch(`${server.url}/v1/models/other/model.json`), 404, 'not_found');
    await expectError(await fetch(`${server.url}/v1/models/segmenter/MODEL_CARD.md`), 404, 'not_found');
  });

  it('GET /healthz reports the queue', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', queue: { running: 0, waiting: 0, admitted: 0, capacity: 3, concurrency: 1 } });
  });

  it('GET /openapi.json documents every route, the error codes and the inline PNGs', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: { Analysis: { properties: { images: { properties: { mask: { format: string; contentMediaType: string } } } } } } };
    };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/healthz', '/openapi.json', '/v1/analyze', '/v1/models', '/v1/models/{kind}/{file}']);
    assert.deepEqual(Object.keys(doc.paths['/v1/analyze']!.post!.responses).sort(), ['200', '400', '413', '415', '422', '429', '503']);
    // @fastify/swagger writes the schema's contentEncoding base64 as OpenAPI's format byte.
    const { mask } = doc.components.schemas.Analysis.properties.images.properties;
    assert.equal(mask.format, 'byte');
    assert.equal(mask.contentMediaType, 'image/png');
  });

  it('GET / serves the page with the research notice; unknown paths get a JSON 404', async () => {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /Research use only/);
    await expectError(await fetch(`${server.url}/nope.html`), 404, 'not_found');
    await expectError(await fetch(`${server.url}/v1/nothing`), 404, 'not_found');
  });
});
