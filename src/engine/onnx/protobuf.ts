/**
 * A minimal protocol-buffers writer: just the wire types the ONNX schema needs (varint, 32-bit
 * float, length-delimited). Messages are built inside-out: encode the child with its own writer,
 * then embed its bytes with `message()`.
 */
export class ProtoWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  private rawVarint(value: number | bigint): void {
    this.reserve(10);
    if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
      let v = value;
      while (v > 127) {
        this.buffer[this.length++] = (v % 128) | 128;
        v = Math.floor(v / 128);
      }
      this.buffer[this.length++] = v;
      return;
    }
    // Negative int64 values are written as their 64-bit two's complement (10 bytes).
    let big = BigInt(value);
    if (big < 0n) big += 1n << 64n;
    while (big > 127n) {
      this.buffer[this.length++] = Number(big & 127n) | 128;
      big >>= 7n;
    }
    this.buffer[this.length++] = Number(big);
  }

  private tag(field: number, wireType: 0 | 2 | 5): void {
    this.rawVarint(field * 8 + wireType);
  }

  /** int32/int64/enum/bool field. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.rawVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    this.reserve(4);
    new DataView(this.buffer.buffer).setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.rawVarint(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, child: ProtoWriter): this {
    return this.bytes(field, child.finish());
  }

  /** Packed repeated varints (e.g. `repeated int64 ints`). */
  packedVarints(field: number, values: ReadonlyArray<number>): this {
    const packed = new ProtoWriter();
    for (const v of values) packed.rawVarint(v);
    return this.bytes(field, packed.finish());
  }

  /** Packed repeated floats. */
  packedFloats(field: number, values: ReadonlyArray<number>): this {
    const data = new Float32Array(values);
    return this.bytes(field, new Uint8Array(data.buffer));
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
