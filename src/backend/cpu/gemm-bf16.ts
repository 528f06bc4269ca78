// GEMMs whose operands A or B are bf16 on the CPU (a model's weights in bf16, and the activations of a bf16 step):
// the float32 GEMM (BLAS, the SIMD kernel or the loops) runs on blocks of the larger bf16 operand widened one after
// another into a scratch block, the smaller bf16 operand widened whole. Widening a weight whole at every use (as the
// other kernels' arguments are staged, bf16-staging.ts) wrote and read back 4 bytes a weight through memory at each
// generated token, and kept an f32 copy of the largest weight (the LM head's 131 M elements at Mistral 7B: 524 MB).
// A block is split along the operand's stored rows, so each sub-product is the same GEMM on a slice:
//   B (n × k, transposed) by rows of n: columns of C, each element of C computed as in one product;
//   B (k × n) by rows of k: partial sums of C over k, added one block after another (β = 1 after the first);
//   A (m × k) by rows of m: rows of C; A (k × m, transposed) by rows of k: partial sums, as B's.
// A product with few rows on the other side (a generated token, a short prompt) takes blocks that stay in the cache
// (≈ 1 MB); a long one, blocks of up to 64 MB, so C's partial sums are read and written a few times only.
import { bf16ToF32 } from '../dtype.ts';
import { gemmLoops, type ResolvedGemm } from './gemm.ts';

/** The float32 GEMM of one batch entry the blocks run on. */
export type F32Gemm = (C: Float32Array, A: Float32Array, B: Float32Array, g: ResolvedGemm) => void;

/** Elements of a streamed block: `short` where the product's other side has at most SHORT_ROWS rows, else `long`. */
export interface BlockSizes { short: number; long: number }
const BLOCKS: BlockSizes = { short: 1 << 18, long: 1 << 24 }; // 1 MB of f32: the cache; 64 MB
const SHORT_ROWS = 16;

/** A bf16 operand of a GEMM: its stored rows, the elements used of each, its leading dimension. */
interface Stored { bits: Uint16Array; rows: number; cols: number; ld: number }

/** Stored rows × used columns of op(A) and op(B) as the GEMM reads them from memory. */
function storedA(g: ResolvedGemm, bits: Uint16Array): Stored {
  return { bits, rows: g.transA ? g.k : g.m, cols: g.transA ? g.m : g.k, ld: g.lda };
}
function storedB(g: ResolvedGemm, bits: Uint16Array): Stored {
  return { bits, rows: g.transB ? g.n : g.k, cols: g.transB ? g.k : g.n, ld: g.ldb };
}

/** The scratch of one backend's bf16 GEMMs: the whole-widened operand and the streamed block, grown as needed. */
export class Bf16Gemm {
  private whole = new Float32Array(0);
  private block = new Float32Array(0);

  constructor(private readonly blocks: BlockSizes = BLOCKS) {}

  /** C = alpha·op(A)·op(B) + beta·C for every batch entry of `g`, where A or B (or both) are bf16 bits. */
  run(C: Float32Array, A: Float32Array | Uint16Array, B: Float32Array | Uint16Array, g: ResolvedGemm, f32: F32Gemm): void {
    const one = { ...g, batch: 1, strideA: 0, strideB: 0, strideC: 0 };
    for (let bi = 0; bi < g.batch; bi++) {
      this.entry(C.subarray(bi * g.strideC), A.subarray(bi * g.strideA), B.subarray(bi * g.strideB), one, f32);
    }
  }

  private entry(C: Float32Array, A: Float32Array | Uint16Array, B: Float32Array | Uint16Array, g: ResolvedGemm, f32: F32Gemm): void {
    if (g.m === 0 || g.n === 0) return;
    if (g.k === 0) return gemmLoops(C, new Float32Array(0), new Float32Array(0), g); // C = beta·C
    const a = A instanceof Uint16Array ? storedA(g, A) : null;
    const b = B instanceof Uint16Array ? storedB(g, B) : null;
    // the larger bf16 operand is streamed; the other one, when bf16 too, is widened whole once
    const streamA = a !== null && (b === null || a.rows * a.cols > b.rows * b.cols);
    if (streamA && b) return this.streamA(C, a, this.widenWhole(b), { ...g, ldb: b.cols }, f32);
    if (streamA) return this.streamA(C, a, B as Float32Array, g, f32);
    if (a) return this.streamB(C, this.widenWhole(a), b!, { ...g, lda: a.cols }, f32);
    return this.streamB(C, A as Float32Array, b!, g, f32);
  }

  /** `s` widened into the whole-operand scratch, packed (leading dimension = its used columns). */
  private widenWhole(s: Stored): Float32Array {
    if (this.whole.length < s.rows * s.cols) this.whole = new Float32Array(s.rows * s.cols);
    return widenRows(s, 0, s.rows, this.whole);
  }

  /** Rows of `s` per block, as many as fit the block's size (at least one). */
  private rowsPerBlock(s: Stored, otherRows: number): number {
    const size = otherRows <= SHORT_ROWS ? this.blocks.short : this.blocks.long;
    const rows = Math.max(1, Math.min(s.rows, Math.floor(size / s.cols)));
    if (this.block.length < rows * s.cols) this.block = new Float32Array(rows * s.cols);
    return rows;
  }

  private streamB(C: Float32Array, A: Float32Array, b: Stored, g: ResolvedGemm, f32: F32Gemm): void {
    const per = this.rowsPerBlock(b, g.m);
    for (let r0 = 0; r0 < b.rows; r0 += per) {
      const rows = Math.min(per, b.rows - r0);
      const W = widenRows(b, r0, rows, this.block);
      if (g.transB) f32(C.subarray(r0), A, W, { ...g, n: rows, ldb: b.cols }); // columns r0.. of C
      else f32(C, A.subarray(g.transA ? r0 * g.lda : r0), W, { ...g, k: rows, ldb: b.cols, beta: r0 === 0 ? g.beta : 1 });
    }
  }

  private streamA(C: Float32Array, a: Stored, B: Float32Array, g: ResolvedGemm, f32: F32Gemm): void {
    const per = this.rowsPerBlock(a, g.n);
    for (let r0 = 0; r0 < a.rows; r0 += per) {
      const rows = Math.min(per, a.rows - r0);
      const W = widenRows(a, r0, rows, this.block);
      if (!g.transA) f32(C.subarray(r0 * g.ldc), W, B, { ...g, m: rows, lda: a.cols }); // rows r0.. of C
      else f32(C, W, B.subarray(g.transB ? r0 : r0 * g.ldb), { ...g, k: rows, lda: a.cols, beta: r0 === 0 ? g.beta : 1 });
    }
  }
}

/** Rows [r0, r0 + rows) of `s`, their used columns widened to f32 into `into`, packed. */
function widenRows(s: Stored, r0: number, rows: number, into: Float32Array): Float32Array {
  const out = into.subarray(0, rows * s.cols);
  if (s.ld === s.cols) bf16ToF32(s.bits.subarray(r0 * s.ld, (r0 + rows) * s.ld), out);
  else for (let r = 0; r < rows; r++) bf16ToF32(s.bits.subarray((r0 + r) * s.ld, (r0 + r) * s.ld + s.cols), out.subarray(r * s.cols));
  return out;
}
