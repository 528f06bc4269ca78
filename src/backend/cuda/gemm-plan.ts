// Maps a row-major GEMM (the backend's GemmSpec, resolved) onto cuBLASLt's column-major layouts. A
// row-major matrix is the column-major view of its transpose, so C = op(A)·op(B) (m×n, row-major) is
// computed as Cᵀ = op(B)ᵀ·op(A)ᵀ (n×m, column-major): the operands swap and the lds stay as given.
import type { ResolvedGemm } from '../cpu/gemm.ts';

/** One cuBLASLt matrix layout (column-major rows × cols, leading dimension, strided batches). */
export interface LtLayout {
  rows: number;
  cols: number;
  ld: number;
  batch: number;
  /** Elements between batch entries (0 = the same matrix for every entry). */
  stride: number;
}

/** What cublasLtMatmul gets: D = alpha·op(first)·op(second) + beta·C, with first/second as device buffers. */
export interface LtGemmPlan {
  /** The first operand is the backend's B, the second its A. */
  transFirst: boolean;
  transSecond: boolean;
  first: LtLayout;
  second: LtLayout;
  out: LtLayout;
  alpha: number;
  beta: number;
}

export function ltPlan(g: ResolvedGemm): LtGemmPlan {
  const layout = (rows: number, cols: number, ld: number, stride: number): LtLayout => ({ rows, cols, ld, batch: g.batch, stride });
  return {
    transFirst: g.transB,
    transSecond: g.transA,
    // B stored row-major (k×n) is column-major (n×k); transposed it is stored (n×k) → column-major (k×n)
    first: g.transB ? layout(g.k, g.n, g.ldb, g.strideB) : layout(g.n, g.k, g.ldb, g.strideB),
    second: g.transA ? layout(g.m, g.k, g.lda, g.strideA) : layout(g.k, g.m, g.lda, g.strideA),
    out: layout(g.n, g.m, g.ldc, g.strideC),
    alpha: g.alpha,
    beta: g.beta,
  };
}

/**
 * Executes a plan the way cuBLASLt defines it, on host arrays in column-major order: the model the
 * tests check ltPlan against (and the GPU smoke test's reference).
 */
export function runPlanOnHost(p: LtGemmPlan, first: ArrayLike<number>, second: ArrayLike<number>, out: Float64Array | Float32Array): void {
  const M = p.out.rows, N = p.out.cols;
  const K = p.transFirst ? p.first.rows : p.first.cols;
  const at = (l: LtLayout, t: boolean, data: ArrayLike<number>, b: number, i: number, j: number): number =>
    t ? data[b * l.stride + j + i * l.ld]! : data[b * l.stride + i + j * l.ld]!;
  for (let b = 0; b < p.out.batch; b++) {
    for (let j = 0; j < N; j++) {
      for (let i = 0; i < M; i++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += at(p.first, p.transFirst, first, b, i, k) * at(p.second, p.transSecond, second, b, k, j);
        const o = b * p.out.stride + i + j * p.out.ld;
        out[o] = p.alpha * acc + (p.beta === 0 ? 0 : p.beta * out[o]!);
      }
    }
  }
}

/** The element types cuBLASLt multiplies here: bf16·bf16 → bf16 or f32 (f32 compute), all-f32 (no TF32), all-f64. */
export type LtRunTypes = { a: 'bf16'; b: 'bf16'; c: 'bf16' | 'f32' } | { a: 'f32'; b: 'f32'; c: 'f32' } | { a: 'f64'; b: 'f64'; c: 'f64' };

/**
 * The types a GEMM runs in for operands of dtypes a, b, c: as given when cuBLASLt supports the mix, else
 * every operand widened to the widest (f64 if any is, else f32) — exact for the inputs, one rounding of C.
 */
export function gemmRunTypes(a: string, b: string, c: string): LtRunTypes {
  if (a === 'bf16' && b === 'bf16' && (c === 'bf16' || c === 'f32')) return { a, b, c };
  if (a === 'f64' || b === 'f64' || c === 'f64') return { a: 'f64', b: 'f64', c: 'f64' };
  return { a: 'f32', b: 'f32', c: 'f32' };
}

/** One GEMM operand as staging sees it: its dtype and its buffer's length in elements. */
export interface GemmOperand {
  dtype: string;
  length: number;
}

/**
 * Bytes of the temporaries CudaBackend.gemm allocates for one call (from the caching allocator, freed
 * when the call returns): each operand whose dtype is not the run type is copied whole, widened. The
 * memory plan sizes the CUDA staging with this, so the rule and the plan cannot drift apart.
 */
export function gemmStagingBytes(a: GemmOperand, b: GemmOperand, c: GemmOperand): number {
  const run = gemmRunTypes(a.dtype, b.dtype, c.dtype);
  const width = (t: string): number => (t === 'f64' ? 8 : t === 'f32' ? 4 : 2);
  return ([[a, run.a], [b, run.b], [c, run.c]] as const).reduce((s, [op, t]) => s + (op.dtype === t ? 0 : op.length * width(t)), 0);
}

/** A GEMM's profile class: its m×n×k (row-major, after transposes), batch, and operand types. */
export function gemmLabel(g: ResolvedGemm, run: LtRunTypes, outOfPlace: boolean): string {
  const types = run.a === run.b ? `${run.a}→${run.c}` : `${run.a}·${run.b}→${run.c}`;
  const added = g.beta === 0 ? '' : outOfPlace ? ' +addend' : ' +C';
  return `gemm ${g.m}×${g.n}×${g.k}${g.batch > 1 ? ` ×${g.batch}` : ''}${g.transA ? ' Aᵀ' : ''}${g.transB ? ' Bᵀ' : ''} ${types}${added}`;
}
