// The CUDA backend: the Backend interface on the driver, NVRTC and cuBLASLt bindings. Buffers come from a
// caching allocator (nothing reaches cuMemAlloc once a step's sizes have been seen); every kernel is a
// .cu kernel launched through kernel-runtime.ts on one stream; GEMMs go to cuBLASLt (bf16·bf16 → bf16/f32
// with f32 compute, f32 without TF32, f64) with a fixed workspace, or to gemm_fallback.cu where cuBLASLt has no
// algorithm for one. download() is the only host sync.
import type { AdamWHyper, AttentionShape, Backend, DeviceBuffer, GateActivation, GemmSpec, LoraGradUpSpec } from '../backend.ts';
import { bf16ToF32, DTYPE_BYTES, f16ToF32, type DType, type HostData } from '../dtype.ts';
import { hostAs } from './host-data.ts';
import { CachingAllocator, type Block } from './allocator.ts';
import { cuda, CudaBuffer } from './cuda-buffer.ts';
import { openCuda, type CudaBackendOptions, type CudaParts, type DriverApi } from './cuda-parts.ts';
import { CUDA_ERROR_OUT_OF_MEMORY, type Handle } from './driver.ts';
import { CudaError } from './check.ts';
import { DEFAULT_CUDA_ATTENTION, flashFallback, forEachBatchSlice, throughGemm, withinWindow, type CudaAttention } from './attention-path.ts';
import { flashBackward, flashBackwardLaunch, flashForward, flashForwardLaunch, flashRefusal, type FlashGpu } from './flash-attention.ts';
import { cudaGemm, GEMM_WORKSPACE_BYTES, type GemmHost } from './gemm.ts';
import { GemmAttention } from './gemm-attention.ts';
import { gemmSmallKRunsOn } from './gemm-small-k.ts';
import { loraGradUpByGemm } from '../lora-grad-up.ts';
import { loraGradUpFits, loraGradUpRunsOn, runLoraGradUp } from './lora-grad-up.ts';
import type { Storage } from './kernel-source.ts';
import { KernelRuntime } from './kernel-runtime.ts';
import { DTYPE_CODE, GATE_ACTIVATION_CODE } from './kernel-table.ts';
import * as L from './launch.ts';
import { OpProfiler } from './op-profiler.ts';
import { infoOnce } from '../../util/log.ts';

export { GEMM_WORKSPACE_BYTES } from './gemm.ts';
export type { CudaBackendOptions, CudaParts, DriverApi } from './cuda-parts.ts';

export class CudaBackend implements Backend {
  readonly name = 'cuda' as const;
  private readonly driver: DriverApi;
  private readonly stream: Handle;
  private readonly lt: CudaParts['gemm'];
  private readonly allocator: CachingAllocator;
  readonly kernels: KernelRuntime;
  private readonly workspace: Block;
  /** The reductions' per-block partial sums in double (one stream: reused call after call). */
  private readonly partials: CudaBuffer;
  private readonly gpu: string;
  private readonly release: (() => void) | undefined;
  /** The GPU's total memory in bytes, or null when unknown. */
  readonly deviceBytes: number | null;
  private closed = false;
  /** MISTRAL_TUNE_CUDA_ATTENTION's path; flash: the tensor-core forward and backward where they apply (bf16, head dim 64 or 128). */
  private readonly attention: CudaAttention;
  /** Attention through cuBLASLt: the gemm path, flash's fallback, and the kernels' past their head dims. */
  private readonly gemmAttention: GemmAttention;
  /** The GPU's architecture as NVRTC compiles for it (sm_90a, sm_86, ...), and its shared memory a block: what the flash kernels ask of it. */
  readonly flashGpu: FlashGpu;
  /** MISTRAL_TUNE_CUDA_PROFILE=1: the GPU time of each operation class (op-profiler.ts), else null. */
  readonly profiler: OpProfiler | null;
  /** What gemm.ts uses of this backend. */
  private readonly gemmHost: GemmHost;
  /** Split products whose slices cuBLASLt had no algorithm for, run whole instead (gemm-splitk.ts). */
  splitKRefusals = 0;
  /** lora_grad_up's f32 accumulator of dz, zero between calls, where MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 on a GPU it runs on (lora-grad-up.ts); else null. */
  private readonly loraAcc: CudaBuffer | null;
  /** The GPU's SMs, as lora_grad_up's grid counts them (an H100's where unknown, as on stand-ins). */
  private readonly multiprocessors: number;

  /** Opens the driver, NVRTC and cuBLASLt on GPU `opts.device` (UserError when a piece is missing). */
  static open(opts: CudaBackendOptions = {}): CudaBackend {
    return openCuda(opts, (parts) => new CudaBackend(parts));
  }

  constructor(parts: CudaParts) {
    this.driver = parts.driver;
    this.stream = parts.stream;
    this.lt = parts.gemm;
    this.gpu = parts.gpu;
    this.release = parts.release;
    this.deviceBytes = parts.deviceBytes ?? null;
    this.allocator = new CachingAllocator({
      alloc: (b) => this.driver.memAlloc(b), free: (p) => this.driver.memFree(p), idle: () => this.driver.streamSynchronize(this.stream),
      isOutOfMemory: (e) => e instanceof CudaError && e.status === CUDA_ERROR_OUT_OF_MEMORY,
    });
    this.profiler = parts.profile ? new OpProfiler(parts.driver, parts.stream) : null;
    this.kernels = new KernelRuntime({
      driver: this.driver, stream: this.stream, cache: parts.cache, arch: parts.arch, cudaInclude: parts.cudaInclude,
      alloc: (dtype, length) => cuda(this.alloc(dtype, length)), free: (b) => this.free(b),
      ...(this.profiler ? { timed: (label: string, op: () => void) => this.profiler!.around(label, op) } : {}),
    });
    this.attention = parts.attention ?? DEFAULT_CUDA_ATTENTION;
    this.gemmAttention = new GemmAttention(this);
    this.flashGpu = { arch: parts.arch, sharedPerBlock: parts.sharedPerBlock ?? null };
    this.workspace = this.allocator.alloc(GEMM_WORKSPACE_BYTES);
    this.partials = cuda(this.alloc('f64', L.MAX_ELEMENTWISE_BLOCKS));
    this.multiprocessors = parts.multiprocessors ?? 132;
    this.loraAcc = parts.loraGradUp && loraGradUpRunsOn(parts.arch) ? cuda(this.alloc('f32', L.LORA_GRAD_UP.accFloats)) : null;
    if (this.loraAcc) this.fill(this.loraAcc, 0);
    this.gemmHost = {
      alloc: (dtype, length) => this.alloc(dtype, length), free: (b) => this.free(b), copy: (dst, src, n) => this.copy(dst, src, n),
      fill: (b, value) => this.fill(b, value), scale: (out, x, alpha, n) => this.scale(out, x, alpha, n), timed: (label, op) => this.timed(label, op),
      kernels: this.kernels, lt: this.lt, workspace: this.workspace, stream: this.stream, profiler: this.profiler,
      splitK: parts.splitK && parts.multiprocessors ? parts.multiprocessors : null, smallK: (parts.smallK ?? false) && gemmSmallKRunsOn(parts.arch),
      splitKRefused: () => { this.splitKRefusals++; },
    };
  }

  describe(): string {
    const attention = this.attention === 'flash' ? ', flash attention' : this.attention === 'gemm' ? ', attention through cuBLASLt' : ', attention kernels';
    return `cuda (${this.gpu}; NVRTC kernels, cuBLASLt GEMM${attention})`;
  }

  // ---- memory ----
  alloc(dtype: DType, length: number): DeviceBuffer {
    if (this.closed) throw new Error('alloc on a closed CUDA backend');
    if (!Number.isSafeInteger(length) || length < 0) throw new Error(`alloc of ${length} elements`);
    const block = this.allocator.alloc(length * DTYPE_BYTES[dtype]);
    return new CudaBuffer(dtype, length, block.ptr, block);
  }

  view(buf: DeviceBuffer, offset: number, length: number): DeviceBuffer {
    return cuda(buf).view(offset, length);
  }

  join(a: DeviceBuffer, b: DeviceBuffer): DeviceBuffer | null {
    const x = cuda(a), y = cuda(b);
    // as the CPU backend: pieces of one allocation (two allocations the driver happened to place end to end are not joined)
    if (x.dtype !== y.dtype || x.root === null || x.root !== y.root || x.ptr + BigInt(x.bytes) !== y.ptr) return null;
    return new CudaBuffer(x.dtype, x.length + y.length, x.ptr, null, x.root);
  }

  free(buf: DeviceBuffer): void {
    const b = cuda(buf);
    if (!b.block || this.closed) return; // a view, or a buffer whose memory close() gave back already
    b.freed = true;
    this.allocator.free(b.block);
  }

  upload(dst: DeviceBuffer, src: HostData, dstOffset = 0): void {
    const d = cuda(dst);
    const n = src.data.length;
    if (dstOffset + n > d.length) throw new Error(`upload of ${n} at ${dstOffset} overflows a buffer of ${d.length}`);
    this.driver.memcpyHtoD(d.ptr + BigInt(dstOffset * DTYPE_BYTES[d.dtype]), hostAs(d.dtype, src), this.stream);
  }

  download(src: DeviceBuffer): Float32Array | Float64Array | Int32Array {
    const s = cuda(src);
    const raw = s.dtype === 'f32' ? new Float32Array(s.length) : s.dtype === 'f64' ? new Float64Array(s.length)
      : s.dtype === 'i32' ? new Int32Array(s.length) : new Uint16Array(s.length);
    if (s.length > 0) this.driver.memcpyDtoH(raw, s.ptr, this.stream); // pageable memory: returns when the stream got there
    if (raw instanceof Uint16Array) return s.dtype === 'bf16' ? bf16ToF32(raw) : f16ToF32(raw);
    return raw;
  }

  fill(buf: DeviceBuffer, value: number): void {
    const b = cuda(buf);
    if (b.dtype === 'i32') this.driver.memsetD32(b.ptr, value | 0, b.length, this.stream);
    else this.kernels.launch('fill', L.elementwise(b.length), [b, value, BigInt(b.length)]);
  }

  copy(dst: DeviceBuffer, src: DeviceBuffer, n: number): void {
    const d = cuda(dst), s = cuda(src);
    if (n > d.length || n > s.length) throw new Error(`copy of ${n} between buffers of ${s.length} and ${d.length}`);
    if ((d.dtype === 'i32') !== (s.dtype === 'i32')) throw new Error(`copy from ${s.dtype} into ${d.dtype}`);
    if (n === 0) return;
    if (d.dtype === s.dtype) this.timed('memcpy DtoD', () => this.driver.memcpyDtoD(d.ptr, s.ptr, n * DTYPE_BYTES[d.dtype], this.stream));
    else this.kernels.convert(d, s, n);
  }

  /** Bytes of the live buffers (as asked for), the cuBLASLt workspace and the reduction accumulator included. */
  bytesInUse(): number {
    return this.allocator.stats().inUse;
  }

  /** The most bytes bytesInUse has been: the run's peak device memory in our allocator (metrics' peak_mem_bytes). */
  peakBytesInUse(): number {
    return this.allocator.stats().peakInUse;
  }

  /** The allocator's counters (peak bytes in use, reserved, device allocations), for metrics and tests. */
  memoryStats(): ReturnType<CachingAllocator['stats']> {
    return this.allocator.stats();
  }

  // ---- dense math ----
  gemm(c: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, spec: GemmSpec, addend?: DeviceBuffer): void {
    cudaGemm(this.gemmHost, c, a, b, spec, addend);
  }

  loraGradUp(dz: DeviceBuffer, dB: DeviceBuffer | null, dy: DeviceBuffer, z: DeviceBuffer, B: DeviceBuffer, spec: LoraGradUpSpec): void {
    const acc = this.loraAcc;
    if (!acc || !loraGradUpFits(cuda(dz), dB && cuda(dB), cuda(dy), cuda(z), cuda(B), spec, acc.length)) return loraGradUpByGemm(this, dz, dB, dy, z, B, spec);
    runLoraGradUp(this.kernels, acc, this.multiprocessors, dz, dB, dy, z, B, spec);
  }

  add(out: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, n: number): void {
    this.kernels.launch('add', L.elementwise(n), [cuda(out), cuda(a), cuda(b), BigInt(n)]);
  }

  axpy(y: DeviceBuffer, x: DeviceBuffer, alpha: number, n: number): void {
    this.kernels.launch('axpy', L.elementwise(n), [cuda(y), cuda(x), alpha, BigInt(n)]);
  }

  scale(out: DeviceBuffer, x: DeviceBuffer, alpha: number, n: number): void {
    this.kernels.launch('scale', L.elementwise(n), [cuda(out), cuda(x), alpha, BigInt(n)]);
  }

  sumSquares(out: DeviceBuffer, x: DeviceBuffer, n: number): void {
    this.reduce(out, x, n, true, false);
  }

  sum(out: DeviceBuffer, x: DeviceBuffer, n: number): void {
    this.reduce(out, x, n, false, false);
  }

  accumulateSum(out: DeviceBuffer, x: DeviceBuffer, n: number): void {
    this.reduce(out, x, n, false, true);
  }

  /** Σx or Σx² in double, per block then in a fixed order (the same sum on every run), stored into (or added to) out[0] in out's dtype. */
  private reduce(out: DeviceBuffer, x: DeviceBuffer, n: number, squares: boolean, accumulate: boolean): void {
    const o = cuda(out);
    if (o.dtype === 'i32') throw new Error('a sum goes into a float buffer');
    const blocks = L.elementwise(n);
    this.kernels.launch('reduce_sum', blocks, [this.partials, cuda(x), BigInt(n), squares ? 1 : 0]);
    this.kernels.launch('finish_sum', L.finishSum(), [o, DTYPE_CODE[o.dtype], this.partials, blocks.grid.x, accumulate ? 1 : 0]);
  }

  scaleByScalar(out: DeviceBuffer, x: DeviceBuffer, alpha: DeviceBuffer, n: number): void {
    this.kernels.launch('scale_by_scalar', L.elementwise(n), [cuda(out), cuda(x), cuda(alpha), BigInt(n)]);
  }

  // ---- DoRA ----
  rowNorms(out: DeviceBuffer, x: DeviceBuffer, R: number, C: number): void {
    this.kernels.launch('row_norms', L.rowwise(R, C), [cuda(out), cuda(x), R, C]);
  }

  scaleColumns(out: DeviceBuffer, x: DeviceBuffer, num: DeviceBuffer, den: DeviceBuffer, R: number, C: number, addend: DeviceBuffer | null): void {
    this.kernels.launch('scale_columns', L.columnScale(R, C), [cuda(out), cuda(x), cuda(num), cuda(den), addend && cuda(addend), R, C]);
  }

  columnDots(out: DeviceBuffer, a: DeviceBuffer, b: DeviceBuffer, den: DeviceBuffer, R: number, C: number): void {
    this.kernels.launch('column_dots', L.columnDots(R, C), [cuda(out), cuda(a), cuda(b), cuda(den), R, C]);
  }

  // ---- layers ----
  rmsnormForward(out: DeviceBuffer, rstd: DeviceBuffer, x: DeviceBuffer, w: DeviceBuffer, N: number, C: number, eps: number): void {
    this.kernels.launch('rmsnorm_forward', L.rowwise(N, C, L.RMSNORM_COLUMNS_PER_THREAD), [cuda(out), cuda(rstd), cuda(x), cuda(w), N, C, eps]);
  }

  rmsnormBackward(
    dx: DeviceBuffer, dw: DeviceBuffer | null, dout: DeviceBuffer, x: DeviceBuffer, w: DeviceBuffer, rstd: DeviceBuffer,
    N: number, C: number,
  ): void {
    this.kernels.launch('rmsnorm_backward', L.rowwise(N, C, L.RMSNORM_COLUMNS_PER_THREAD),
      [cuda(dx), dw && cuda(dw), cuda(dout), cuda(x), cuda(w), cuda(rstd), N, C]);
  }

  rope(x: DeviceBuffer, positions: DeviceBuffer, invFreq: DeviceBuffer, N: number, H: number, D: number, inverse: boolean): void {
    // a thread per (token, i), over the heads
    this.kernels.launch('rope', L.elementwise((N * D) / 2), [cuda(x), cuda(positions), cuda(invFreq), N, H, D, inverse ? 1 : 0]);
  }

  /** Whether flash attention is on and takes this call; when it is on and cannot, says why once, and which path runs (flashFallback). */
  private flashTakes(s: AttentionShape, launch: (s: AttentionShape) => L.Launch, ...tensors: DeviceBuffer[]): boolean {
    if (this.attention !== 'flash') return false;
    const why = flashRefusal(s, this.flashGpu, launch(s).sharedBytes, ...tensors);
    if (why) {
      const instead = flashFallback(s.D, tensors[0]!.dtype) === 'gemm' ? 'attention through cuBLASLt' : 'the attention kernels';
      infoOnce(`flash-refused ${why}`, `cuda backend: flash attention does not take ${why}: ${instead} instead`);
    }
    return why === null;
  }

  attentionForward(
    out: DeviceBuffer, lse: DeviceBuffer, q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer,
    s: AttentionShape,
  ): void {
    const keys = s.kvLen ?? s.T, offset = s.qOffset ?? 0;
    // as the CPU backend: a query past the last key would read past the segments (and the cache)
    if (offset + s.T > keys) throw new Error(`attention: ${s.T} queries at offset ${offset} exceed ${keys} keys`);
    if (s.T === 0 || s.B === 0) return; // no queries: nothing to write (the gemm path would still pack the keys)
    if (s.B > L.MAX_GRID_YZ) return forEachBatchSlice(this, s, (sub, at) => this.attentionForward(at(out, 'q'), at(lse, 'lse'), at(q, 'q'), at(k, 'kv'), at(v, 'kv'), at(segments, 'segments'), sub));
    s = withinWindow(s);
    if (this.flashTakes(s, flashForwardLaunch, q, k, v, out)) return flashForward(this, out, lse, q, k, v, segments, s);
    if (throughGemm(this.attention, s.D, q.dtype)) return this.gemmAttention.forward(out, lse, q, k, v, segments, s);
    const K = s.kvLen ?? s.T;
    const launch = (variant: Storage): L.AttentionLaunch => L.attentionForward(s, variant);
    this.kernels.launch('attention_forward', launch, [
      cuda(out), cuda(lse), cuda(q), cuda(k), cuda(v), cuda(segments),
      s.T, K, s.qOffset ?? 0, s.Hq, s.Hkv, s.D, s.scale, s.window ?? 0, (variant) => launch(variant).tile,
    ]);
  }

  attentionBackward(
    dq: DeviceBuffer, dk: DeviceBuffer, dv: DeviceBuffer, dout: DeviceBuffer, out: DeviceBuffer, lse: DeviceBuffer,
    q: DeviceBuffer, k: DeviceBuffer, v: DeviceBuffer, segments: DeviceBuffer, s: AttentionShape,
  ): void {
    if ((s.kvLen ?? s.T) !== s.T || (s.qOffset ?? 0) !== 0) throw new Error('attentionBackward: training shapes only (kvLen = T, qOffset = 0)');
    if (s.T === 0 || s.B === 0) return; // no queries, no keys: no gradient to write (the flash kernel's blocks would read a segment of none)
    if (s.B > L.MAX_GRID_YZ) {
      return forEachBatchSlice(this, s, (sub, at) => this.attentionBackward(at(dq, 'q'), at(dk, 'kv'), at(dv, 'kv'), at(dout, 'q'), at(out, 'q'), at(lse, 'lse'),
        at(q, 'q'), at(k, 'kv'), at(v, 'kv'), at(segments, 'segments'), sub));
    }
    s = withinWindow(s);
    if (this.flashTakes(s, flashBackwardLaunch, q, k, v, dout)) return flashBackward(this, dq, dk, dv, dout, out, lse, q, k, v, segments, s);
    if (throughGemm(this.attention, s.D, q.dtype)) return this.gemmAttention.backward(dq, dk, dv, dout, out, lse, q, k, v, segments, s);
    const Q = cuda(q);
    const rowdot = cuda(this.alloc(Q.dtype === 'f64' ? 'f64' : 'f32', s.B * s.Hq * s.T));
    const tail = [cuda(q), cuda(k), cuda(v), cuda(segments), s.T, s.Hq, s.Hkv, s.D, s.scale, s.window ?? 0];
    const dqLaunch = (variant: Storage): L.AttentionLaunch => L.attentionBackwardDq(s, variant);
    const dkvLaunch = (variant: Storage): L.AttentionLaunch => L.attentionBackwardDkv(s, variant);
    this.kernels.launch('attention_backward_dq', dqLaunch, [cuda(dq), rowdot, cuda(dout), cuda(out), cuda(lse), ...tail, (v) => dqLaunch(v).tile]);
    this.kernels.launch('attention_backward_dkv', dkvLaunch, [cuda(dk), cuda(dv), cuda(dout), cuda(lse), rowdot, ...tail, (v) => dkvLaunch(v).tile]);
    this.free(rowdot);
  }

  swigluForward(out: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, n: number, act: GateActivation = 'silu'): void {
    this.kernels.launch('swiglu_forward', L.elementwise(n), [cuda(out), cuda(gate), cuda(up), BigInt(n), GATE_ACTIVATION_CODE[act]]);
  }

  swigluBackward(dgate: DeviceBuffer, dup: DeviceBuffer, dout: DeviceBuffer, gate: DeviceBuffer, up: DeviceBuffer, n: number, act: GateActivation = 'silu'): void {
    this.kernels.launch('swiglu_backward', L.elementwise(n), [cuda(dgate), cuda(dup), cuda(dout), cuda(gate), cuda(up), BigInt(n), GATE_ACTIVATION_CODE[act]]);
  }

  crossEntropy(
    losses: DeviceBuffer, dlogits: DeviceBuffer | null, logits: DeviceBuffer, targets: DeviceBuffer,
    N: number, V: number, gradScale: number,
  ): void {
    // bf16 logits (a bf16 step's with MISTRAL_TUNE_BF16_LOGITS) are read as they are, not through an f32 copy
    const kernel = logits.dtype === 'bf16' ? 'cross_entropy_stored' : 'cross_entropy';
    this.kernels.launch(kernel, L.rowwise(N, V), [cuda(losses), dlogits && cuda(dlogits), cuda(logits), cuda(targets), N, V, gradScale]);
  }

  gatherRows(out: DeviceBuffer, x: DeviceBuffer, rows: DeviceBuffer, R: number, C: number): void {
    const X = cuda(x);
    this.kernels.launch('gather_rows', L.elementwise(R * C), [cuda(out), X, cuda(rows), R, C, Math.floor(X.length / C)]);
  }

  scatterAddRows(dx: DeviceBuffer, dout: DeviceBuffer, rows: DeviceBuffer, R: number, C: number): void {
    const DX = cuda(dx);
    this.kernels.launch('scatter_add_rows', L.elementwise(R * C), [DX, cuda(dout), cuda(rows), R, C, Math.floor(DX.length / C)]);
  }

  dropout(out: DeviceBuffer, x: DeviceBuffer, p: number, seed: number, n: number): void {
    this.kernels.launch('dropout', L.elementwise(n), [
      cuda(out), cuda(x), L.dropoutThreshold(p), Math.fround(1 / (1 - p)), seed >>> 0, BigInt(n),
    ]);
  }

  randomNormal(out: DeviceBuffer, seed: number, offset: number, std: number, n: number): void {
    L.checkCounter(seed, offset, n);
    this.kernels.launch('random_normal', L.elementwise(n), [cuda(out), BigInt(seed), BigInt(offset), std, BigInt(n)]);
  }

  // ---- optimizer ----
  clipCoefficient(coef: DeviceBuffer, sumSquares: DeviceBuffer, maxNorm: number): void {
    this.kernels.launch('clip_coefficient', L.clipCoefficient(), [cuda(coef), cuda(sumSquares), maxNorm]);
  }

  adamw(param: DeviceBuffer, grad: DeviceBuffer, m: DeviceBuffer, v: DeviceBuffer, decaySpans: DeviceBuffer | null, S: number,
    n: number, h: AdamWHyper): void {
    const c = L.adamwConstants(h);
    this.kernels.launch('adamw', L.elementwise(n), [
      cuda(param), cuda(m), cuda(v), cuda(grad), decaySpans && cuda(decaySpans), decaySpans ? S : 0, BigInt(n),
      h.beta1, h.beta2, h.eps, c.decay, c.stepSize, c.bc2Sqrt,
    ]);
  }

  /**
   * Waits for the stream, then gives everything back: the modules, cuBLASLt, the stream, every device block
   * (live ones too: the model's weights die with the backend) and the primary context. Each step is tried
   * even when an earlier one failed (a sticky device error fails them all); the first error is thrown at
   * the end. A second close does nothing.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    let first: unknown = null;
    const attempt = (fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        first ??= e;
      }
    };
    attempt(() => this.driver.streamSynchronize(this.stream));
    if (this.profiler) {
      attempt(() => process.stderr.write(`${this.profiler!.report(this.gpu)}\n`));
      attempt(() => this.profiler!.destroy());
    }
    attempt(() => {
      const tuned = this.profiler && this.lt.tuningReport?.(); // what tuning chose, beside the profile
      if (tuned) process.stderr.write(`${tuned}\n`);
    });
    attempt(() => this.kernels.unloadAll());
    attempt(() => this.lt.destroy());
    attempt(() => this.driver.streamDestroy(this.stream));
    attempt(() => this.allocator.releaseAll());
    if (this.release) attempt(this.release);
    if (first !== null) throw first;
  }

  private measuredPeak: number | null = null;

  /** The FLOP/s of cuBLASLt's bf16 GEMM at 8192³ (3 warm-up products, then 10 timed), measured once; its 384 MiB go back to the device. */
  peakFlops(): number {
    if (this.measuredPeak !== null) return this.measuredPeak;
    const n = 8192, reps = 10;
    const [x, y, z] = [this.alloc('bf16', n * n), this.alloc('bf16', n * n), this.alloc('bf16', n * n)];
    try {
      this.randomNormal(x, 1, 0, 1, n * n);
      this.randomNormal(y, 2, 0, 1, n * n);
      for (let i = 0; i < 3; i++) this.gemm(z, x, y, { m: n, n, k: n, transB: true });
      this.driver.streamSynchronize(this.stream);
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) this.gemm(z, x, y, { m: n, n, k: n, transB: true });
      this.driver.streamSynchronize(this.stream);
      this.measuredPeak = (2 * n ** 3 * reps) / ((performance.now() - t0) / 1000);
    } finally {
      for (const b of [x, y, z]) this.free(b);
      this.allocator.releaseCached();
    }
    return this.measuredPeak;
  }

  /** Whether close() has run. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `op` (one operation on the stream), timed under `label` when profiling. */
  private timed(label: string | null, op: () => void): void {
    if (this.profiler && label !== null) this.profiler.around(label, op);
    else op();
  }
}
