// Masked softmax attention with GQA, as HF's eager attention computes it, and its backward.
// Per (row b, head h): S = scale·Q·Kᵀ (T, kvLen) by GEMM, the mask (causal, sliding window, segments
// for padding and packing), softmax with the log-sum-exp saved, O = P·V. The backward recomputes P from
// the saved log-sum-exp, as flash attention does, so nothing of size T² is kept between the passes.
// The backward goes in causal blocks of QBLOCK queries: a block's scores stop at its last query's key,
// so its five GEMMs and row kernels skip the keys the mask hides (about 40% of them at T = 256). The
// forward goes in blocks of FBLOCK = 256 queries: one block up to T = 256 (64-query blocks lost there,
// to 4× more, smaller BLAS calls), four at T = 1,024, which saves 37% of its GEMM work
// (docs/cpu-performance.md).
import type { AttentionShape, GemmSpec } from '../../backend.ts';
import type { FloatArray } from '../../dtype.ts';

export type GemmFn = (c: FloatArray, a: FloatArray, b: FloatArray, spec: GemmSpec) => void;

/** What the attention loops need: a GEMM, work buffers, and the three row kernels (TypeScript or SIMD). */
export interface AttentionOps {
  gemm: GemmFn;
  /** Work buffers valid for one call: S and dS (T·K each), rowDot (T); q and k are the call's operands. */
  workspace(T: number, K: number, q: FloatArray, k: FloatArray): { S: FloatArray; dS: FloatArray; rowDot: FloatArray };
  maskedSoftmax(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null): void;
  probsFromLse(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null): void;
  /** dS = P ∘ (dS − rowDot) row by row, in place over dS (T, K). */
  dScores(dS: FloatArray, P: FloatArray, rowDot: FloatArray, T: number, K: number): void;
  /** The call is over: the workspace may be reused. */
  release(): void;
}

/** The reference implementation of the row kernels, in TypeScript. */
export function typescriptAttentionOps(gemm: GemmFn): AttentionOps {
  return {
    gemm,
    workspace: (T, K, q) => ({ S: scratch(q, T * K), dS: scratch(q, T * K), rowDot: scratch(q, T) }),
    maskedSoftmax, probsFromLse,
    dScores: (dS, P, rowDot, T, K) => {
      for (let i = 0; i < T; i++) {
        const row = i * K, r = rowDot[i]!;
        for (let j = 0; j < K; j++) dS[row + j] = P[row + j]! * (dS[row + j]! - r);
      }
    },
    release: () => {},
  };
}

/** The keys [lo, a] a query at key index a may see before the segment check. */
function keyRange(a: number, window: number | null): number {
  return window === null ? 0 : Math.max(0, a - window + 1);
}

/**
 * Turns scores S (T, K) of one (b, h) into probabilities in place and writes lse (T). seg is the row's
 * (K) segment ids; query i sits at key index off + i.
 */
export function maskedSoftmax(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null): void {
  for (let i = 0; i < T; i++) {
    const row = i * K, a = off + i;
    const si = seg[a]!;
    const lo = keyRange(a, window);
    let max = -Infinity;
    if (si >= 0) {
      for (let j = lo; j <= a; j++) if (seg[j] === si && S[row + j]! > max) max = S[row + j]!;
    }
    if (max === -Infinity) {
      // a padded query, or one that sees no key: no output, no gradient
      S.fill(0, row, row + K);
      lse[i] = -Infinity;
      continue;
    }
    let z = 0;
    for (let j = lo; j <= a; j++) {
      if (seg[j] === si) {
        const e = Math.exp(S[row + j]! - max);
        S[row + j] = e;
        z += e;
      } else {
        S[row + j] = 0;
      }
    }
    S.fill(0, row, row + lo);
    S.fill(0, row + a + 1, row + K);
    const inv = 1 / z;
    for (let j = lo; j <= a; j++) S[row + j]! *= inv;
    lse[i] = max + Math.log(z);
  }
}

/** Recomputes P (T, K) in place over the scores S from the saved lse; query i sits at key index off + i. */
export function probsFromLse(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null): void {
  for (let i = 0; i < T; i++) {
    const row = i * K, a = off + i;
    const l = lse[i]!;
    const si = seg[a]!;
    if (l === -Infinity || si < 0) {
      S.fill(0, row, row + K);
      continue;
    }
    const lo = keyRange(a, window);
    S.fill(0, row, row + lo);
    for (let j = lo; j <= a; j++) S[row + j] = seg[j] === si ? Math.exp(S[row + j]! - l) : 0;
    S.fill(0, row + a + 1, row + K);
  }
}

/** Query rows per causal block: the backward's, and the forward's (larger: its BLAS calls must stay big). */
const QBLOCK = 64;
const FBLOCK = 256;

/** Calls fn for each block of `block` queries [i0, i0 + rows) with the keys [0, kEnd) it may see. */
function forEachBlock(T: number, off: number, block: number, fn: (i0: number, rows: number, kEnd: number) => void): void {
  for (let i0 = 0; i0 < T; i0 += block) {
    const rows = Math.min(block, T - i0);
    fn(i0, rows, off + i0 + rows);
  }
}

function scratch(like: FloatArray, n: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/**
 * Calls `fn` for each (row b, head h) with the offset of the head's queries (and outputs) in q (B, T, Hq·D),
 * the offset of its KV head (GQA) in k and v (B, K, Hkv·D), the row's key segments (K), and its lse (T).
 */
function forEachHead(s: AttentionShape, K: number, seg: Int32Array, lse: FloatArray,
  fn: (qo: number, ko: number, rowSeg: Int32Array, lseRow: FloatArray) => void): void {
  const { B, T, Hq, Hkv, D } = s;
  const group = Hq / Hkv;
  for (let b = 0; b < B; b++) {
    const rowSeg = seg.subarray(b * K, b * K + K);
    for (let h = 0; h < Hq; h++) {
      const at = (b * Hq + h) * T;
      fn(b * T * Hq * D + h * D, b * K * Hkv * D + Math.floor(h / group) * D, rowSeg, lse.subarray(at, at + T));
    }
  }
}

export function attentionForward(
  out: FloatArray, lse: FloatArray, q: FloatArray, k: FloatArray, v: FloatArray, seg: Int32Array,
  s: AttentionShape, ops: AttentionOps,
): void {
  const { B, T, Hq, Hkv, D, scale, window } = s;
  const K = s.kvLen ?? T, off = s.qOffset ?? 0;
  if (off + T > K) throw new Error(`attention: ${T} queries at offset ${off} exceed ${K} keys`);
  const { gemm } = ops;
  const { S } = ops.workspace(T, K, q, k); // (rows, kEnd) scores of a block, then probabilities
  try {
    forEachHead(s, K, seg, lse, (qo, ko, rowSeg, lseRow) => {
      forEachBlock(T, off, FBLOCK, (i0, rows, kEnd) => {
        const qb = qo + i0 * Hq * D;
        gemm(S, q.subarray(qb), k.subarray(ko), { m: rows, n: kEnd, k: D, transB: true, lda: Hq * D, ldb: Hkv * D, ldc: kEnd, alpha: scale });
        ops.maskedSoftmax(S, lseRow.subarray(i0), rowSeg, rows, kEnd, off + i0, window);
        gemm(out.subarray(qb), S, v.subarray(ko), { m: rows, n: D, k: kEnd, lda: kEnd, ldb: Hkv * D, ldc: Hq * D });
      });
    });
  } finally {
    ops.release();
  }
}

export function attentionBackward(
  dq: FloatArray, dk: FloatArray, dv: FloatArray, dout: FloatArray, out: FloatArray, lse: FloatArray,
  q: FloatArray, k: FloatArray, v: FloatArray, seg: Int32Array, s: AttentionShape, ops: AttentionOps,
): void {
  const { B, T, Hq, Hkv, D, scale, window } = s;
  if ((s.kvLen ?? T) !== T || (s.qOffset ?? 0) !== 0) throw new Error('attention backward supports training shapes only (kvLen = T, qOffset = 0)');
  const { gemm } = ops;
  const { S: P, dS, rowDot } = ops.workspace(T, T, q, k); // P, dS (rows, kEnd) of a block; rowDot (rows) Σ_d dO·O
  dk.fill(0, 0, B * T * Hkv * D);
  dv.fill(0, 0, B * T * Hkv * D);
  const ld = Hq * D;
  try {
    forEachHead(s, T, seg, lse, (qo, ko, rowSeg, lseRow) => {
      const K = k.subarray(ko), V = v.subarray(ko);
      forEachBlock(T, 0, QBLOCK, (i0, rows, kEnd) => {
        const qb = qo + i0 * ld;
        const Q = q.subarray(qb), dO = dout.subarray(qb), O = out.subarray(qb);
        gemm(P, Q, K, { m: rows, n: kEnd, k: D, transB: true, lda: ld, ldb: Hkv * D, ldc: kEnd, alpha: scale });
        ops.probsFromLse(P, lseRow.subarray(i0), rowSeg, rows, kEnd, i0, window);
        // dV += Pᵀ·dO
        gemm(dv.subarray(ko), P, dO, { m: kEnd, n: D, k: rows, transA: true, lda: kEnd, ldb: ld, ldc: Hkv * D, beta: 1 });
        // dP = dO·Vᵀ, then dS = P ∘ (dP − rowDot)
        gemm(dS, dO, V, { m: rows, n: kEnd, k: D, transB: true, lda: ld, ldb: Hkv * D, ldc: kEnd });
        for (let i = 0; i < rows; i++) {
          let acc = 0;
          for (let d = 0; d < D; d++) acc += dO[i * ld + d]! * O[i * ld + d]!;
          rowDot[i] = acc;
        }
        ops.dScores(dS, P, rowDot, rows, kEnd);
        // dQ = scale·dS·K ; dK += scale·dSᵀ·Q
        gemm(dq.subarray(qb), dS, K, { m: rows, n: D, k: kEnd, lda: kEnd, ldb: Hkv * D, ldc: ld, alpha: scale });
        gemm(dk.subarray(ko), dS, Q, { m: kEnd, n: D, k: rows, transA: true, lda: kEnd, ldb: ld, ldc: Hkv * D, alpha: scale, beta: 1 });
      });
    });
  } finally {
    ops.release();
  }
}
