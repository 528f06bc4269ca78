// cuBLASLt through koffi: bf16 (or f32) GEMMs with f32 compute, transposes and strided batches, on a
// stream with a workspace. The row-major → column-major mapping is gemm-plan.ts's; every call goes
// through check() with cublasLtGetStatusName/String.
import type { ResolvedGemm } from '../cpu/gemm.ts';
import { check, type StatusSource } from './check.ts';
import type { DevicePtr, Handle } from './driver.ts';
import { bindAll, openLibrary, type KoffiFunction, type KoffiLibrary, type OpenOptions } from './ffi.ts';
import { LIBCUBLASLT } from './find-libs.ts';
import { gemmLabel, ltPlan, type LtLayout, type LtRunTypes } from './gemm-plan.ts';
import { fastestCandidate, TUNE_CANDIDATES, TUNE_MAX_SHAPES, type StreamTimer } from './gemm-tune.ts';

/** cudaDataType_t values of the element types we multiply (library_types.h). */
export const CUDA_TYPE = { f32: 0, f64: 1, f16: 2, bf16: 14 } as const;
export type LtDType = keyof typeof CUDA_TYPE;

/**
 * The cuBLASLt enum values we use (cublas_api.h, cublasLt.h; test/backend/cuda/headers.test.ts checks them
 * against the headers where they are installed). f32 compute without TF32 (CUBLAS_COMPUTE_32F_FAST_TF32 is
 * 77): the fp32 path matches the CPU.
 */
export const LT = {
  CUBLAS_COMPUTE_32F: 68,
  CUBLAS_COMPUTE_64F: 70,
  CUBLASLT_MATMUL_DESC_TRANSA: 3,
  CUBLASLT_MATMUL_DESC_TRANSB: 4,
  CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT: 5,
  CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET: 6,
  CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES: 1,
  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES: 5,
  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES: 6,
  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES: 7,
  CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES: 8,
  /** The heuristic's answer where no algorithm of the library takes the problem. */
  CUBLAS_STATUS_NOT_SUPPORTED: 15,
  /** An algorithm's split-K reduction (cublasLtMatmulAlgoConfigGetAttribute, uint32): one of the schemes below. */
  CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME: 3,
  /** k not split. */
  CUBLASLT_REDUCTION_SCHEME_NONE: 0,
  /** Partial sums kept in the compute type (f32) in the workspace, reduced in a separate step. */
  CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE: 2,
} as const;
/** sizeof(cublasLtMatmulHeuristicResult_t): algo (64) + workspaceSize (8) + state (4) + wavesCount (4) + reserved (16). */
export const HEURISTIC_BYTES = 96;
/** The alignment cuBLASLt's heuristic assumes of every matrix unless told less (MIN_ALIGNMENT_*'s default). */
export const LT_DEFAULT_ALIGNMENT = 256;

/** The koffi declarations of the cuBLASLt entry points (headers.test.ts checks them against cublasLt.h). */
export const LT_SIGNATURES = {
  statusName: 'const char *cublasLtGetStatusName(int status)',
  statusText: 'const char *cublasLtGetStatusString(int status)',
  version: 'size_t cublasLtGetVersion()',
  create: 'int cublasLtCreate(_Out_ void **handle)',
  destroy: 'int cublasLtDestroy(void *handle)',
  descCreate: 'int cublasLtMatmulDescCreate(_Out_ void **desc, int computeType, int scaleType)',
  descSet: 'int cublasLtMatmulDescSetAttribute(void *desc, int attr, const void *buf, size_t size)',
  descDestroy: 'int cublasLtMatmulDescDestroy(void *desc)',
  layoutCreate: 'int cublasLtMatrixLayoutCreate(_Out_ void **layout, int type, uint64_t rows, uint64_t cols, int64_t ld)',
  layoutSet: 'int cublasLtMatrixLayoutSetAttribute(void *layout, int attr, const void *buf, size_t size)',
  layoutDestroy: 'int cublasLtMatrixLayoutDestroy(void *layout)',
  prefCreate: 'int cublasLtMatmulPreferenceCreate(_Out_ void **pref)',
  prefSet: 'int cublasLtMatmulPreferenceSetAttribute(void *pref, int attr, const void *buf, size_t size)',
  prefDestroy: 'int cublasLtMatmulPreferenceDestroy(void *pref)',
  algoConfigGet: 'int cublasLtMatmulAlgoConfigGetAttribute(const void *algo, int attr, _Out_ uint8_t *buf, size_t size, _Out_ size_t *written)',
  heuristic: 'int cublasLtMatmulAlgoGetHeuristic(void *handle, void *desc, void *a, void *b, void *c, void *d, void *pref, int requested, _Out_ uint8_t *results, _Out_ int *returned)',
  matmul: 'int cublasLtMatmul(void *handle, void *desc, const void *alpha, uint64_t a, void *adesc, uint64_t b, void *bdesc, const void *beta, uint64_t c, void *cdesc, uint64_t d, void *ddesc, const void *algo, uint64_t workspace, size_t workspaceBytes, void *stream)',
} as const;

/**
 * The alignment in bytes (a power of two, at most LT_DEFAULT_ALIGNMENT) that every matrix of a strided
 * batch has: the base address's and the batch stride's. A view into a flat buffer can be 4-byte aligned;
 * the heuristic must be told, or it may pick a kernel that needs 16-byte (or 256-byte) aligned operands.
 */
export function ltAlignment(ptr: bigint, strideBytes = 0): number {
  let align = LT_DEFAULT_ALIGNMENT;
  for (const v of [ptr, BigInt(strideBytes)]) {
    if (v === 0n) continue;
    while (align > 1 && v % BigInt(align) !== 0n) align /= 2;
  }
  return align;
}

/** The element types of one GEMM: a and b (inputs) and c (output, also the beta input). */
export interface LtTypes {
  a: LtDType;
  b: LtDType;
  c: LtDType;
}

/** The byte alignment of cuBLASLt's A (our B), B (our A) and C = D. */
interface LtAlignments {
  a: number;
  b: number;
  c: number;
}

/** The cuBLASLt objects of one GEMM shape, kept for the next call of that shape. */
interface CachedPlan {
  desc: bigint;
  first: bigint;
  second: bigint;
  out: bigint;
  /** cublasLtMatmulAlgo_t (64 bytes): the heuristic's first result, or under tuning the fastest candidate once timed. */
  algo: Buffer;
  /** Under tuning, the heuristic's candidates until a product of the shape times them (then none). */
  candidates: Buffer[];
  /**
   * Under tuning, the bytes at the workspace's start that the candidates' timed products are written to where the
   * product fits half the workspace (the candidates get the rest); 0 where it does not (they get all of it).
   */
  scratch: number;
}

export class CublasLt implements StatusSource {
  readonly library = 'cuBLASLt';
  private readonly f: Record<string, KoffiFunction>;
  private readonly handle: Handle;

  constructor(readonly file: string, lib: KoffiLibrary) {
    this.f = bindAll(lib, file, LIBCUBLASLT, LT_SIGNATURES);
    this.handle = this.create('cublasLtCreate', this.f.create!);
  }

  static open(opts: OpenOptions = {}): CublasLt {
    const { lib, file } = openLibrary(LIBCUBLASLT, opts);
    return new CublasLt(file, lib);
  }

  statusString(status: number): string {
    const name = this.f.statusName!(status) as string | null;
    const text = this.f.statusText!(status) as string | null;
    return `${name ?? 'CUBLAS_STATUS_UNKNOWN'}${text ? ` (${text})` : ''}`;
  }

  /** e.g. 130001 for 13.0.1. */
  version(): number {
    return Number(this.f.version!());
  }

  /** Times the heuristic's candidates at each shape's first product that can be timed (see matmul) with `timer` (gemm-tune.ts), keeping the fastest. */
  enableTuning(timer: StreamTimer): void {
    this.tuner = timer;
  }

  private tuner: StreamTimer | null = null;
  /** Shapes planned for tuning so far (at most TUNE_MAX_SHAPES). */
  private tunedShapes = 0;
  /** What tuning chose, by shape: the candidate (0 = the heuristic's first) and each one's ms a product (null: it did not run). */
  readonly tunings: Array<{ shape: string; chosen: number; ms: (number | null)[] }> = [];

  /** One line per tuned shape where a candidate beat the heuristic's first, with the times; null when nothing was tuned. */
  tuningReport(): string | null {
    if (this.tunings.length === 0) return null;
    const us = (ms: number | null): string => (ms === null ? '-' : (ms * 1000).toFixed(1));
    const changed = this.tunings.filter((t) => t.chosen > 0);
    return [`cuda backend: GEMM tuning (MISTRAL_TUNE_CUDA_GEMM_TUNE) timed ${this.tunings.length} shapes; ${changed.length} took another algorithm than the heuristic's first`,
      ...changed.map((t) => `  ${t.shape}: candidate ${t.chosen} of ${t.ms.length}, µs a product ${t.ms.map(us).join(' ')}`)].join('\n');
  }

  destroy(): void {
    for (const plan of this.plans.values()) if (plan) this.destroyPlan(plan);
    this.plans.clear();
    check(this, 'cublasLtDestroy', this.f.destroy!(this.handle) as number);
  }

  /**
   * c = alpha·op(a)·op(b) + beta·addend for a row-major GEMM `g` (resolved: lds, strides, batch), with f32
   * compute and scale (f64 when every type is f64); `addend` (default c: in place) has c's layout and type.
   * `workspace` of `workspaceBytes` on the device (the heuristic is told the limit). The descriptors, layouts
   * and chosen algorithm are cached per shape. Returns false, having enqueued nothing, when the heuristic has no
   * algorithm for the shape (none returned, or CUBLAS_STATUS_NOT_SUPPORTED): the caller runs the product otherwise.
   */
  matmul(g: ResolvedGemm, types: LtTypes, c: DevicePtr, a: DevicePtr, b: DevicePtr,
    workspace: DevicePtr, workspaceBytes: number, stream: Handle, addend: DevicePtr = c): boolean {
    const p = ltPlan(g);
    const f64 = types.a === 'f64';
    const bytes = (t: LtDType): number => (t === 'f64' ? 8 : t === 'f32' ? 4 : 2);
    // cuBLASLt's A is our B (first), its B our A (second); its C is the addend and D is c (one layout)
    const strideBytes = (l: LtLayout, t: LtDType): number => (l.batch > 1 ? l.stride * bytes(t) : 0);
    const align: LtAlignments = {
      a: ltAlignment(b, strideBytes(p.first, types.b)), b: ltAlignment(a, strideBytes(p.second, types.a)),
      c: Math.min(ltAlignment(c, strideBytes(p.out, types.c)), ltAlignment(addend, strideBytes(p.out, types.c))),
    };
    const key = JSON.stringify([p.transFirst, p.transSecond, p.first, p.second, p.out, types, workspaceBytes, align]);
    let plan = this.plans.get(key);
    if (plan === undefined) {
      // under tuning, a shape whose product fits half the workspace is timed there (the candidates get the other half)
      const outBytes = ((p.out.batch - 1) * p.out.stride + (p.out.cols - 1) * p.out.ld + p.out.rows) * bytes(types.c);
      const scratch = Math.ceil(outBytes / 256) * 256;
      // tuned: bf16 products (the fast path; f32 and f64 keep the heuristic's first, the sums the tests know), the first
      // TUNE_MAX_SHAPES shapes (a training step's are the first ones; inputs of many lengths, or attention through cuBLASLt
      // while decoding, bring new shapes on and on: those take the heuristic's first once the budget is spent)
      const tune = this.tuner !== null && types.a === 'bf16' && this.tunedShapes < TUNE_MAX_SHAPES;
      if (tune) this.tunedShapes++;
      this.plans.set(key, (plan = this.makePlan(p, types, workspaceBytes, f64, align, tune, tune && scratch <= workspaceBytes / 2 ? scratch : 0)));
    }
    if (plan === null) return false;
    const scalar = (v: number): Buffer => {
      const buf = Buffer.alloc(f64 ? 8 : 4);
      if (f64) buf.writeDoubleLE(v);
      else buf.writeFloatLE(v);
      return buf;
    };
    const [alpha, beta] = [scalar(p.alpha), scalar(p.beta)];
    const run = (algo: Buffer, d: DevicePtr, ws: DevicePtr, wsBytes: number): number => this.f.matmul!(this.handle, plan.desc, alpha, b, plan.first, a,
      plan.second, beta, addend, plan.out, d, plan.out, algo, ws, wsBytes, stream) as number;
    // the candidates' products go to the workspace, or to c itself where each run writes the same c (β = 0, or the
    // addend apart from c); a larger product that adds to c in place waits for a call of its shape that can be timed
    if (plan.candidates.length > 0 && (plan.scratch > 0 || p.beta === 0 || addend !== c)) {
      this.tune(plan, gemmLabel(g, types as LtRunTypes, addend !== c), run, plan.scratch > 0 ? workspace : c, workspace, workspaceBytes);
    }
    check(this, 'cublasLtMatmul', run(plan.algo, c, workspace, workspaceBytes));
    return true;
  }

  /**
   * Times each candidate of `plan` writing its product to `d` (the workspace's first plan.scratch bytes, or c where
   * every run writes the same c), keeps the fastest as plan.algo, and records the choice. A candidate that fails to
   * run is passed over; where none runs, the heuristic's first stays (its own call reports the error).
   */
  private tune(plan: CachedPlan, shape: string, run: (algo: Buffer, d: DevicePtr, ws: DevicePtr, wsBytes: number) => number,
    d: DevicePtr, workspace: DevicePtr, workspaceBytes: number): void {
    const candidates = plan.candidates;
    plan.candidates = [];
    const ws = workspace + BigInt(plan.scratch), wsBytes = workspaceBytes - plan.scratch;
    const { best, ms } = fastestCandidate(candidates.length, (i) => run(candidates[i]!, d, ws, wsBytes) === 0, this.tuner!);
    if (best > 0) plan.algo = candidates[best]!;
    this.tunings.push({ shape, chosen: Math.max(best, 0), ms });
  }

  /** Whether `algo` leaves k whole or keeps its split-K partial sums in the compute type (f32); false where it cannot be told. */
  private reducesInF32(algo: Buffer): boolean {
    const scheme = Buffer.alloc(4), written: [number] = [0];
    if (this.f.algoConfigGet!(algo, LT.CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, scheme, 4, written) !== 0) return false;
    const s = scheme.readUInt32LE(0);
    return s === LT.CUBLASLT_REDUCTION_SCHEME_NONE || s === LT.CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE;
  }

  private destroyPlan(plan: Pick<CachedPlan, 'desc' | 'first' | 'second' | 'out'>): void {
    for (const h of [plan.first, plan.second, plan.out]) check(this, 'cublasLtMatrixLayoutDestroy', this.f.layoutDestroy!(h) as number);
    check(this, 'cublasLtMatmulDescDestroy', this.f.descDestroy!(plan.desc) as number);
  }

  /** Shapes planned so far (descriptor cache entries). */
  get cachedPlans(): number {
    return this.plans.size;
  }

  /** The plan of each shape seen, or null where the heuristic had no algorithm for it (asked once). */
  private readonly plans = new Map<string, CachedPlan | null>();

  /** The descriptors and algorithm of a shape; with `tune`, up to TUNE_CANDIDATES algorithms that fit the workspace past `scratch` bytes. */
  private makePlan(p: ReturnType<typeof ltPlan>, types: LtTypes, workspaceBytes: number, f64: boolean, align: LtAlignments, tune: boolean,
    scratch: number): CachedPlan | null {
    const desc = this.create('cublasLtMatmulDescCreate', this.f.descCreate!, f64 ? LT.CUBLAS_COMPUTE_64F : LT.CUBLAS_COMPUTE_32F, f64 ? CUDA_TYPE.f64 : CUDA_TYPE.f32);
    this.setInt32(this.f.descSet!, 'cublasLtMatmulDescSetAttribute(TRANSA)', desc, LT.CUBLASLT_MATMUL_DESC_TRANSA, p.transFirst ? 1 : 0);
    this.setInt32(this.f.descSet!, 'cublasLtMatmulDescSetAttribute(TRANSB)', desc, LT.CUBLASLT_MATMUL_DESC_TRANSB, p.transSecond ? 1 : 0);
    const layout = (l: LtLayout, t: LtDType): bigint => {
      const h = this.create('cublasLtMatrixLayoutCreate', this.f.layoutCreate!, CUDA_TYPE[t], l.rows, l.cols, l.ld);
      if (l.batch > 1) {
        this.setInt32(this.f.layoutSet!, 'cublasLtMatrixLayoutSetAttribute(BATCH_COUNT)', h, LT.CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, l.batch);
        const stride = Buffer.alloc(8);
        stride.writeBigInt64LE(BigInt(l.stride));
        check(this, 'cublasLtMatrixLayoutSetAttribute(STRIDED_BATCH_OFFSET)',
          this.f.layoutSet!(h, LT.CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, stride, 8) as number);
      }
      return h;
    };
    const first = layout(p.first, types.b), second = layout(p.second, types.a), out = layout(p.out, types.c);
    const pref = this.create('cublasLtMatmulPreferenceCreate', this.f.prefCreate!);
    try {
      const ws = Buffer.alloc(8);
      ws.writeBigUInt64LE(BigInt(workspaceBytes - scratch));
      check(this, 'cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)', this.f.prefSet!(pref, LT.CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, ws, 8) as number);
      for (const [attr, bytes] of [[LT.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align.a], [LT.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align.b],
        [LT.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align.c], [LT.CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align.c]] as const) {
        if (bytes < LT_DEFAULT_ALIGNMENT) this.setInt32(this.f.prefSet!, 'cublasLtMatmulPreferenceSetAttribute(MIN_ALIGNMENT)', pref, attr, bytes);
      }
      const requested = tune ? TUNE_CANDIDATES : 1;
      const results = Buffer.alloc(HEURISTIC_BYTES * requested);
      const returned: [number] = [0];
      const status = this.f.heuristic!(this.handle, desc, first, second, out, out, pref, requested, results, returned) as number;
      // each result's state (at byte 72) says whether its algorithm takes the problem
      const found = Array.from({ length: status === 0 ? returned[0] : 0 }, (_, i) => i * HEURISTIC_BYTES)
        .filter((at) => results.readInt32LE(at + 72) === 0).map((at) => Buffer.from(results.subarray(at, at + 64)));
      if (status === LT.CUBLAS_STATUS_NOT_SUPPORTED || (status === 0 && found.length === 0)) {
        this.destroyPlan({ desc, first, second, out });
        return null;
      }
      check(this, 'cublasLtMatmulAlgoGetHeuristic', status);
      // a half-precision C is timed only against candidates that keep split-K's partial sums in f32, or do not split
      // k: one that sums them in C's type, or in C itself, rounds each to bf16 and would win on speed alone; the
      // heuristic's first stays whatever it does (what an untuned product runs)
      const half = types.c === 'bf16' || types.c === 'f16';
      const algos = tune && half ? [found[0]!, ...found.slice(1).filter((al) => this.reducesInF32(al))] : found;
      return { desc, first, second, out, algo: algos[0]!, candidates: algos.length > 1 ? algos : [], scratch };
    } finally {
      check(this, 'cublasLtMatmulPreferenceDestroy', this.f.prefDestroy!(pref) as number);
    }
  }

  private create(call: string, fn: KoffiFunction, ...args: unknown[]): bigint {
    const box: [bigint | number] = [0n];
    check(this, call, fn(box, ...args) as number);
    return BigInt(box[0]);
  }

  private setInt32(fn: KoffiFunction, call: string, h: bigint, attr: number, value: number): void {
    const buf = Buffer.alloc(4);
    buf.writeInt32LE(value);
    check(this, call, fn(h, attr, buf, 4) as number);
  }
}
