/**
 * A reader for the safetensors format (huggingface/safetensors): an unsigned 64-bit little-endian
 * header length N, then N bytes of JSON mapping each tensor name to `{ dtype, shape,
 * data_offsets: [begin, end] }` (offsets into the bytes after the header; `__metadata__` holds
 * free-form strings), then the tensors' raw little-endian bytes. npm has no maintained reader
 * (the `safetensors` package is a 0.0.1 placeholder), and the format is this small.
 */

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** The safetensors spec caps the header at 100 MB; a larger length means a damaged file. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's raw bytes, a view into the file's buffer. */
  bytes: Uint8Array;
}

/** Thrown for a file that is not a well-formed safetensors file; the message says what is wrong. */
export class SafetensorsError extends Error {}

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Where the tensor's bytes are in the file. */
  begin: number;
  end: number;
}

/**
 * The tensor entries of a safetensors file from its first bytes (`head`: at least the length
 * prefix and the header), checked against the file's size, so a header can be read without the
 * tensors.
 */
export function readSafetensorsHeader(head: Uint8Array, fileSize: number): Map<string, SafetensorsEntry> {
  if (fileSize < 8 || head.byteLength < 8) throw new SafetensorsError(`${fileSize} bytes is too short for a safetensors file`);
  const headerBytes = new DataView(head.buffer, head.byteOffset, head.byteLength).getBigUint64(0, true);
  if (headerBytes > BigInt(Math.min(MAX_HEADER_BYTES, fileSize - 8))) {
    throw new SafetensorsError(`the header length (${headerBytes} bytes) runs past the end of the file (${fileSize} bytes)`);
  }
  const dataStart = 8 + Number(headerBytes);
  if (head.byteLength < dataStart) throw new SafetensorsError('the header was not read whole');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(8, dataStart))) as Record<string, unknown>;
  } catch (error) {
    throw new SafetensorsError(`the header is not JSON: ${(error as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError('the header is not a JSON object');
  const dataBytes = fileSize - dataStart;
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw new SafetensorsError(`tensor "${name}" has an unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SafetensorsError(`tensor "${name}" has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(`tensor "${name}" has no valid data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((n, d) => n * d, 1) * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (end < begin || end - begin !== expected) throw new SafetensorsError(`tensor "${name}" holds ${end - begin} bytes, its dtype and shape need ${expected}`);
    if (end > dataBytes) throw new SafetensorsError(`tensor "${name}" runs past the end of the file (the file is cut short?)`);
    entries.set(name, { dtype: dtype as SafetensorsDtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end });
  }
  return entries;
}

/** The tensors of a safetensors file held whole in `buffer`, by name (views, not copies). */
export function parseSafetensors(buffer: Uint8Array): Map<string, SafetensorsTensor> {
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, { dtype, shape, begin, end }] of readSafetensorsHeader(buffer, buffer.byteLength)) {
    tensors.set(name, { dtype, shape, bytes: buffer.subarray(begin, end) });
  }
  return tensors;
}

/** A floating-point or integer tensor's values as float32 (little-endian source, any alignment). */
export function toFloat32(tensor: SafetensorsTensor): Float32Array {
  const { bytes, dtype } = tensor;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.byteLength / DTYPE_BYTES[dtype];
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, count));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    case 'F16': {
      const table = halfTable();
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)]!;
      return out;
    }
    case 'BF16':
      for (let i = 0; i < count; i++) out[i] = bfloat16ToFloat(view.getUint16(i * 2, true));
      return out;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      return out;
    default:
      throw new SafetensorsError(`a ${dtype} tensor cannot be read as floats`);
  }
}

/** An integer tensor's values as int32 (for index tensors; int64 values must fit in 32 bits). */
export function toInt32(tensor: SafetensorsTensor): Int32Array {
  const { bytes, dtype } = tensor;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.byteLength / DTYPE_BYTES[dtype];
  const out = new Int32Array(count);
  switch (dtype) {
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    case 'I64':
      for (let i = 0; i < count; i++) {
        const value = view.getBigInt64(i * 8, true);
        if (value < -2147483648n || value > 2147483647n) throw new SafetensorsError(`index ${value} does not fit in 32 bits`);
        out[i] = Number(value);
      }
      return out;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    default:
      throw new SafetensorsError(`a ${dtype} tensor cannot be read as indices`);
  }
}

/** IEEE 754 half precision (1 sign, 5 exponent, 10 fraction bits) to a number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

let halves: Float32Array | null = null;
/** Every half-precision value as float32, indexed by its bits (256 KB, built once): a lookup per value. */
function halfTable(): Float32Array {
  if (!halves) {
    halves = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halves[bits] = halfToFloat(bits);
  }
  return halves;
}

const bf16Scratch = new DataView(new ArrayBuffer(4));
function bfloat16ToFloat(bits: number): number {
  bf16Scratch.setUint32(0, bits << 16);
  return bf16Scratch.getFloat32(0);
}
