// The GGUF v3 container (ggml/docs/gguf.md): header, typed key/value metadata, tensor infos, then the
// tensor data, each tensor at an offset aligned to general.alignment. Written streaming: the header is
// computed from shapes and types alone, then each tensor's bytes are produced, written and dropped, so a
// model is never held twice. The file is written beside the target and renamed over it when complete.
import { writeStreamAtomic } from '../../util/atomic.ts';
import { UserError } from '../../util/errors.ts';
import { GGML_TYPES, rowBytes, type GgmlType } from './quant/ggml-types.ts';

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'f32[]'; value: ArrayLike<number> }
  | { type: 'i32[]'; value: ArrayLike<number> };

/** GGUF value type ids. */
const T = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;

export interface GgufTensor {
  name: string;
  /** Row-major shape as HF writes it: [rows, cols] (GGUF stores the dimensions innermost first). */
  shape: readonly number[];
  type: GgmlType;
  /** The tensor's bytes in `type`, produced when it is written. */
  data: () => Uint8Array;
}

export const DEFAULT_ALIGNMENT = 32;

/** Growable little-endian byte buffer for the header. */
class Bytes {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void { this.room(4); this.buf.writeUInt32LE(v, this.length); this.length += 4; }
  i32(v: number): void { this.room(4); this.buf.writeInt32LE(v, this.length); this.length += 4; }
  u64(v: number): void { this.room(8); this.buf.writeBigUInt64LE(BigInt(v), this.length); this.length += 8; }
  f32(v: number): void { this.room(4); this.buf.writeFloatLE(v, this.length); this.length += 4; }
  u8(v: number): void { this.room(1); this.buf[this.length++] = v; }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.room(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }
  pad(alignment: number): void {
    const n = (alignment - (this.length % alignment)) % alignment;
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  bytes(): Buffer { return this.buf.subarray(0, this.length); }
}

function writeValue(b: Bytes, v: GgufValue): void {
  switch (v.type) {
    case 'u32': b.u32(T.u32); b.u32(v.value); return;
    case 'i32': b.u32(T.i32); b.i32(v.value); return;
    case 'f32': b.u32(T.f32); b.f32(v.value); return;
    case 'bool': b.u32(T.bool); b.u8(v.value ? 1 : 0); return;
    case 'string': b.u32(T.string); b.str(v.value); return;
    case 'string[]': b.u32(T.array); b.u32(T.string); b.u64(v.value.length); for (const s of v.value) b.str(s); return;
    case 'f32[]': b.u32(T.array); b.u32(T.f32); b.u64(v.value.length); for (let i = 0; i < v.value.length; i++) b.f32(v.value[i]!); return;
    case 'i32[]': b.u32(T.array); b.u32(T.i32); b.u64(v.value.length); for (let i = 0; i < v.value.length; i++) b.i32(v.value[i]!); return;
  }
}

/**
 * Refuses a metadata value its GGUF type cannot hold, naming its key (`where`: the file that gave it): a u32 or i32
 * outside its range (max_position_embeddings 2^33 as llama.context_length, which llama.cpp reads as a u32) would
 * otherwise stop the write with a RangeError, and a finite number beyond float32's range (rope_theta 1e40) would be
 * written as infinity, which llama.cpp would compute with.
 */
export function requireGgufValues(metadata: ReadonlyMap<string, GgufValue>, where: string): void {
  const range = { u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff] } as const;
  for (const [key, v] of metadata) {
    if (v.type === 'u32' || v.type === 'i32') {
      const [lo, hi] = range[v.type];
      if (!Number.isInteger(v.value) || v.value < lo || v.value > hi) {
        throw new UserError(`${key} would be ${v.value}, which a GGUF ${v.type} (the type llama.cpp reads it as) cannot hold: ${lo} to ${hi}`, where);
      }
    } else if (v.type === 'f32' && Number.isFinite(v.value) && !Number.isFinite(Math.fround(v.value))) {
      throw new UserError(`${key} would be ${v.value}, beyond a GGUF f32 (the type llama.cpp reads it as; at most 3.4e38)`, where);
    }
  }
}

/** Bytes of a tensor in the file (before alignment padding). */
export function tensorBytes(t: Pick<GgufTensor, 'shape' | 'type'>): number {
  const cols = t.shape[t.shape.length - 1]!;
  const rows = t.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (cols % GGML_TYPES[t.type].blockSize !== 0) throw new Error(`${t.type} needs rows that are a multiple of ${GGML_TYPES[t.type].blockSize}, got ${cols}`);
  return rows * rowBytes(t.type, cols);
}

/** The header: magic, version 3, counts, metadata, tensor infos, padding to the data section. */
function header(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[], alignment: number): Buffer {
  const b = new Bytes();
  b.u32(0x46554747); // "GGUF"
  b.u32(3);
  b.u64(tensors.length);
  b.u64(metadata.size);
  for (const [key, value] of metadata) {
    b.str(key);
    writeValue(b, value);
  }
  let offset = 0;
  for (const t of tensors) {
    b.str(t.name);
    b.u32(t.shape.length);
    for (let i = t.shape.length - 1; i >= 0; i--) b.u64(t.shape[i]!);
    b.u32(GGML_TYPES[t.type].id);
    b.u64(offset);
    offset += tensorBytes(t);
    offset += (alignment - (offset % alignment)) % alignment;
  }
  b.pad(alignment);
  return b.bytes();
}

export interface WriteGgufOptions {
  alignment?: number;
  /** Called after each tensor is written, with its name and bytes. */
  onTensor?: (name: string, bytes: number) => void;
}

/** Writes a GGUF file at `target` (temp file, then put in place), never replacing a file there; returns its size in bytes. */
export function writeGguf(target: string, metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[], opts: WriteGgufOptions = {}): number {
  const alignment = opts.alignment ?? DEFAULT_ALIGNMENT;
  const meta = new Map(metadata);
  meta.set('general.alignment', { type: 'u32', value: alignment });
  return writeStreamAtomic(target, (write) => {
    write(header(meta, tensors, alignment));
    for (const t of tensors) {
      const data = t.data();
      if (data.byteLength !== tensorBytes(t)) throw new Error(`tensor ${t.name}: ${data.byteLength} bytes produced, ${tensorBytes(t)} expected`);
      write(data);
      const pad = (alignment - (data.byteLength % alignment)) % alignment;
      if (pad) write(new Uint8Array(pad));
      opts.onTensor?.(t.name, data.byteLength);
    }
  }, false);
}
