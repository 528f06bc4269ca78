// The CPU backend: the reference implementation of the kernel interface, in float32 (or float64 for
// gradient checks). GEMMs go to OpenBLAS when it loads, to TypeScript loops otherwise. bf16 buffers are
// stored as bf16 and staged through f32 at each kernel's boundary (bf16-staging.ts).
import type { AdamWHyper, AttentionShape, Backend, DeviceBuffer, GateActivation, GemmSpec, LoraGradUpSpec } from '../backend.ts';
import { loraGradUpByGemm } from '../lora-grad-up.ts';
import { DTYPE_BYTES, f32ToBf16, type DType, type FloatArray, type HostData } from '../dtype.ts';
import { UserError } from '../../util/errors.ts';
import { infoOnce } from '../../util/log.ts';
import { stageBf16Kernels } from './bf16-staging.ts';
import { cpuArray, CpuBuffer, floatBuffer, floats, ints, readFloats, storeFloats } from './buffer.ts';
import { cSpans, gemm, resolveGemm } from './gemm.ts';
import { Bf16Gemm } from './gemm-bf16.ts';
import { loadOpenBlas, type OpenBlas } from './openblas.ts';
import { kernelBuild, WasmKernels, type KernelBuild } from './wasm/wasm-kernels.ts';
import { attentionBackward, attentionForward, typescriptAttentionOps, type AttentionOps } from './kernels/attention.ts';
import { crossEntropy } from './kernels/cross-entropy.ts';
import * as dora from './kernels/dora.ts';
import * as ew from './kernels/elementwise.ts';
import { adamwSpans, checkSpans, clipCoefficient } from './kernels/optimizer.ts';
import { rmsnormBackward, rmsnormForward } from './kernels/rmsnorm.ts';
import { rope } from './kernels/rope.ts';
import { randomNormal } from './kernels/random-normal.ts';
import { gatherRows, scatterAddRows } from './kernels/rows.ts';
import { swigluBackward, swigluForward } from './kernels/swiglu.ts';

/** Gives the arena block of a buffer that was never freed back when the buffer is collected. */
const collected = new FinalizationRegistry<() => void>((release) => release());

export type GemmChoice = 'auto' | 'openblas' | 'simd' | 'js';

export interface CpuBackendOptions {
  /**
   * 'auto': a BLAS library (OpenBLAS, Accelerate) when one loads, else the WebAssembly SIMD kernel;
   * 'openblas': BLAS or an error; 'simd': the SIMD kernel; 'js': the TypeScript loops (the reference).
   * Default: MISTRAL_TUNE_GEMM, else 'auto'.
   */
  gemm?: GemmChoice;
  /** WebAssembly SIMD kernels for float32 (default true; MISTRAL_TUNE_SIMD=0 turns them off). */
  simd?: boolean;
  /** Threads for the row-wise SIMD kernels (default: MISTRAL_TUNE_THREADS, else the cores available). */
  threads?: number;
}

export class CpuBackend implements Backend {
  /** The WebAssembly kernel build this backend runs, or null when its kernels are off (MISTRAL_TUNE_SIMD=0). */
  readonly wasmKernels: KernelBuild | null;
  readonly name = 'cpu' as const;
  private readonly blas: OpenBlas | null;
  private readonly simd: WasmKernels | null;
  /** Which GEMM float32 products use: BLAS, the SIMD kernel, or the TypeScript loops. */
  readonly gemmMode: 'blas' | 'simd' | 'js';
  private allocated = 0;

  constructor(opts: CpuBackendOptions = {}) {
    const choice: GemmChoice = opts.gemm ?? gemmFromEnv(process.env.MISTRAL_TUNE_GEMM);
    this.blas = choice === 'auto' || choice === 'openblas' ? loadOpenBlas() : null;
    if (choice === 'openblas' && !this.blas) {
      throw new UserError('a BLAS library was asked for (MISTRAL_TUNE_GEMM=openblas) but none loaded (Debian: apt-get install libopenblas0-pthread; macOS: Accelerate)');
    }
    this.simd = (opts.simd ?? simdFromEnv(process.env.MISTRAL_TUNE_SIMD)) || choice === 'simd' ? WasmKernels.load(opts.threads) : null;
    this.gemmMode = this.blas ? 'blas' : (choice === 'auto' || choice === 'simd') && this.simd ? 'simd' : 'js';
    this.simdAttention = this.simd?.attentionOps(this.gemmArrays) ?? null;
    this.wasmKernels = this.simd ? kernelBuild() : null;
    this.gemmAskedBy = choice === 'auto' ? null : opts.gemm ? `the gemm option '${choice}'` : `MISTRAL_TUNE_GEMM=${choice}`;
    infoOnce(`cpu-gemm-${this.gemmMode}`, `cpu backend: GEMM by ${this.gemmName()}`);
  }

  /** What asked for this GEMM (MISTRAL_TUNE_GEMM, or the option), or null when it is the best found. */
  readonly gemmAskedBy: string | null;

  /** The GEMM and why it runs, in one parenthesis-free phrase: it goes inside describe()'s parentheses. */
  private gemmName(): string {
    if (this.gemmMode === 'blas') return this.blas!.description;
    const hint = this.gemmAskedBy ? `, asked for by ${this.gemmAskedBy}` : '; no BLAS library loaded: apt-get install libopenblas0-pthread for speed';
    return (this.gemmMode === 'simd' ? `WebAssembly SIMD${this.wasmKernels === 'relaxed' ? ' with FMA' : ''}` : 'TypeScript loops') + hint;
  }

  describe(): string {
    return `cpu (GEMM by ${this.gemmName()}${this.simd ? '; other kernels in WebAssembly SIMD' : ''})`;
  }

  // ---- memory ----
  alloc(dtype: DType, length: number): DeviceBuffer {
    this.allocated += length * DTYPE_BYTES[dtype];
    // float32 buffers live in the SIMD kernels' memory, where they run on them in place; all of them, a norm weight of a
    // toy model's 64 elements too: the blocks a full fine-tuning frees when the optimizer takes the weights into its flat
    // buffers (train/flat-params.ts) then add up to a flat buffer, which reuses them (one norm left outside would leave
    // them a few KiB short, and the next flat buffer would grow the memory, which never shrinks: 5 × the parameters, not 4)
    const block = dtype === 'f32' && this.simd ? this.simd.allocF32(length) : null;
    if (!block) return new CpuBuffer(dtype, cpuArray(dtype, length), false);
    const buf = new CpuBuffer(dtype, block.data, false);
    buf.release = block.release;
    collected.register(buf, block.release, buf);
    return buf;
  }

  view(buf: DeviceBuffer, offset: number, length: number): DeviceBuffer {
    const b = buf as CpuBuffer;
    if (offset < 0 || offset + length > b.length) throw new Error(`view [${offset}, ${offset + length}) outside a buffer of ${b.length}`);
    return new CpuBuffer(b.dtype, b.data.subarray(offset, offset + length), true, b.owner ?? b);
  }

  join(a: DeviceBuffer, b: DeviceBuffer): DeviceBuffer | null {
    const x = a as CpuBuffer, y = b as CpuBuffer;
    const root = x.owner ?? x;
    if (x.dtype !== y.dtype || root !== (y.owner ?? y) || x.data.byteOffset + x.data.byteLength !== y.data.byteOffset) return null;
    const start = (x.data.byteOffset - root.data.byteOffset) / x.data.BYTES_PER_ELEMENT;
    return this.view(root, start, x.length + y.length);
  }

  free(buf: DeviceBuffer): void {
    const b = buf as CpuBuffer;
    if (b.isView) return;
    this.allocated -= b.length * DTYPE_BYTES[b.dtype];
    if (b.release) {
      collected.unregister(b);
      b.release();
      b.release = null;
    }
  }

  upload(dst: DeviceBuffer, src: HostData, dstOffset = 0): void {
    storeFloats(dst as CpuBuffer, src, dstOffset);
  }

  download(src: DeviceBuffer): Float32Array | Float64Array | Int32Array {
    return readFloats(src as CpuBuffer);
  }

  fill(buf: DeviceBuffer, value: number): void {
    const b = buf as CpuBuffer;
    b.data.fill(b.dtype === 'bf16' ? f32ToBf16([value])[0]! : value);
  }

  /** Same dtype: a copy; f32 into bf16 rounds to nearest even (the write-back of f32 master weights). */
  copy(dst: DeviceBuffer, src: DeviceBuffer, n: number): void {
    const s = src as CpuBuffer;
    storeFloats(dst as CpuBuffer, { dtype: s.dtype, data: s.data.subarray(0, n) });
  }

  bytesInUse(): number {
    return this.allocated;
  }

  // ---- dense math ----
  private gemmArrays = (c: FloatArray, a: FloatArray, b: FloatArray, spec: GemmSpec): void => {
    gemm(c, a, b, resolveGemm(spec, a.length, b.length, c.length), this.blas, this.gemmMode === 'simd' ? this.simd : null);
  };

  private readonly tsAttention = typescriptAttentionOps(this.gemmArrays);
  private simdAttention: AttentionOps | null = null;

  /** SIMD row kernels for float32 attention, the TypeScript ones otherwise. */
  private attentionOps(q: FloatArray): AttentionOps {
    return this.simdAttention && q instanceof Float32Array ? this.simdAttention : this.tsAttention;
  }

  /** The scratch of GEMMs on bf16 operands (KERNEL_BF16_INPUTS: staged for C, not for A and B). */
  private readonly bf16Gemm = new Bf16Gemm();

  gemm(c: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, spec: GemmSpec, addend?: DeviceBuffer): void {
    const C = floats(c, 'gemm C'), A = floatBuffer(a, 'gemm A').data as FloatArray | Uint16Array, B = floatBuffer(b, 'gemm B').data as FloatArray | Uint16Array;
    if (addend && addend !== c) { // out of place: C's layout of the addend copied in, then the product in place
      const src = floats(addend, 'gemm addend');
      if (addend.dtype !== c.dtype) throw new Error(`gemm: addend is ${addend.dtype}, C ${c.dtype}`);
      const g = resolveGemm(spec, A.length, B.length, src.length);
      resolveGemm(spec, A.length, B.length, C.length);
      for (const [at, n] of cSpans(g)) C.set(src.subarray(at, at + n), at);
    }
    if (!(A instanceof Uint16Array) && !(B instanceof Uint16Array)) return this.gemmArrays(C, A, B, spec);
    if (!(C instanceof Float32Array) || A instanceof Float64Array || B instanceof Float64Array) throw new Error('gemm: bf16 operands with float64 ones');
    const simd = this.gemmMode === 'simd' ? this.simd : null;
    this.bf16Gemm.run(C, A, B, resolveGemm(spec, A.length, B.length, C.length), (c1, a1, b1, g1) => gemm(c1, a1, b1, g1, this.blas, simd));
  }

  loraGradUp(dz: DeviceBuffer, dB: DeviceBuffer | null, dy: DeviceBuffer, z: DeviceBuffer, B: DeviceBuffer, spec: LoraGradUpSpec): void {
    loraGradUpByGemm(this, dz, dB, dy, z, B, spec);
  }

  add(out: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, n: number): void {
    ew.add(floats(out), floats(a), floats(b), n);
  }

  axpy(y: DeviceBuffer, x: DeviceBuffer, alpha: number, n: number): void {
    ew.axpy(floats(y), floats(x), alpha, n);
  }

  scale(out: DeviceBuffer, x: DeviceBuffer, alpha: number, n: number): void {
    ew.scale(floats(out), floats(x), alpha, n);
  }

  sumSquares(out: DeviceBuffer, x: DeviceBuffer, n: number): void {
    const v = floatBuffer(x, 'sumSquares x'); // bf16 read as it is (KERNEL_BF16_INPUTS): every weight at a model's load
    floats(out)[0] = v.dtype === 'bf16' ? ew.sumSquaresBf16(v.data as Uint16Array, n) : ew.sumSquares(v.data as FloatArray, n);
  }

  sum(out: DeviceBuffer, x: DeviceBuffer, n: number): void {
    floats(out)[0] = ew.sum(floats(x), n);
  }

  accumulateSum(out: DeviceBuffer, x: DeviceBuffer, n: number): void {
    floats(out)[0] += ew.sum(floats(x), n);
  }

  scaleByScalar(out: DeviceBuffer, x: DeviceBuffer, alpha: DeviceBuffer, n: number): void {
    ew.scale(floats(out), floats(x), floats(alpha)[0]!, n);
  }

  rowNorms(out: DeviceBuffer, x: DeviceBuffer, R: number, C: number): void {
    dora.rowNorms(floats(out), floats(x), R, C);
  }

  scaleColumns(out: DeviceBuffer, x: DeviceBuffer, num: DeviceBuffer, den: DeviceBuffer, R: number, C: number, addend: DeviceBuffer | null): void {
    dora.scaleColumns(floats(out), floats(x), floats(num), floats(den), R, C, addend && floats(addend));
  }

  columnDots(out: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, den: DeviceBuffer, R: number, C: number): void {
    dora.columnDots(floats(out), floats(a), floats(b), floats(den), R, C);
  }

  dropout(out: DeviceBuffer, x: DeviceBuffer, p: number, seed: number, n: number): void {
    ew.dropout(floats(out), floats(x), p, seed, n);
  }

  randomNormal(out: DeviceBuffer, seed: number, offset: number, std: number, n: number): void {
    randomNormal(floats(out), seed, offset, std, n);
  }

  // ---- layers ----
  rmsnormForward(out: DeviceBuffer, rstd: DeviceBuffer, x: DeviceBuffer, w: DeviceBuffer, N: number, C: number, eps: number): void {
    const [o, r, xa, wa] = [floats(out), floats(rstd), floats(x), floats(w)];
    const f32 = this.simd ? asF32(o, r, xa, wa) : null;
    if (f32) this.simd!.rmsnormForward(f32[0]!, f32[1]!, f32[2]!, f32[3]!, N, C, eps);
    else rmsnormForward(o, r, xa, wa, N, C, eps);
  }

  rmsnormBackward(
    dx: DeviceBuffer, dw: DeviceBuffer | null, dout: DeviceBuffer, x: DeviceBuffer, w: DeviceBuffer, rstd: DeviceBuffer,
    N: number, C: number,
  ): void {
    const [d, dwa, dy, xa, wa, r] = [floats(dx), dw ? floats(dw) : null, floats(dout), floats(x), floats(w), floats(rstd)];
    const f32 = this.simd ? asF32(d, dy, xa, wa, r, ...(dwa ? [dwa] : [])) : null;
    if (f32) this.simd!.rmsnormBackward(f32[0]!, dwa ? f32[5]! : null, f32[1]!, f32[2]!, f32[3]!, f32[4]!, N, C);
    else rmsnormBackward(d, dwa, dy, xa, wa, r, N, C);
  }

  rope(x: DeviceBuffer, positions: DeviceBuffer, invFreq: DeviceBuffer, N: number, H: number, D: number, inverse: boolean): void {
    rope(floats(x), ints(positions), floats(invFreq), N, H, D, inverse);
  }

  attentionForward(
    out: DeviceBuffer, lse: DeviceBuffer, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer,
    s: AttentionShape,
  ): void {
    const qa = floats(q);
    attentionForward(floats(out), floats(lse), qa, floats(k), floats(v), ints(segments), s, this.attentionOps(qa));
  }

  attentionBackward(
    dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer, dout: DeviceBuffer, out: DeviceBuffer, lse: DeviceBuffer,
    q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer, s: AttentionShape,
  ): void {
    attentionBackward(
      floats(dq), floats(dk), floats(dv), floats(dout), floats(out), floats(lse),
      floats(q), floats(k), floats(v), ints(segments), s, this.attentionOps(floats(q)),
    );
  }

  // the WebAssembly kernels are silu's; the other activations run the plain loops
  swigluForward(out: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, n: number, act: GateActivation = 'silu'): void {
    const [o, g, u] = [floats(out), floats(gate), floats(up)];
    const f32 = this.simd && act === 'silu' ? asF32(o, g, u) : null;
    if (f32) this.simd!.swigluForward(f32[0]!, f32[1]!, f32[2]!, n);
    else swigluForward(o, g, u, n, act);
  }

  swigluBackward(dgate: DeviceBuffer, dup: DeviceBuffer, dout: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, n: number, act: GateActivation = 'silu'): void {
    const [dg, du, d, g, u] = [floats(dgate), floats(dup), floats(dout), floats(gate), floats(up)];
    const f32 = this.simd && act === 'silu' ? asF32(dg, du, d, g, u) : null;
    if (f32) this.simd!.swigluBackward(f32[0]!, f32[1]!, f32[2]!, f32[3]!, f32[4]!, n);
    else swigluBackward(dg, du, d, g, u, n, act);
  }

  crossEntropy(
    losses: DeviceBuffer, dlogits: DeviceBuffer | null, logits: DeviceBuffer, targets: DeviceBuffer,
    N: number, V: number, gradScale: number,
  ): void {
    const l = floats(losses), x = floats(logits), d = dlogits ? floats(dlogits) : null;
    const f32 = this.simd ? asF32(l, x) : null;
    if (f32 && (d === null || d instanceof Float32Array)) {
      this.simd!.crossEntropy(f32[0]!, d, f32[1]!, ints(targets), N, V, gradScale);
    } else {
      crossEntropy(l, d, x, ints(targets), N, V, gradScale);
    }
  }

  gatherRows(out: DeviceBuffer, x: DeviceBuffer, rows: DeviceBuffer, R: number, C: number): void {
    // not staged as the other kernels are: the rows are gathered in x's own type, then stored into out's, so a bf16
    // embedding is not widened whole (its 131 million elements in Mistral 7B) to look up a few rows
    const table = floatBuffer(x, 'gatherRows x'), into = floatBuffer(out, 'gatherRows out');
    if (into.dtype === table.dtype) {
      gatherRows(into.data as FloatArray | Uint16Array, table.data as FloatArray | Uint16Array, ints(rows), R, C);
      return;
    }
    const gathered = cpuArray(table.dtype, R * C) as FloatArray | Uint16Array;
    gatherRows(gathered, table.data as FloatArray | Uint16Array, ints(rows), R, C);
    storeFloats(into, { dtype: table.dtype, data: gathered });
  }

  scatterAddRows(dx: DeviceBuffer, dout: DeviceBuffer, rows: DeviceBuffer, R: number, C: number): void {
    scatterAddRows(floats(dx), floats(dout), ints(rows), R, C);
  }

  clipCoefficient(coef: DeviceBuffer, sumSquares: DeviceBuffer, maxNorm: number): void {
    clipCoefficient(floats(coef), floats(sumSquares), maxNorm);
  }

  adamw(param: DeviceBuffer, grad: DeviceBuffer, m: DeviceBuffer, v: DeviceBuffer, decaySpans: DeviceBuffer | null, S: number,
    n: number, h: AdamWHyper): void {
    const [p, g, ma, va] = [floats(param), floats(grad), floats(m), floats(v)];
    const spans = decaySpans ? ints(decaySpans, 'adamw decaySpans') : null;
    const f32 = this.simd ? asF32(p, g, ma, va) : null;
    if (!f32) return adamwSpans(p, g, ma, va, spans, S, n, h);
    if (spans) checkSpans(spans, S, n);
    this.simd!.adamw(f32[0]!, f32[1]!, f32[2]!, f32[3]!, spans, S, n, h);
  }
}

stageBf16Kernels(CpuBackend.prototype);

/** The arrays as float32, when every one of them is. */
function asF32(...arrays: FloatArray[]): Float32Array[] | null {
  return arrays.every((a) => a instanceof Float32Array) ? (arrays as Float32Array[]) : null;
}

/** MISTRAL_TUNE_GEMM: auto (unset or empty: the best that loads), openblas, simd or js; anything else is refused. */
/** MISTRAL_TUNE_SIMD: 0 turns the WebAssembly kernels off, 1 (or unset) keeps them on; anything else is refused. */
function simdFromEnv(env: string | undefined): boolean {
  if (env === undefined || env === '' || env === '1') return true;
  if (env === '0') return false;
  throw new UserError(`MISTRAL_TUNE_SIMD: "${env}" is not 0 (the WebAssembly kernels off) or 1 (on)`);
}

function gemmFromEnv(env: string | undefined): GemmChoice {
  if (env === undefined || env === '' || env === 'auto') return 'auto';
  if (env === 'js' || env === 'simd' || env === 'openblas') return env;
  throw new UserError(`MISTRAL_TUNE_GEMM: "${env}" is not auto, openblas, simd or js`);
}
