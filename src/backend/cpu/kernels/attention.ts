// Masked softmax attention with GQA, as HF's eager attention computes it, and its backward.
// Per (row b, head h): S = scale·Q·Kᵀ (T, kvLen) by GEMM, the mask (causal, sliding window, segments
// for padding and packing), softmax with the log-sum-exp saved, O = P·V. The backward recomputes P from
// the saved log-sum-exp, as flash attention does, so nothing of size T² is kept between the passes.
import type { AttentionShape, GemmSpec } from '../../backend.ts';
import type { FloatArray } from '../../dtype.ts';

export type GemmFn = (c: FloatArray, a: FloatArray, b: FloatArray, spec: GemmSpec) => void;

/** What the attention loops need: a GEMM, work buffers, and the three row kernels (TypeScript or SIMD). */
export interface AttentionOps {
  gemm: GemmFn;
  /** Work buffers valid for one call: S and dS (T·K each), rowDot (T); q and k are the call's operands. */
  workspace(T: number, K: number, q: FloatArray, k: FloatArray): { S: FloatArray; dS: FloatArray; rowDot: FloatArray };
  maskedSoftmax(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null): void;
  probsFromLse(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, window: number | null): void;
  /** dS = P ∘ (dS − rowDot) row by row, in place over dS (T, T). */
  dScores(dS: FloatArray, P: FloatArray, rowDot: FloatArray, T: number): void;
  /** The call is over: the workspace may be reused. */
  release(): void;
}

/** The reference implementation of the row kernels, in TypeScript. */
export function typescriptAttentionOps(gemm: GemmFn): AttentionOps {
  return {
    gemm,
    workspace: (T, K, q) => ({ S: scratch(q, T * K), dS: scratch(q, T * K), rowDot: scratch(q, T) }),
    maskedSoftmax, probsFromLse,
    dScores: (dS, P, rowDot, T) => {
      for (let i = 0; i < T; i++) {
        const row = i * T, r = rowDot[i]!;
        for (let j = 0; j < T; j++) dS[row + j] = P[row + j]! * (dS[row + j]! - r);
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

/** Recomputes P (T, T) in place over the scores S from the saved lse (training shapes). */
export function probsFromLse(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, window: number | null): void {
  for (let i = 0; i < T; i++) {
    const row = i * T;
    const l = lse[i]!;
    const si = seg[i]!;
    if (l === -Infinity || si < 0) {
      S.fill(0, row, row + T);
      continue;
    }
    const lo = keyRange(i, window);
    S.fill(0, row, row + lo);
    for (let j = lo; j <= i; j++) S[row + j] = seg[j] === si ? Math.exp(S[row + j]! - l) : 0;
    S.fill(0, row + i + 1, row + T);
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
  const { S } = ops.workspace(T, K, q, k); // (T, K) scores, then probabilities
  try {
    forEachHead(s, K, seg, lse, (qo, ko, rowSeg, lseRow) => {
      gemm(S, q.subarray(qo), k.subarray(ko), { m: T, n: K, k: D, transB: true, lda: Hq * D, ldb: Hkv * D, ldc: K, alpha: scale });
      ops.maskedSoftmax(S, lseRow, rowSeg, T, K, off, window);
      gemm(out.subarray(qo), S, v.subarray(ko), { m: T, n: D, k: K, lda: K, ldb: Hkv * D, ldc: Hq * D });
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
  const { S: P, dS, rowDot } = ops.workspace(T, T, q, k); // P, dS (T, T); rowDot (T) Σ_d dO·O
  dk.fill(0, 0, B * T * Hkv * D);
  dv.fill(0, 0, B * T * Hkv * D);
  try {
    forEachHead(s, T, seg, lse, (qo, ko, rowSeg, lseRow) => {
      const Q = q.subarray(qo), K = k.subarray(ko), V = v.subarray(ko);
      const dO = dout.subarray(qo), O = out.subarray(qo);
      gemm(P, Q, K, { m: T, n: T, k: D, transB: true, lda: Hq * D, ldb: Hkv * D, ldc: T, alpha: scale });
      ops.probsFromLse(P, lseRow, rowSeg, T, window);
      // dV += Pᵀ·dO
      gemm(dv.subarray(ko), P, dO, { m: T, n: D, k: T, transA: true, lda: T, ldb: Hq * D, ldc: Hkv * D, beta: 1 });
      // dP = dO·Vᵀ, then dS = P ∘ (dP − rowDot)
      gemm(dS, dO, V, { m: T, n: T, k: D, transB: true, lda: Hq * D, ldb: Hkv * D, ldc: T });
      for (let i = 0; i < T; i++) {
        let acc = 0;
        for (let d = 0; d < D; d++) acc += dO[i * Hq * D + d]! * O[i * Hq * D + d]!;
        rowDot[i] = acc;
      }
      ops.dScores(dS, P, rowDot, T);
      // dQ = scale·dS·K ; dK += scale·dSᵀ·Q
      gemm(dq.subarray(qo), dS, K, { m: T, n: D, k: T, lda: T, ldb: Hkv * D, ldc: Hq * D, alpha: scale });
      gemm(dk.subarray(ko), dS, Q, { m: T, n: D, k: T, transA: true, lda: T, ldb: Hq * D, ldc: Hkv * D, alpha: scale, beta: 1 });
    });
  } finally {
    ops.release();
  }
}
