// Masked softmax attention with GQA, as HF's eager attention computes it, and its backward.
// Per (row b, KV head): S = scale·Q·Kᵀ by GEMM, the mask (causal, sliding window, segments for padding
// and packing), softmax with the log-sum-exp saved, O = P·V. The backward recomputes P from the saved
// log-sum-exp, as flash attention does, so nothing of size T² is kept between the passes.
// Work goes in blocks (FORWARD, BACKWARD: 256 GEMM rows, 64 queries per head): the query heads that share
// a KV head (GQA), copied head-major into a packed buffer, times a causal block of queries, whose scores
// stop at its last query's key. So each GEMM is one call over the group's heads (n·rows × D by D × keys; the
// backward's dK and dV sum the heads inside the GEMM), and the keys the mask hides are skipped: 37.5% of
// the GEMM work at T = 256 (4 heads × 64 queries), 47% at T = 1,024 (timings: docs/cpu-performance.md).
import type { AttentionShape, GemmSpec } from '../../backend.ts';
import type { FloatArray } from '../../dtype.ts';

export type GemmFn = (c: FloatArray, a: FloatArray, b: FloatArray, spec: GemmSpec) => void;

/** What the attention loops need: a GEMM, work buffers, the three row kernels and the block copies (TypeScript or SIMD). */
export interface AttentionOps {
  gemm: GemmFn;
  /**
   * Work buffers valid for one call of T queries over K keys: S and dS (T·K each), rowDot and lse (T), pack
   * (2·T·D: two packed T × D operands); q and k are the call's operands.
   */
  workspace(T: number, K: number, q: FloatArray, k: FloatArray, D?: number):
    { S: FloatArray; dS: FloatArray; rowDot: FloatArray; lse: FloatArray; pack: FloatArray };
  /** Rows of S (T, K) to probabilities, lse (T) written; row r is the query at key index off + r mod period (default T). */
  maskedSoftmax(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null, period?: number): void;
  probsFromLse(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null, period?: number): void;
  /**
   * Copies a block's heads × rows vectors of D between x (the (tokens, heads·D) layout: head j of query i at
   * base + i·ld + j·D) and the packed p (head-major: at (j·rows + i)·D); toPacked: x → p, else p → x.
   */
  pack(p: FloatArray, x: FloatArray, base: number, heads: number, rows: number, D: number, ld: number, toPacked: boolean): void;
  /** rowDot (heads·rows) = Σ_d dO·O per block row, in float64: dO packed, O in x's layout at base (as pack). */
  rowDots(rowDot: FloatArray, dO: FloatArray, O: FloatArray, base: number, heads: number, rows: number, D: number, ld: number): void;
  /** dS = P ∘ (dS − rowDot) row by row, in place over dS (T, K). */
  dScores(dS: FloatArray, P: FloatArray, rowDot: FloatArray, T: number, K: number): void;
  /** The call is over: the workspace may be reused. */
  release(): void;
}

/** The reference implementation of the row kernels, in TypeScript. */
export function typescriptAttentionOps(gemm: GemmFn): AttentionOps {
  return {
    gemm,
    workspace: (T, K, q, _k, D = 0) => ({ S: scratch(q, T * K), dS: scratch(q, T * K), rowDot: scratch(q, T), lse: scratch(q, T), pack: scratch(q, 2 * T * D) }),
    maskedSoftmax, probsFromLse, pack: packRows, rowDots,
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
 * Turns scores S (T, K) into probabilities in place and writes lse (T). seg is the batch row's (K) segment
 * ids; score row i is the query at key index off + i mod period (period: queries per head of a block).
 */
export function maskedSoftmax(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null, period = T): void {
  for (let i = 0; i < T; i++) {
    const row = i * K, a = off + (i % period);
    const si = seg[a]!;
    const lo = keyRange(a, window);
    let max = -Infinity;
    if (si >= 0) {
      for (let j = lo; j <= a; j++) if (seg[j] === si && S[row + j]! > max) max = S[row + j]!;
    }
    if (max === -Infinity && si < 0) {
      // a padded query: no output, no gradient
      S.fill(0, row, row + K);
      lse[i] = -Infinity;
      continue;
    }
    // any other query sees its own key: no maximum means its scores are all NaN (a NaN in q or k), which comes out NaN,
    // as from a plain softmax (a NaN score among finite ones does so through the exponentials)
    if (max === -Infinity) max = NaN;
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

/** Recomputes P (T, K) in place over the scores S from the saved lse; row i is the query at key index off + i mod period. */
export function probsFromLse(S: FloatArray, lse: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null, period = T): void {
  for (let i = 0; i < T; i++) {
    const row = i * K, a = off + (i % period);
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

/**
 * Block sizes: the forward's blocks have up to 256 GEMM rows (query heads × queries: 64-query blocks of one
 * head lost, to 4× more, smaller BLAS calls); the backward's up to 64 queries per head (its five GEMMs
 * per block gain more from the causal skipping).
 */
const FORWARD = { rows: 256, queries: Infinity };
const BACKWARD = { rows: Infinity, queries: 64 };

/** One block: query heads h0 .. h0 + heads of one KV head kvh, queries i0 .. i0 + rows of batch row b, keys [0, kEnd). */
interface Block { b: number; kvh: number; h0: number; heads: number; i0: number; rows: number; kEnd: number }

/**
 * Calls fn for each block of at most min(T, size.rows) GEMM rows (so the workspace of T rows holds it):
 * as many query heads of a KV group as fit, times as many queries (at most size.queries) as fit with them.
 */
function forEachBlock(s: AttentionShape, off: number, size: { rows: number; queries: number }, fn: (blk: Block) => void): void {
  const { B, T, Hq, Hkv } = s;
  if (T === 0) return; // no queries, no blocks (and no zero-sized block step below)
  const group = Hq / Hkv, cap = Math.min(T, size.rows);
  const heads = Math.min(group, cap), per = Math.min(size.queries, Math.floor(cap / heads));
  for (let b = 0; b < B; b++) {
    for (let kvh = 0; kvh < Hkv; kvh++) {
      for (let j0 = 0; j0 < group; j0 += heads) {
        for (let i0 = 0; i0 < T; i0 += per) {
          const rows = Math.min(per, T - i0);
          fn({ b, kvh, h0: kvh * group + j0, heads: Math.min(heads, group - j0), i0, rows, kEnd: off + i0 + rows });
        }
      }
    }
  }
}

function scratch(like: FloatArray, n: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/** Offset in (B, T, Hq·D) of the block's first query of head h0. */
const qAt = (s: AttentionShape, blk: Block): number => ((blk.b * s.T + blk.i0) * s.Hq + blk.h0) * s.D;
/** Offset in (B, K, Hkv·D) of the block's KV head. */
const kAt = (s: AttentionShape, K: number, blk: Block): number => blk.b * K * s.Hkv * s.D + blk.kvh * s.D;
/** Offset in lse (B, Hq, T) of head h0 + j's first query of the block. */
const lseAt = (s: AttentionShape, blk: Block, j: number): number => (blk.b * s.Hq + blk.h0 + j) * s.T + blk.i0;

/** AttentionOps.pack in TypeScript. */
export function packRows(p: FloatArray, x: FloatArray, base: number, heads: number, rows: number, D: number, ld: number, toPacked: boolean): void {
  let o = 0;
  for (let j = 0; j < heads; j++) {
    for (let i = 0; i < rows; i++, o += D) {
      const at = base + i * ld + j * D;
      if (toPacked) for (let d = 0; d < D; d++) p[o + d] = x[at + d]!;
      else for (let d = 0; d < D; d++) x[at + d] = p[o + d]!;
    }
  }
}

/** AttentionOps.rowDots in TypeScript. */
export function rowDots(rowDot: FloatArray, dO: FloatArray, O: FloatArray, base: number, heads: number, rows: number, D: number, ld: number): void {
  for (let j = 0; j < heads; j++) {
    for (let i = 0; i < rows; i++) {
      const at = base + i * ld + j * D, g = (j * rows + i) * D;
      let acc = 0;
      for (let d = 0; d < D; d++) acc += dO[g + d]! * O[at + d]!;
      rowDot[j * rows + i] = acc;
    }
  }
}

/**
 * rowDot of each row whose query sees one key alone (a segment's first token; every token under a window of 1): that
 * key's dP, the Σ_j P·dP of torch's softmax backward there, so dS = P ∘ (dP − rowDot) is exactly 0 as torch's is.
 * Σ_d dO·O is the same sum in exact arithmetic but rounds apart from the GEMM's dP: those queries and keys got
 * gradients of rounding noise (~1e-8·|dP|) where HF's are exactly 0, which AdamW's g / (|g| + eps) turned into steps
 * of up to lr (q_proj / k_proj adapters under sliding_window 1 ended 14% away from PEFT's). Rows as probsFromLse's.
 */
export function singleKeyRowDots(rowDot: FloatArray, dP: FloatArray, seg: Int32Array, T: number, K: number, off: number, window: number | null, period = T): void {
  for (let i = 0; i < T; i++) {
    const a = off + (i % period), si = seg[a]!;
    if (si < 0) continue; // a padded query: P is 0
    const lo = keyRange(a, window);
    let j = a - 1;
    while (j >= lo && seg[j] !== si) j--;
    if (j < lo) rowDot[i] = dP[i * K + a]!;
  }
}

export function attentionForward(
  out: FloatArray, lse: FloatArray, q: FloatArray, k: FloatArray, v: FloatArray, seg: Int32Array,
  s: AttentionShape, ops: AttentionOps,
): void {
  const { T, Hkv, D, scale, window } = s;
  const K = s.kvLen ?? T, off = s.qOffset ?? 0;
  if (off + T > K) throw new Error(`attention: ${T} queries at offset ${off} exceed ${K} keys`);
  const { gemm } = ops;
  // S: a block's scores, then probabilities; pack: its queries, then its outputs
  const { S, lse: lseRows, pack } = ops.workspace(T, K, q, k, D);
  try {
    forEachBlock(s, off, FORWARD, (blk) => {
      const R = blk.heads * blk.rows, kv = kAt(s, K, blk), kEnd = blk.kEnd;
      const at = qAt(s, blk), ld = s.Hq * D;
      ops.pack(pack, q, at, blk.heads, blk.rows, D, ld, true);
      gemm(S, pack, k.subarray(kv), { m: R, n: kEnd, k: D, transB: true, lda: D, ldb: Hkv * D, ldc: kEnd, alpha: scale });
      ops.maskedSoftmax(S, lseRows, seg.subarray(blk.b * K, (blk.b + 1) * K), R, kEnd, off + blk.i0, window, blk.rows);
      gemm(pack, S, v.subarray(kv), { m: R, n: D, k: kEnd, lda: kEnd, ldb: Hkv * D, ldc: D });
      ops.pack(pack, out, at, blk.heads, blk.rows, D, ld, false);
      for (let j = 0; j < blk.heads; j++) lse.set(lseRows.subarray(j * blk.rows, (j + 1) * blk.rows), lseAt(s, blk, j));
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
  // P, dS: a block's probabilities and score gradients; rowDot Σ_d dO·O and lse per block row; pack: Q (then dQ) and dO
  const { S: P, dS, rowDot, lse: lseRows, pack } = ops.workspace(T, T, q, k, D);
  dk.fill(0, 0, B * T * Hkv * D);
  dv.fill(0, 0, B * T * Hkv * D);
  const ld = Hq * D;
  try {
    forEachBlock(s, 0, BACKWARD, (blk) => {
      const R = blk.heads * blk.rows, kv = kAt(s, T, blk), kEnd = blk.kEnd;
      const Q = pack.subarray(0, R * D), dO = pack.subarray(R * D, 2 * R * D);
      const K = k.subarray(kv), V = v.subarray(kv);
      const at = qAt(s, blk);
      ops.pack(Q, q, at, blk.heads, blk.rows, D, ld, true);
      ops.pack(dO, dout, at, blk.heads, blk.rows, D, ld, true);
      ops.rowDots(rowDot, dO, out, at, blk.heads, blk.rows, D, ld);
      for (let j = 0; j < blk.heads; j++) lseRows.set(lse.subarray(lseAt(s, blk, j), lseAt(s, blk, j) + blk.rows), j * blk.rows);
      gemm(P, Q, K, { m: R, n: kEnd, k: D, transB: true, lda: D, ldb: Hkv * D, ldc: kEnd, alpha: scale });
      ops.probsFromLse(P, lseRows, seg.subarray(blk.b * T, (blk.b + 1) * T), R, kEnd, blk.i0, window, blk.rows);
      // dV += Pᵀ·dO (summed over the block's heads)
      gemm(dv.subarray(kv), P, dO, { m: kEnd, n: D, k: R, transA: true, lda: kEnd, ldb: D, ldc: Hkv * D, beta: 1 });
      // dP = dO·Vᵀ, then dS = P ∘ (dP − rowDot)
      gemm(dS, dO, V, { m: R, n: kEnd, k: D, transB: true, lda: D, ldb: Hkv * D, ldc: kEnd });
      singleKeyRowDots(rowDot, dS, seg.subarray(blk.b * T, (blk.b + 1) * T), R, kEnd, blk.i0, window, blk.rows);
      ops.dScores(dS, P, rowDot, R, kEnd);
      // dK += scale·dSᵀ·Q, then dQ = scale·dS·K over Q's packed copy
      gemm(dk.subarray(kv), dS, Q, { m: kEnd, n: D, k: R, transA: true, lda: kEnd, ldb: D, ldc: Hkv * D, alpha: scale, beta: 1 });
      gemm(Q, dS, K, { m: R, n: D, k: kEnd, lda: kEnd, ldb: Hkv * D, ldc: D, alpha: scale });
      ops.pack(Q, dq, at, blk.heads, blk.rows, D, ld, false);
    });
  } finally {
    ops.release();
  }
}
