/**
 * A minimal DICOM Part 10 writer for tests: a VL Photographic image with the pixel module and
 * either uncompressed pixels or one encapsulated JPEG frame. Not a test file itself.
 */
const EXPLICIT_LONG = new Set(['OB', 'OW', 'SQ', 'UN', 'UT']);

interface El { group: number; element: number; vr: string; value: Buffer; undefinedLength?: boolean }

function str(text: string, pad = ' '): Buffer {
  return Buffer.from(text.length % 2 ? text + pad : text, 'latin1');
}
function us(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}
function ul(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

function encode(el: El, explicit: boolean): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(el.group);
  head.writeUInt16LE(el.element, 2);
  const length = el.undefinedLength ? 0xffffffff : el.value.length;
  if (!explicit) return Buffer.concat([head, ul(length), el.value]);
  if (EXPLICIT_LONG.has(el.vr)) return Buffer.concat([head, Buffer.from(el.vr, 'latin1'), Buffer.alloc(2), ul(length), el.value]);
  return Buffer.concat([head, Buffer.from(el.vr, 'latin1'), us(length), el.value]);
}

function item(tagElement: number, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0xfffe);
  head.writeUInt16LE(tagElement, 2);
  head.writeUInt32LE(value.length, 4);
  return Buffer.concat([head, value]);
}

export interface DicomSpec {
  transferSyntax: string;
  width: number;
  height: number;
  samples: 1 | 3;
  photometric: string;
  planar?: 0 | 1;
  /** Uncompressed pixel bytes, or a JPEG for an encapsulated frame. */
  pixels?: Uint8Array;
  jpeg?: Uint8Array;
  bitsAllocated?: number;
}

export function writeDicom(spec: DicomSpec): Buffer {
  const syntax = str(spec.transferSyntax, '\0');
  const metaElements: El[] = [
    { group: 2, element: 1, vr: 'OB', value: Buffer.from([0, 1]) },
    { group: 2, element: 2, vr: 'UI', value: str('1.2.840.10008.5.1.4.1.1.77.1.4', '\0') },
    { group: 2, element: 3, vr: 'UI', value: str('1.2.3.4.5', '\0') },
    { group: 2, element: 0x10, vr: 'UI', value: syntax },
  ];
  const metaBody = Buffer.concat(metaElements.map((e) => encode(e, true)));
  const meta = Buffer.concat([encode({ group: 2, element: 0, vr: 'UL', value: ul(metaBody.length) }, true), metaBody]);
  const explicit = spec.transferSyntax !== '1.2.840.10008.1.2';
  const bits = spec.bitsAllocated ?? 8;
  const data: El[] = [
    { group: 0x28, element: 2, vr: 'US', value: us(spec.samples) },
    { group: 0x28, element: 4, vr: 'CS', value: str(spec.photometric) },
    ...(spec.samples === 3 ? [{ group: 0x28, element: 6, vr: 'US', value: us(spec.planar ?? 0) }] : []),
    { group: 0x28, element: 0x10, vr: 'US', value: us(spec.height) },
    { group: 0x28, element: 0x11, vr: 'US', value: us(spec.width) },
    { group: 0x28, element: 0x100, vr: 'US', value: us(bits) },
    { group: 0x28, element: 0x101, vr: 'US', value: us(bits) },
    { group: 0x28, element: 0x102, vr: 'US', value: us(bits - 1) },
    { group: 0x28, element: 0x103, vr: 'US', value: us(0) },
  ];
  let pixelData: Buffer;
  if (spec.jpeg) {
    const frame = Buffer.from(spec.jpeg.length % 2 ? [...spec.jpeg, 0] : spec.jpeg);
    const fragments = Buffer.concat([item(0xe000, Buffer.alloc(0)), item(0xe000, frame), item(0xe0dd, Buffer.alloc(0))]);
    pixelData = Buffer.concat([encode({ group: 0x7fe0, element: 0x10, vr: 'OB', value: Buffer.alloc(0), undefinedLength: true }, explicit), fragments]);
  } else {
    const raw = Buffer.from(spec.pixels!);
    pixelData = encode({ group: 0x7fe0, element: 0x10, vr: 'OB', value: raw.length % 2 ? Buffer.concat([raw, Buffer.alloc(1)]) : raw }, explicit);
  }
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), meta, ...data.map((e) => encode(e, explicit)), pixelData]);
}
