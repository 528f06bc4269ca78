// The WebAssembly SIMD kernels (kernels.c → kernels.wasm, built by scripts/build-wasm.sh) behind a
// typed-array interface. The module's memory is shared and doubles as the backend's arena (arena.ts):
// float32 buffers the backend allocates there are handed to the kernels in place, by byte offset; an
// array from elsewhere (a bf16 staging copy, a test's array) is copied into a scratch frame and back (a kernel over
// elements or rows in bands of bounded frames, the GEMM in blocks of them: a whole trainable state or a float32 weight
// outside the memory never needs one frame).
// Row-wise kernels are split across a pool of worker threads (pool.ts) in chunks whose results do not
// depend on the split. Float32 only; the TypeScript kernels stay the reference.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import type { FloatArray } from '../../dtype.ts';
import type { ResolvedGemm } from '../gemm.ts';
import { packRows, rowDots, type AttentionOps, type GemmFn } from '../kernels/attention.ts';
import { IGNORE_INDEX, type AdamWHyper } from '../../backend.ts';
import { UserError } from '../../../util/errors.ts';
import { Arena, frameArrayBytes } from './arena.ts';
import { blockFrameLengths, gemmInBlocks, gemmTile } from './gemm-blocks.ts';
import { wasmApi, type WasmGlobal, type WasmMemory, type WasmModule } from './wasm-api.ts';
import { KernelPool, split, threadCount, WORKER_STACK, type KernelFn } from './pool.ts';

interface Exports {
  __heap_base: WasmGlobal;
  __stack_pointer: WasmGlobal;
  cross_entropy(logits: number, targets: number, rows: number, V: number, stats: number, grad: number, gradScale: number): void;
  swiglu_forward(out: number, gate: number, up: number, n: number): void;
  swiglu_backward(dgate: number, dup: number, dout: number, gate: number, up: number, n: number): void;
  masked_softmax(S: number, stats: number, seg: number, T: number, K: number, off: number, window: number, r0: number, period: number): void;
  probs_from_lse(S: number, lse: number, seg: number, T: number, K: number, off: number, window: number, r0: number, period: number): void;
  attn_dscores(dS: number, P: number, rowDot: number, T: number, K: number): void;
  attn_pack(p: number, x: number, heads: number, rows: number, D: number, ld: number, toPacked: number): void;
  attn_row_dots(rowDot: number, dO: number, O: number, heads: number, rows: number, D: number, ld: number): void;
  sgemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, A: number, lda: number, B: number, ldb: number,
    beta: number, C: number, ldc: number, pa: number, pb: number): void;
  rmsnorm_forward(out: number, rstd: number, x: number, w: number, N: number, C: number, eps: number): void;
  rmsnorm_backward(dx: number, dw: number, dout: number, x: number, w: number, rstd: number, N: number, C: number,
    r0: number, r1: number, c0: number, c1: number): void;
  adamw(param: number, grad: number, m: number, v: number, lo: number, hi: number, spans: number, S: number, b1: number, omb1: number,
    b2: number, omb2: number, stepSize: number, bc2Sqrt: number, eps: number, decayIn: number, decayOut: number): void;
}

/** Packing buffers of the GEMM (must match MC·KC and KC·NC in kernels/sgemm.c). */
const GEMM_PA = 64 * 256;
const GEMM_PB = 256 * 2048;

type Kind = 'f32' | 'i32' | 'f64';
const BYTES: Record<Kind, number> = { f32: 4, i32: 4, f64: 8 };
type ViewOf<K extends Kind> = K extends 'f64' ? Float64Array : K extends 'i32' ? Int32Array : Float32Array;

/** The most a wasm32 memory can grow to: 65,536 pages of 64 KiB. */
export const WASM_MEMORY_LIMIT = 2 ** 32;

/**
 * Bytes of module memory one attention call needs (its workspace plus the reserve for its GEMMs), for
 * T queries over K keys with q and k arrays of `qLen` and `kLen` floats: what a plan checks in advance.
 * The reserve also covers the call's packed operands (2·T·D floats ≤ 2·qLen: the GEMMs read those
 * instead of framing q).
 */
export function attentionWorkspaceBytes(T: number, K: number, qLen: number, kLen: number): { workspace: number; reserve: number } {
  const workspace = 4 * (2 * T * K + 2 * T + K) + 8 * 2 * T + 6 * 16;
  const reserve = 4 * (2 * qLen + kLen + 2 * T * K + GEMM_PA + GEMM_PB) + 5 * 16;
  return { workspace, reserve };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Each command's way to ask the kernels for less memory. */
const SHORTER = 'shorter sequences or smaller batches (train: max_seq_len, batch_size or eval.batch_size; eval: --max-seq-len or --batch-size)';

/** Backend buffers stop going into the arena past this, so the kernels' workspace keeps room. */
const BUFFER_LIMIT = WASM_MEMORY_LIMIT - 2 ** 30;

/** An array a kernel takes, and whether the kernel reads it, writes it, or both. */
type Operand = readonly [Float32Array | Int32Array | Float64Array, 'in' | 'out' | 'inout'];

/** An operand of a kernel over units (elements or rows) [0, n): the array, its use, and its elements per unit. */
type Banded = readonly [Float32Array | Int32Array | Float64Array, 'in' | 'out' | 'inout', number];

/**
 * The most bytes of operands held outside the kernels' memory that a kernel over elements or rows copies into one
 * frame: past it, the kernel runs in bands (WasmKernels.inBands), the GEMM in blocks (gemm-blocks.ts). 16 bytes × n of
 * AdamW over a trainable state of 250M+ parameters framed whole could not fit in WebAssembly's 4 GiB.
 */
export const FRAME_BAND_BYTES = 64 * 2 ** 20;

/** The kernels the worker threads run (row-wise ones: their parts are independent). */
const POOLED = ['cross_entropy', 'swiglu_forward', 'swiglu_backward', 'masked_softmax', 'probs_from_lse', 'attn_dscores', 'sgemm',
  'rmsnorm_forward', 'rmsnorm_backward', 'adamw'] as const;

/** Smallest part worth a thread: rows of cross-entropy and attention, elements of SwiGLU. */
const MIN_PART = { ceRows: 4, ewElements: 16384, attnCells: 8192, normCells: 16384, adamw: 32768 } as const;

/** Rows of T×K attention scores worth a thread. */
const rowsPerPart = (K: number): number => Math.max(1, Math.ceil(MIN_PART.attnCells / K));

/**
 * Multiply-adds of a GEMM worth a thread: attention's 256 × 256 × 32 blocks (2²¹, ~0.1 ms) ran 1.26× faster on one
 * thread than split in two (bench/wasm-gemm.ts on a quiet machine, docs/cpu-performance.md).
 */
const GEMM_MIN_PART = 2 ** 21;

/** Which build of the kernels runs: 'relaxed' (kernels-relaxed.wasm, the GEMM on FMA) or 'baseline' (kernels.wasm). */
export type KernelBuild = 'relaxed' | 'baseline';

/** The build this process runs and its bytes, chosen once (the relaxed file is read once, to validate and to compile). */
let chosen: { build: KernelBuild; bytes: Uint8Array } | null = null;

/**
 * The build this process runs. MISTRAL_TUNE_WASM=baseline|relaxed chooses; by default the relaxed-SIMD build
 * wherever the engine accepts it: V8 ≥ 11.4 (Node ≥ 22) does by default (not tried here); Node 20's V8 (11.3) implements the finished
 * proposal behind --experimental-wasm-relaxed-simd, which is switched on here before the module is compiled. A
 * missing kernels-relaxed.wasm means the baseline, unless relaxed was asked for (then a UserError naming the file).
 */
export function kernelBuild(): KernelBuild {
  return choose().build;
}

function kernelBytes(): Uint8Array {
  return choose().bytes;
}

function choose(): { build: KernelBuild; bytes: Uint8Array } {
  if (chosen) return chosen;
  const want = process.env.MISTRAL_TUNE_WASM ?? 'auto';
  if (want !== 'auto' && want !== 'baseline' && want !== 'relaxed') {
    throw new UserError(`MISTRAL_TUNE_WASM: "${want}" is not auto, baseline or relaxed`);
  }
  if (want !== 'baseline') {
    const file = kernelFile('kernels-relaxed.wasm');
    let relaxed: Uint8Array | null = null;
    try {
      relaxed = fs.readFileSync(file);
    } catch (e) {
      if (want === 'relaxed') throw new UserError(`MISTRAL_TUNE_WASM=relaxed: cannot read ${file} (${(e as Error).message})`);
    }
    if (relaxed && !wasmApi.validate(relaxed)) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (relaxed && wasmApi.validate(relaxed)) return (chosen = { build: 'relaxed', bytes: relaxed });
    if (want === 'relaxed') throw new UserError(`MISTRAL_TUNE_WASM=relaxed: this Node.js (${process.version}) does not run relaxed-SIMD WebAssembly`);
  }
  return (chosen = { build: 'baseline', bytes: fs.readFileSync(kernelFile('kernels.wasm')) });
}

function kernelFile(name: string): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), name);
}

/** One instance (memory, arena, worker pool) per thread count, shared by the backends of the process. */
const loaded = new Map<number, WasmKernels | null>();

export class WasmKernels {
  private readonly arena: Arena;
  readonly pool: KernelPool;
  /** The scratch block that frames are laid out in (grown on demand) and the GEMM's packing buffers. */
  private scratch = { at: 0, bytes: 0 };
  /** The GEMM's packing buffers, one pair per chunk of a split GEMM (one chunk per thread). */
  private readonly pack: { pa: number; pb: number }[] = [];
  /** The bytes a band of a banded kernel or a GEMM's blocks frame at most (FRAME_BAND_BYTES; tests set less, to cut small arrays). */
  bandBytes = FRAME_BAND_BYTES;
  /** The most bytes a frame has been laid out with since this was last set to 0 (what tests check bands by). */
  largestFrame = 0;
  /** The most bytes one frame may take (WASM_MEMORY_LIMIT: what the memory gives; tests set less, to see a frame refused). */
  frameLimit = WASM_MEMORY_LIMIT;

  private constructor(private readonly x: Exports, module: WasmModule, memory: WasmMemory, threads: number) {
    this.arena = new Arena(memory, x.__heap_base.value as number, WASM_MEMORY_LIMIT);
    const stacks = Array.from({ length: threads - 1 }, () => this.arena.alloc(WORKER_STACK)! + WORKER_STACK);
    const main = Object.fromEntries(POOLED.map((n) => [n, x[n] as KernelFn]));
    this.pool = new KernelPool(threads, module, memory, POOLED, main, stacks);
  }

  /** The kernels on `threads` threads (default: MISTRAL_TUNE_THREADS, else the cores); null when WebAssembly is unavailable. */
  static load(threads = threadCount()): WasmKernels | null {
    if (loaded.has(threads)) return loaded.get(threads)!;
    let k: WasmKernels | null = null;
    const bytes = kernelBytes(); // outside the try: a bad MISTRAL_TUNE_WASM is the user's error, not a missing engine
    try {
      const memory = new wasmApi.Memory({ initial: 17, maximum: WASM_MEMORY_LIMIT / 65536, shared: true });
      const module = new wasmApi.Module(bytes);
      const instance = new wasmApi.Instance(module, { env: { memory } });
      k = new WasmKernels(instance.exports as unknown as Exports, module, memory, threads);
    } catch {
      k = null;
    }
    loaded.set(threads, k);
    return k;
  }

  /** Packing buffers of chunk `part`, allocated on its first GEMM. */
  private packOf(part: number): { pa: number; pb: number } {
    while (this.pack.length <= part) {
      const pa = this.arena.alloc(4 * (GEMM_PA + GEMM_PB));
      if (pa === null) throw new UserError(`the CPU kernels cannot grow WebAssembly memory for the GEMM's packing buffers (in use: ${mib(this.arena.used)})`);
      this.pack.push({ pa, pb: pa + 4 * GEMM_PA });
    }
    return this.pack[part]!;
  }

  /**
   * A zeroed float32 array of n elements inside the kernels' memory, and the function that gives its block
   * back; null when the arena is full (the backend then allocates on the JS heap).
   */
  allocF32(n: number): { data: Float32Array; release: () => void } | null {
    if (this.arena.used + 4 * n > BUFFER_LIMIT) return null;
    const at = this.arena.alloc(4 * n);
    if (at === null) return null;
    const data = this.arena.f32(at, n);
    data.fill(0);
    return { data, release: () => this.arena.release(at, 4 * n) };
  }

  /**
   * The one-line error of a request past the WebAssembly memory limit; `advice` (default: each command's way to ask for
   * shorter sequences or smaller batches) says what asks for less.
   */
  private outOfMemory(bytes: number, what: string, advice = `use ${SHORTER}`): UserError {
    return new UserError(`the CPU kernels need ${mib(bytes)} of WebAssembly memory for ${what}, but it cannot grow beyond ` +
      `${mib(WASM_MEMORY_LIMIT)} (in use: ${mib(this.arena.used)}): ${advice}`);
  }

  /** Views of consecutive arrays (16-byte aligned) in the scratch block, valid until the next frame. */
  private frame<const L extends readonly (readonly [Kind, number])[]>(layout: L, refused = (bytes: number): UserError => this.outOfMemory(bytes, 'a work frame')):
    { [I in keyof L]: ViewOf<L[I][0]> } {
    const offsets: number[] = [];
    let bytes = 0;
    for (const [kind, n] of layout) {
      offsets.push(bytes);
      bytes += frameArrayBytes(n, BYTES[kind]);
    }
    this.largestFrame = Math.max(this.largestFrame, bytes);
    // a frame of empty arrays still gets a block: offset 0 is the kernels' null (adamw's spans: 0 means decay everywhere)
    if (bytes > this.scratch.bytes || this.scratch.bytes === 0) {
      bytes = Math.max(bytes, 16);
      if (this.scratch.bytes > 0) this.arena.release(this.scratch.at, this.scratch.bytes);
      const at = bytes > this.frameLimit ? null : this.arena.alloc(bytes);
      if (at === null) {
        this.scratch = { at: 0, bytes: 0 };
        throw refused(bytes);
      }
      this.scratch = { at, bytes };
    }
    const buf = this.arena.buffer;
    return layout.map(([kind, n], i) => {
      const at = this.scratch.at + offsets[i]!;
      return kind === 'f64' ? new Float64Array(buf, at, n) : kind === 'i32' ? new Int32Array(buf, at, n) : new Float32Array(buf, at, n);
    }) as unknown as { [I in keyof L]: ViewOf<L[I][0]> };
  }

  /**
   * Byte offsets of the operands for a kernel call: arrays in the arena as they are, the others copied
   * into a scratch frame; `run` gets the offsets, then what it wrote is copied back to the outside arrays. `refused`:
   * the error of a frame the memory cannot hold (frame's default: shorter sequences or smaller batches).
   */
  private inPlace(ops: readonly Operand[], run: (...at: number[]) => void, refused?: (bytes: number) => UserError): void {
    const outside = ops.map(([a]) => !this.arena.holds(a));
    const kinds = ops.map(([a]): Kind => (a instanceof Float64Array ? 'f64' : a instanceof Int32Array ? 'i32' : 'f32'));
    const layout = ops.map(([a], i) => [kinds[i]!, outside[i] ? a.length : 0] as const);
    const views = outside.some(Boolean) ? this.frame(layout, refused) : [];
    const at = ops.map(([a, use], i) => {
      if (!outside[i]) return a.byteOffset;
      const v = views[i]!;
      if (use !== 'out') (v as Float32Array).set(a as Float32Array);
      return v.byteOffset;
    });
    run(...at);
    ops.forEach(([a, use], i) => {
      if (outside[i] && use !== 'in') (a as Float32Array).set(views[i] as Float32Array);
    });
  }

  /**
   * Runs a kernel over units (elements or rows) [0, n) in bands [lo, hi): one band when every operand is in the arena,
   * else bands whose frame of the outside operands stays within bandBytes (at least `align` units; every start a
   * multiple of `align`, so a band's thread split starts where the whole range's would). `run(lo, hi, at)` gets the
   * band's operands' offsets (the banded ones, then `extra`'s: operands of a band that are not cut from the
   * whole, adamw's shifted spans). The units are independent, so the results do not depend on the bands.
   */
  private inBands(n: number, align: number, ops: readonly Banded[], run: (lo: number, hi: number, at: number[]) => void,
    extra: (lo: number, hi: number) => Operand[] = () => []): void {
    const perUnit = ops.reduce((s, [a, , w]) => s + (this.arena.holds(a) ? 0 : w * a.BYTES_PER_ELEMENT), 0);
    const band = bandUnits(n, perUnit, align, this.bandBytes);
    for (let lo = 0; lo === 0 || lo < n; lo += band) {
      const hi = Math.min(n, lo + band);
      const cut = ops.map(([a, use, w]): Operand => [a.subarray(lo * w, hi * w), use]);
      this.inPlace([...cut, ...extra(lo, hi)], (...at) => run(lo, hi, at));
    }
  }

  swigluForward(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
    this.inBands(n, 16, [[out, 'out', 1], [gate, 'in', 1], [up, 'in', 1]], (lo0, hi0, [o, g, u]) =>
      this.pool.run('swiglu_forward', hi0 - lo0, MIN_PART.ewElements, 16, (lo, hi) => [o! + 4 * lo, g! + 4 * lo, u! + 4 * lo, hi - lo]));
  }

  swigluBackward(dgate: Float32Array, dup: Float32Array, dout: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
    this.inBands(n, 16, [[dgate, 'out', 1], [dup, 'out', 1], [dout, 'in', 1], [gate, 'in', 1], [up, 'in', 1]], (lo0, hi0, [dg, du, d, g, u]) =>
      this.pool.run('swiglu_backward', hi0 - lo0, MIN_PART.ewElements, 16, (lo, hi) =>
        [dg! + 4 * lo, du! + 4 * lo, d! + 4 * lo, g! + 4 * lo, u! + 4 * lo, hi - lo]));
  }

  /**
   * One GEMM of float32 arrays (one batch entry of `g`), on the operands in place when they are in the arena; those outside
   * it are copied into one frame of at most bandBytes a block at a time (gemm-blocks.ts), with the bits of one call.
   */
  sgemm(g: ResolvedGemm, A: Float32Array, B: Float32Array, C: Float32Array): void {
    if (g.m === 0 || g.n === 0) return;
    const outside = [!this.arena.holds(A), !this.arena.holds(B), !this.arena.holds(C)] as const;
    if (!outside.some(Boolean)) return this.sgemmAt(g, A.byteOffset, B.byteOffset, C.byteOffset); // the usual case: all in place
    const t = gemmTile(g, outside, this.bandBytes);
    const views = this.frame(blockFrameLengths(g, t, outside).map((n) => ['f32', n] as const),
      (bytes) => this.outOfMemory(bytes, `a GEMM (${g.m} × ${g.k} by ${g.k} × ${g.n}) whose operands held outside it are copied in block by block`,
        `a BLAS library takes a GEMM's operands in place (Debian: apt-get install libopenblas0-pthread); else use ${SHORTER}, where the activations are the large operands`));
    const frameOf = (i: 0 | 1 | 2): Float32Array | null => (outside[i] ? views[i]! : null);
    gemmInBlocks(g, t, [A, frameOf(0)], [B, frameOf(1)], [C, frameOf(2)], (sub, a, b, c) => this.sgemmAt(sub, a, b, c));
  }

  /** The kernel on operands at byte offsets a, b, c of the memory, split over the threads. */
  private sgemmAt(g: ResolvedGemm, a: number, b: number, c: number): void {
    // split by column blocks of C (or by row blocks when C is tall and narrow): every element of C is
    // computed the same way whatever the split, so the result is bit-identical to one thread
    const byCols = g.n >= g.m;
    const minPart = Math.ceil(GEMM_MIN_PART / Math.max(1, (byCols ? g.m : g.n) * g.k));
    this.pool.run('sgemm', byCols ? g.n : g.m, minPart, byCols ? 8 : 4, (lo, hi, part) => {
      const { pa, pb } = this.packOf(part);
      const [aAt, bAt, cAt] = byCols
        ? [a, b + 4 * (g.transB ? lo * g.ldb : lo), c + 4 * lo]
        : [a + 4 * (g.transA ? lo : lo * g.lda), b, c + 4 * lo * g.ldc];
      const [m, n] = byCols ? [g.m, hi - lo] : [hi - lo, g.n];
      return [g.transA ? 1 : 0, g.transB ? 1 : 0, m, n, g.k, g.alpha, aAt, g.lda, bAt, g.ldb, g.beta, cAt, g.ldc, pa, pb];
    }, 1); // one chunk per thread: each chunk has its own packing buffers
  }

  /** Attention's row kernels in SIMD, with the score matrices in an arena block for the call. */
  attentionOps(gemm: GemmFn): AttentionOps {
    let seg: Int32Array = new Int32Array(0), stats: Float64Array = new Float64Array(0), lseRow: Float32Array = new Float32Array(0);
    let block: { at: number; bytes: number } | null = null;
    const win = (w: number | null): number => (w === null ? -1 : w);
    const inWasm = (a: FloatArray): boolean => this.arena.holds(a);
    return {
      gemm,
      workspace: (T, K, _q, _k, D = 0) => {
        const { workspace } = attentionWorkspaceBytes(T, K, 0, 0);
        const bytes = workspace + 4 * 2 * T * D + 16;
        const at = this.arena.alloc(bytes);
        if (at === null) {
          throw this.outOfMemory(bytes, 'attention');
        }
        block = { at, bytes };
        const buf = this.arena.buffer;
        let o = at;
        const take = <V>(make: (b: ArrayBufferLike, at: number, n: number) => V, n: number, size: number): V => {
          const v = make(buf, o, n);
          o += frameArrayBytes(n, size);
          return v;
        };
        const S = take((b, a, n) => new Float32Array(b, a, n), T * K, 4);
        const dS = take((b, a, n) => new Float32Array(b, a, n), T * K, 4);
        const rowDot = take((b, a, n) => new Float32Array(b, a, n), T, 4);
        seg = take((b, a, n) => new Int32Array(b, a, n), K, 4);
        stats = take((b, a, n) => new Float64Array(b, a, n), 2 * T, 8);
        lseRow = take((b, a, n) => new Float32Array(b, a, n), T, 4);
        const pack = take((b, a, n) => new Float32Array(b, a, n), 2 * T * D, 4);
        return { S, dS, rowDot, lse: lseRow, pack };
      },
      maskedSoftmax: (S, lse, rowSeg, T, K, off, window, period = T) => {
        if (!inWasm(S)) throw new Error('attention: scores must come from the SIMD workspace');
        seg.set(rowSeg.subarray(0, K));
        this.pool.run('masked_softmax', T, rowsPerPart(K), 1, (lo, hi) =>
          [S.byteOffset + 4 * K * lo, stats.byteOffset + 16 * lo, seg.byteOffset, hi - lo, K, off, win(window), lo, period]);
        for (let i = 0; i < T; i++) {
          const z = stats[2 * i + 1]!;
          lse[i] = z === 0 ? -Infinity : stats[2 * i]! + Math.log(z);
        }
      },
      probsFromLse: (S, lse, rowSeg, T, K, off, window, period = T) => {
        if (!inWasm(S)) throw new Error('attention: scores must come from the SIMD workspace');
        seg.set(rowSeg.subarray(0, K));
        if (lse !== lseRow) lseRow.set(lse.subarray(0, T));
        this.pool.run('probs_from_lse', T, rowsPerPart(K), 1, (lo, hi) =>
          [S.byteOffset + 4 * K * lo, lseRow.byteOffset + 4 * lo, seg.byteOffset, hi - lo, K, off, win(window), lo, period]);
      },
      // the block copies are memory-bound: one thread, in wasm when both sides are in its memory
      pack: (p, x, base, heads, rows, D, ld, toPacked) => {
        if (inWasm(p) && inWasm(x)) this.x.attn_pack(p.byteOffset, x.byteOffset + 4 * base, heads, rows, D, ld, toPacked ? 1 : 0);
        else packRows(p, x, base, heads, rows, D, ld, toPacked);
      },
      rowDots: (rowDot, dO, O, base, heads, rows, D, ld) => {
        if (inWasm(rowDot) && inWasm(dO) && inWasm(O)) this.x.attn_row_dots(rowDot.byteOffset, dO.byteOffset, O.byteOffset + 4 * base, heads, rows, D, ld);
        else rowDots(rowDot, dO, O, base, heads, rows, D, ld);
      },
      dScores: (dS, P, rowDot, T, K) => {
        if (!inWasm(dS) || !inWasm(P) || !inWasm(rowDot)) throw new Error('attention: buffers must come from the SIMD workspace');
        this.pool.run('attn_dscores', T, rowsPerPart(K), 1, (lo, hi) =>
          [dS.byteOffset + 4 * K * lo, P.byteOffset + 4 * K * lo, rowDot.byteOffset + 4 * lo, hi - lo, K]);
      },
      release: () => {
        if (block) this.arena.release(block.at, block.bytes);
        block = null;
      },
    };
  }

  /** Same contract (and float64 arithmetic, so the same bits) as the TypeScript rmsnormForward; rows split across threads. */
  rmsnormForward(out: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, N: number, C: number, eps: number): void {
    this.inPlace([[out.subarray(0, N * C), 'out'], [rstd.subarray(0, N), 'out'], [x.subarray(0, N * C), 'in'], [w.subarray(0, C), 'in']],
      (o, r, xa, wa) => this.pool.run('rmsnorm_forward', N, Math.ceil(MIN_PART.normCells / C), 1, (lo, hi) =>
        [o! + 4 * C * lo, r! + 4 * lo, xa! + 4 * C * lo, wa!, hi - lo, C, eps]));
  }

  /** As the TypeScript rmsnormBackward, bit for bit: each chunk takes a band of rows of dx and one of columns of dw (each column summed over the rows in order). */
  rmsnormBackward(dx: Float32Array, dw: Float32Array | null, dout: Float32Array, x: Float32Array, w: Float32Array, rstd: Float32Array,
    N: number, C: number): void {
    const ops: Operand[] = [[dx.subarray(0, N * C), 'inout'], [dout.subarray(0, N * C), 'in'], [x.subarray(0, N * C), 'in'], [w.subarray(0, C), 'in'],
      [rstd.subarray(0, N), 'in']];
    if (dw) ops.push([dw.subarray(0, C), 'inout']);
    this.inPlace(ops, (d, dy, xa, wa, r, dwAt) =>
      this.pool.run('rmsnorm_backward', N, Math.ceil(MIN_PART.normCells / C), 1, (lo, hi, chunk, chunks) => {
        const cols = split(C, chunks, 4);
        return [d!, dwAt ?? 0, dy!, xa!, wa!, r!, N, C, lo, hi, cols[chunk]!, cols[chunk + 1]!];
      }));
  }

  /**
   * As the TypeScript adamwSpans, bit for bit (the spans already validated): in bands when the state is outside the
   * arena (each band with the spans that meet it, shifted to its start and clipped to it), elements split across
   * threads, h.weightDecay inside the spans (everywhere when null), none in the gaps.
   */
  adamw(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, spans: Int32Array | null, S: number, n: number, h: AdamWHyper): void {
    const { lr, beta1, beta2, eps, weightDecay, step } = h;
    const stepSize = lr / (1 - beta1 ** step), bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const ops: Banded[] = [[param.subarray(0, n), 'inout', 1], [grad.subarray(0, n), 'in', 1], [m.subarray(0, n), 'inout', 1], [v.subarray(0, n), 'inout', 1]];
    let bandS = S;
    const bandSpans = (lo: number, hi: number): Operand[] => {
      if (!spans) return [];
      const local = bandOfSpans(spans, S, lo, hi);
      bandS = local.length / 2;
      return [[local, 'in']];
    };
    this.inBands(n, 16, ops, (lo0, hi0, [p, g, ma, va, sp]) => this.pool.run('adamw', hi0 - lo0, MIN_PART.adamw, 16, (lo, hi) =>
      [p!, g!, ma!, va!, lo, hi, sp ?? 0, bandS, beta1, 1 - beta1, beta2, 1 - beta2, stepSize, bc2Sqrt, eps, 1 - lr * weightDecay, 1 - lr * 0]),
    bandSpans);
  }

  /** Same contract as the TypeScript crossEntropy kernel, for float32 logits (the gradient written in place over dlogits). */
  crossEntropy(losses: Float32Array, dlogits: Float32Array | null, logits: Float32Array, targets: Int32Array,
    N: number, V: number, gradScale: number): void {
    const x = dlogits ?? logits;
    if (dlogits && !(dlogits.buffer === logits.buffer && dlogits.byteOffset === logits.byteOffset)) dlogits.set(logits.subarray(0, N * V));
    const y = targets.slice(0, N), stats = new Float64Array(3 * N);
    // a target outside [0, V) is ignored, as in the TypeScript kernel (validated on the host, never thrown here)
    for (let t = 0; t < N; t++) if (y[t]! < 0 || y[t]! >= V) y[t] = IGNORE_INDEX;
    // rows split across the threads (each row is independent), in bands of rows when the logits are outside the arena
    this.inBands(N, 1, [[x.subarray(0, N * V), dlogits ? 'inout' : 'in', V], [y, 'in', 1], [stats, 'out', 3]], (lo0, hi0, [at, yAt, statsAt]) =>
      this.pool.run('cross_entropy', hi0 - lo0, MIN_PART.ceRows, 1, (lo, hi) =>
        [at! + 4 * V * lo, yAt! + 4 * lo, hi - lo, V, statsAt! + 24 * lo, dlogits ? 1 : 0, gradScale]));
    for (let t = 0; t < N; t++) {
      const z = stats[3 * t + 1]!;
      losses[t] = z === 0 ? 0 : stats[3 * t]! + Math.log(z) - stats[3 * t + 2]!;
    }
  }
}

/**
 * Units a band of inBands takes: all n when no operand is outside the arena (`perUnit`: their bytes a unit), else as many
 * as `bandBytes` holds, a multiple of `align` (at least `align`). Never 0: n = 0 is one empty band, not an endless loop.
 */
export function bandUnits(n: number, perUnit: number, align: number, bandBytes: number): number {
  return perUnit === 0 ? Math.max(1, n) : Math.max(align, Math.floor(bandBytes / perUnit / align) * align);
}

/** The spans (S, 2) that meet [lo, hi), clipped to it and counted from lo (adamw's spans of one band). */
export function bandOfSpans(spans: Int32Array, S: number, lo: number, hi: number): Int32Array {
  const out: number[] = [];
  for (let s = 0; s < S; s++) {
    const start = Math.max(spans[2 * s]!, lo), end = Math.min(spans[2 * s + 1]!, hi);
    if (end > start) out.push(start - lo, end - lo);
  }
  return Int32Array.from(out);
}
