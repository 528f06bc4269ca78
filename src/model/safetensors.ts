// safetensors, hand-rolled: a validated header, lazy per-tensor reads by offset (a shard is never read
// whole), and atomic writes; a model folder's (sharded) checkpoint is safetensors-checkpoint.ts.
// Format: u64 little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
// then the data; offsets are relative to the first byte after the header.
import * as fs from 'node:fs';
import { bf16ToF32, f16ToF32 } from '../backend/dtype.ts';
import { needArg, needPath } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { oneLine } from '../util/json-file.ts';
import { jsonTooCostly } from '../util/json-depth.ts';
import { openRegularFile } from '../util/regular-file.ts';
import { changedError, checkWrittenFile, checkWrittenSize, sha256Hex, writtenEntry, type WrittenFile } from '../util/written-record.ts';
import { boundedJsonText, boundedText } from '../util/bounded-json.ts';

export type SafeDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_SIZE: Record<SafeDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/**
 * The format's other dtypes, which we do not read, with their size in bits (F6 and F4 are packed: a tensor's bits fill
 * whole bytes, as safetensors requires): the low-bit floats of quantized releases (FP8, MXFP4…) named by what they are
 * (AMD's FNUZ FP8 too, which the safetensors library reads), and the unsigned and complex ones. A file may hold such a
 * tensor where the model does not read it (a quantization scale left in a shard): transformers loads the model and
 * reports the tensor as unexpected, so the file opens here too, and only reading such a tensor is refused (read).
 */
const UNREAD_DTYPES = {
  F8_E4M3: { bits: 8, lowBit: 'an 8-bit float' }, F8_E5M2: { bits: 8, lowBit: 'an 8-bit float' },
  F8_E8M0: { bits: 8, lowBit: 'an 8-bit float' }, F8_E4M3FNUZ: { bits: 8, lowBit: 'an 8-bit float' },
  F8_E5M2FNUZ: { bits: 8, lowBit: 'an 8-bit float' }, F6_E2M3: { bits: 6, lowBit: 'a 6-bit float' },
  F6_E3M2: { bits: 6, lowBit: 'a 6-bit float' }, F4: { bits: 4, lowBit: 'a 4-bit float' },
  U16: { bits: 16, lowBit: '' }, U32: { bits: 32, lowBit: '' }, U64: { bits: 64, lowBit: '' }, C64: { bits: 64, lowBit: '' },
} as const;

/** A dtype of the format that we do not read (UNREAD_DTYPES). */
export type UnreadDType = keyof typeof UNREAD_DTYPES;
/** Any dtype a header may give a tensor. */
export type StoredDType = SafeDType | UnreadDType;

function isUnreadDType(dtype: StoredDType): dtype is UnreadDType {
  return Object.hasOwn(UNREAD_DTYPES, dtype);
}

/** Why a tensor of `dtype` is not read, as the rest of 'tensor "x": …'; null for a dtype that is read. */
export function unreadReason(dtype: StoredDType): string | null {
  if (!isUnreadDType(dtype)) return null;
  const lowBit = UNREAD_DTYPES[dtype].lowBit;
  return lowBit ? `dtype ${dtype} (${lowBit}: quantized weights) is not supported: use the model's unquantized weights (BF16, F16 or F32)`
    : `dtype ${dtype} is not supported (supported: ${Object.keys(DTYPE_SIZE).join(', ')})`;
}

export interface TensorInfo {
  /** As the header gives it: one that is not read (UNREAD_DTYPES) is refused by read, not by open. */
  readonly dtype: StoredDType;
  readonly shape: readonly number[];
  /** Byte offsets [begin, end) relative to the start of the data section. */
  readonly begin: number;
  readonly end: number;
}

/** Typed arrays as their dtype is stored; BOOL and U8 are bytes. */
export type SafeArray =
  | Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** The safetensors library's MAX_HEADER_SIZE: a longer header is refused by it (so by transformers) as "header too large". */
const MAX_HEADER_BYTES = 100_000_000;
/**
 * How deep a header may nest, and how many arrays, objects and keys it may hold, checked before JSON.parse (which cannot
 * be stopped: a 10 MB `__metadata__` of nested arrays took 13 s and 581 MB to refuse). The format nests 3 deep (the
 * header, a tensor's entry, its shape and data_offsets; __metadata__ is a map of strings), and the Rust reader parses it
 * with serde_json, which stops at its recursion limit (remaining_depth 128): deeper than that no reader loads it. A
 * tensor's entry holds 7 (its key, the entry, 3 keys, 2 arrays): 2M is 285k tensors, far more than any checkpoint file.
 */
const MAX_HEADER_DEPTH = 127;
const MAX_HEADER_ITEMS = 2_000_000;
/** Bytes per readSync call: one call may not read more than 2 GiB. */
const READ_CHUNK = 1 << 30;

/** Reads exactly out.byteLength bytes at `position`; calls `onShort` (which throws) if the file ends first. */
function readFully(fd: number, out: Uint8Array, position: number, onShort: () => never): void {
  let done = 0;
  while (done < out.byteLength) {
    const got = fs.readSync(fd, out, done, Math.min(READ_CHUNK, out.byteLength - done), position + done);
    if (got === 0) onShort();
    done += got;
  }
}

/** Whether readF32 reads a tensor of this dtype (F32, F16, BF16, F64). */
export function isFloatDType(dtype: StoredDType): boolean {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64';
}

/**
 * A shape as an error quotes it, `[32000, 4096]`: past 8 dimensions the first 8 and the count, so that a header's
 * absurd shape (millions of 1s) stays a line a terminal shows; a value that is no list, as JSON, cut at 120 characters.
 */
export function shapeText(shape: unknown): string {
  if (!Array.isArray(shape)) {
    const json = JSON.stringify(shape) ?? String(shape);
    return json.length > 120 ? `${json.slice(0, 120)}…` : json;
  }
  const shown = shape.slice(0, 8).map((d) => (typeof d === 'number' ? String(d) : (JSON.stringify(d) ?? String(d)).slice(0, 40)));
  return shape.length > 8 ? `[${shown.join(', ')}, … (${shape.length.toLocaleString('en-US')} dimensions)]` : `[${shown.join(', ')}]`;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * One read buffer for many tensors, grown to the largest read: a model load reads each weight into it and the backend
 * converts from there, so the host touches new memory once, not once per tensor (on a VM, first touch of fresh pages
 * costs more than the copy).
 */
export class ReadScratch {
  private buf = new ArrayBuffer(0);

  /** The first `n` bytes of the buffer (at offset 0: aligned for any element type). */
  bytes(n: number): Uint8Array {
    if (this.buf.byteLength < n) this.buf = new ArrayBuffer(n);
    return new Uint8Array(this.buf, 0, n);
  }
}

/**
 * One .safetensors file: the header is parsed and validated on open; tensor data is read on demand. A file that
 * mistral-tune recorded writing (written-record.ts) is checked as it is read: its size and header on open, each tensor
 * read whole against its SHA-256.
 */
export class SafetensorsFile {
  private constructor(
    readonly file: string,
    private readonly fd: number,
    /** Where the tensors' data begins: the 8-byte length and the header before it. */
    readonly dataStart: number,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
    private readonly written: WrittenFile | null,
  ) {}

  static open(file: string): SafetensorsFile {
    needPath('SafetensorsFile.open', 'file', file, 'file', 'the path of a .safetensors file');
    // a FIFO, folder or socket in its place is refused before any read (which could block or throw EISDIR)
    const fd = openRegularFile(file);
    try {
      const written = writtenEntry(file);
      // a recorded file cut short or written over is said to be so, before its header is judged
      if (written) checkWrittenSize(file, written, fs.fstatSync(fd).size);
      // recorded without its tensors (it did not read as safetensors when written): checked whole
      if (written && written.tensors === undefined) checkWrittenFile(file, fd, written);
      const { tensors, metadata, dataStart, headerBytes } = readHeader(file, fd);
      if (written?.header !== undefined && sha256Hex(headerBytes) !== written.header) throw changedError(file, 'its header is not the one recorded');
      return new SafetensorsFile(file, fd, dataStart, tensors, metadata, written);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new UserError(`tensor "${name}" not found`, this.file);
    return t;
  }

  /**
   * The tensor's bytes (at most its first `limit`), read from disk by offset into a fresh (aligned) buffer, or into
   * `scratch`'s (valid until its next read).
   */
  readBytes(name: string, limit = Infinity, scratch?: ReadScratch): Uint8Array {
    const t = this.info(name);
    const n = Math.min(t.end - t.begin, limit);
    const out = scratch ? scratch.bytes(n) : new Uint8Array(new ArrayBuffer(n));
    readFully(this.fd, out, this.dataStart + t.begin, () => {
      throw new UserError(`tensor "${name}": file ended while reading its data (was it truncated after opening?)`, this.file);
    });
    const want = this.written?.tensors?.[name];
    if (this.written?.tensors && n === t.end - t.begin && sha256Hex(out) !== want) throw changedError(this.file, `tensor "${name}" is not the one recorded`);
    return out;
  }

  /** The tensor as a typed array of its stored type (BF16/F16 as raw Uint16 bits); in `scratch`'s memory when given. */
  read(name: string, scratch?: ReadScratch): SafeArray {
    const t = this.info(name);
    if (isUnreadDType(t.dtype)) throw new UserError(`tensor "${name}": ${unreadReason(t.dtype)}`, this.file);
    const bytes = this.readBytes(name, Infinity, scratch);
    const buf = bytes.buffer, n = bytes.byteLength / DTYPE_SIZE[t.dtype];
    switch (t.dtype) {
      case 'F64': return new Float64Array(buf, 0, n);
      case 'F32': return new Float32Array(buf, 0, n);
      case 'F16': case 'BF16': return new Uint16Array(buf, 0, n);
      case 'I64': return new BigInt64Array(buf, 0, n);
      case 'I32': return new Int32Array(buf, 0, n);
      case 'I16': return new Int16Array(buf, 0, n);
      case 'I8': return new Int8Array(buf, 0, n);
      case 'U8': case 'BOOL': return new Uint8Array(buf, 0, n);
    }
  }

  /**
   * Throws what readF32 throws for a tensor it does not read (not of a float dtype), from the header alone: a reader of
   * files whose every tensor is read as floats (an adapter's) refuses them before any weight loads.
   */
  requireFloat(name: string): void {
    const t = this.info(name);
    if (isUnreadDType(t.dtype)) throw new UserError(`tensor "${name}": ${unreadReason(t.dtype)}`, this.file);
    if (!isFloatDType(t.dtype)) throw new UserError(`tensor "${name}" has dtype ${t.dtype}, expected a float type`, this.file);
  }

  /** A floating-point tensor converted to float32 (F32, F16, BF16, F64). */
  readF32(name: string): Float32Array {
    this.requireFloat(name);
    const t = this.info(name);
    const a = this.read(name);
    switch (t.dtype) {
      case 'F32': return a as Float32Array;
      case 'BF16': return bf16ToF32(a as Uint16Array);
      case 'F16': return f16ToF32(a as Uint16Array);
      default: return Float32Array.from(a as Float64Array);
    }
  }

  /** An integer tensor converted to int32 (I32, I64 in range, I16, I8, U8, BOOL). */
  readI32(name: string): Int32Array {
    const t = this.info(name);
    const a = this.read(name);
    if (t.dtype === 'I32') return a as Int32Array;
    if (t.dtype === 'I64') {
      const src = a as BigInt64Array;
      const out = new Int32Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        if (v > 2147483647n || v < -2147483648n) {
          throw new UserError(`tensor "${name}": value ${v} at index ${i} does not fit in int32`, this.file);
        }
        out[i] = Number(v);
      }
      return out;
    }
    if (t.dtype === 'I16' || t.dtype === 'I8' || t.dtype === 'U8' || t.dtype === 'BOOL') {
      return Int32Array.from(a as Int16Array);
    }
    throw new UserError(`tensor "${name}" has dtype ${t.dtype}, expected an integer type`, this.file);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

function readHeader(file: string, fd: number): {
  tensors: Map<string, TensorInfo>; metadata: Record<string, string>; dataStart: number; headerBytes: Uint8Array;
} {
  const size = fs.fstatSync(fd).size;
  const fail = (msg: string, tensor?: string): never => {
    throw new UserError(tensor ? `tensor "${boundedText(tensor)}": ${msg}` : msg, file);
  };
  if (size < 8) fail(`truncated: ${size} bytes, too short for the 8-byte header length`);
  const lenBuf = Buffer.alloc(8);
  readFully(fd, lenBuf, 0, () => fail('file ended while reading the header length'));
  const headerLen = lenBuf.readBigUInt64LE(0);
  if (headerLen > BigInt(size - 8)) {
    fail(`header length ${headerLen} runs past the end of the file (${size} bytes): truncated or not a safetensors file`);
  }
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLen} is larger than the safetensors format's limit of ${MAX_HEADER_BYTES} bytes`);
  const n = Number(headerLen);
  const headerBuf = Buffer.alloc(n);
  readFully(fd, headerBuf, 8, () => fail('file ended while reading the header'));
  const headerText = headerBuf.toString('utf8');
  const costly = jsonTooCostly(headerText, MAX_HEADER_DEPTH, MAX_HEADER_ITEMS);
  if (costly === 'deep') fail(`header nests arrays and objects more than ${MAX_HEADER_DEPTH} deep: not a safetensors header (its tensors nest 3 deep, and the Rust reader stops at 128)`);
  if (costly === 'many') fail(`header holds more than ${MAX_HEADER_ITEMS.toLocaleString('en-US')} arrays, objects and keys: not a checkpoint's header (each tensor has 7)`);
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    fail(`header is not valid JSON (${oneLine((e as Error).message)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataSize = size - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value !== null) metadata = parseMetadata(value, fail);
      continue;
    }
    tensors.set(name, parseTensorInfo(name, value, dataSize, fail));
  }
  // Sorted by start, each tensor begins where the one before ends, the first at 0, and the last ends with the data, as
  // safetensors requires (empty tensors hold no bytes: they may sit anywhere).
  const sorted = [...tensors.entries()].filter(([, t]) => t.end > t.begin).sort((a, b) => a[1].begin - b[1].begin);
  let last: [string, TensorInfo] | null = null;
  for (const [name, t] of sorted) {
    if (last && t.begin < last[1].end) {
      const [prevName, prev] = last;
      fail(`data_offsets [${t.begin}, ${t.end}) overlap tensor "${prevName}" [${prev.begin}, ${prev.end})`, name);
    }
    // a hole before it: bytes no tensor holds, which safetensors (so transformers) refuses ("file not fully covered")
    const from = last ? last[1].end : 0;
    if (t.begin > from) fail(`data_offsets [${t.begin}, ${t.end}) leave bytes [${from}, ${t.begin}) of the data to no tensor: the header does not describe the file (damaged or edited), which transformers refuses`, name);
    if (!last || t.end > last[1].end) last = [name, t];
  }
  const end = last ? last[1].end : 0;
  if (end < dataSize) {
    fail(`${dataSize - end} bytes after the last tensor's data (${dataSize} bytes of data, the header's tensors end at ${end}): the header does not describe ` +
      'the file (damaged, or written over a longer one without truncating it), which transformers refuses');
  }
  return { tensors, metadata, dataStart, headerBytes: Buffer.concat([lenBuf, headerBuf]) };
}

function parseMetadata(value: unknown, fail: (msg: string) => never): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('__metadata__ is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__.${boundedText(k)} is not a string`);
    out[k] = v as string;
  }
  return out;
}

function parseTensorInfo(
  name: string, value: unknown, dataSize: number, fail: (msg: string, tensor?: string) => never,
): TensorInfo {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('entry is not an object {dtype, shape, data_offsets}', name);
  const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof v.dtype !== 'string' || !(Object.hasOwn(DTYPE_SIZE, v.dtype) || Object.hasOwn(UNREAD_DTYPES, v.dtype))) {
    fail(`unknown dtype ${boundedJsonText(v.dtype)} (supported: ${Object.keys(DTYPE_SIZE).join(', ')})`, name);
  }
  const dtype = v.dtype as StoredDType;
  const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (!Array.isArray(v.shape) || !v.shape.every(isCount)) fail(`shape ${shapeText(v.shape)} is not a list of sizes`, name);
  const shape = v.shape as number[];
  const off = v.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !isCount(off[0]) || !isCount(off[1]) || off[1] < off[0]) {
    fail(`data_offsets ${shapeText(off)} are not [begin, end]: two whole byte offsets below 2^53 with begin ≤ end`, name);
  }
  const [begin, end] = off as [number, number];
  if (end > dataSize) fail(`data_offsets [${begin}, ${end}) run past the end of the data (${dataSize} bytes)`, name);
  const bits = numel(shape) * (isUnreadDType(dtype) ? UNREAD_DTYPES[dtype].bits : 8 * DTYPE_SIZE[dtype]);
  // safetensors refuses a packed tensor (F6, F4) whose bits do not end on a byte ("does not end up at a byte boundary")
  if (bits % 8 !== 0) fail(`shape ${shapeText(shape)} × ${dtype} is ${bits} bits, not a whole number of bytes (which safetensors refuses)`, name);
  const expected = bits / 8;
  if (end - begin !== expected) {
    fail(`shape ${shapeText(shape)} × ${dtype} is ${expected} bytes but data_offsets span ${end - begin}`, name);
  }
  return { dtype, shape, begin, end };
}

export interface TensorToWrite {
  dtype: SafeDType;
  shape: readonly number[];
  data: SafeArray;
}

/** The bytes of a safetensors file: header (padded to 8 bytes) and data, tensors in name order. */
export function encodeSafetensors(
  tensors: Readonly<Record<string, TensorToWrite>>, metadata?: Readonly<Record<string, string>>,
): Uint8Array[] {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  // a library caller's mistake (writeSafetensors is exported): a UserError naming the tensor, not a plain Error or a
  // TypeError from inside (a tensor without data or shape)
  const bad = (what: string): never => { throw new UserError(what, 'writeSafetensors'); };
  for (const name of names) {
    const t = tensors[name]!;
    if (name === '__metadata__') bad('"__metadata__" is reserved: pass metadata separately (the third argument)');
    if (typeof t !== 'object' || t === null) bad(`tensor "${name}" is ${JSON.stringify(t)}: give {dtype, shape, data}`);
    if (!Object.hasOwn(DTYPE_SIZE, t.dtype)) bad(`tensor "${name}": unknown dtype ${JSON.stringify(t.dtype)} (give one of ${Object.keys(DTYPE_SIZE).join(', ')})`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`tensor "${name}": shape ${JSON.stringify(t.shape)} is not a list of sizes`);
    if (!ArrayBuffer.isView(t.data)) bad(`tensor "${name}": data is ${t.data === undefined ? 'missing' : typeof t.data}: give a typed array (Float32Array, Uint16Array for BF16/F16, …)`);
    const bytes = numel(t.shape) * DTYPE_SIZE[t.dtype];
    if (t.data.byteLength !== bytes) {
      bad(`tensor "${name}": shape [${t.shape.join(', ')}] × ${t.dtype} is ${bytes} bytes, data has ${t.data.byteLength}`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const pad = (8 - (Buffer.byteLength(json) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  const chunks: Uint8Array[] = [len, headerBytes];
  for (const name of names) {
    const d = tensors[name]!.data;
    chunks.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return chunks;
}

/** Writes a safetensors file atomically (temp file, fsync, rename). */
export function writeSafetensors(
  file: string, tensors: Readonly<Record<string, TensorToWrite>>, metadata?: Readonly<Record<string, string>>,
): void {
  needPath('writeSafetensors', 'file', file, 'file', 'the path of the .safetensors file to write');
  needArg('writeSafetensors', 'tensors', tensors, 'object', { hint: 'an object of tensors by name, each {dtype, shape, data}' });
  if (metadata !== undefined) needArg('writeSafetensors', 'metadata', metadata, 'object', { hint: "an object of strings such as {format: 'pt'}" });
  writeFileAtomic(file, ...encodeSafetensors(tensors, metadata));
}
