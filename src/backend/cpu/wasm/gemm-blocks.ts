// How the SIMD GEMM takes operands that lie outside the kernels' memory a block at a time, so that no frame they are
// copied into outgrows a bound (a float32 LM head of 131072 × 5120, 2.7 GB, could not be framed whole in WebAssembly's
// 4 GiB): C in tiles of rows × columns, k in steps of whole KC blocks. The kernel sums each element of C over KC blocks
// of k in order, applying β with the first and adding the others to C (β = 1), so a step of k that starts on a KC block
// and runs with β = 1 computes what the kernel's own next KC block does: the same bits as one call, whatever the tiles.

import type { ResolvedGemm } from '../gemm.ts';
import { frameArrayBytes } from './arena.ts';

/** The kernel's k block (KC in kernels/sgemm.c): a step of k that cut one would change the order of the sums. */
export const GEMM_KC = 256;
/** The kernel's micro-tile (MR × NR in kernels/sgemm.c): tiles of C start on whole micro-panels. */
const GEMM_MR = 4, GEMM_NR = 8;

/** A tile of C (mb rows × nb columns) and a step of k (kb), as gemmTile cuts a GEMM. */
export interface GemmTile {
  readonly mb: number;
  readonly nb: number;
  readonly kb: number;
}

/**
 * Elements of a rows × cols block of a matrix `width` wide with rows ld apart, as it is framed: a block of whole rows
 * as the span it lies in (one copy, ld kept: a GEMM framed whole is copied as it was before blocks), else packed.
 */
function blockLength(rows: number, cols: number, width: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : cols === width ? (rows - 1) * ld + cols : rows * cols;
}

/** The stored blocks (rows, cols, width, ld) of A, B and C for tile `t` of `g`. */
function storedBlocks(g: ResolvedGemm, t: GemmTile): Array<[number, number, number, number]> {
  return [
    g.transA ? [t.kb, t.mb, g.m, g.lda] : [t.mb, t.kb, g.k, g.lda],
    g.transB ? [t.nb, t.kb, g.k, g.ldb] : [t.kb, t.nb, g.n, g.ldb],
    [t.mb, t.nb, g.n, g.ldc],
  ];
}

/** The elements a frame holds for a block of each operand outside the memory (`outside`: A, B, C; 0 for one inside) for tile `t`. */
export function blockFrameLengths(g: ResolvedGemm, t: GemmTile, outside: readonly [boolean, boolean, boolean]): [number, number, number] {
  const [a, b, c] = storedBlocks(g, t).map((blk, i) => (outside[i] ? blockLength(...blk) : 0));
  return [a!, b!, c!];
}

/** The bytes of a frame holding one block of each operand outside the memory for tile `t`. */
function tileFrameBytes(g: ResolvedGemm, t: GemmTile, outside: readonly [boolean, boolean, boolean]): number {
  return blockFrameLengths(g, t, outside).reduce((sum, n) => sum + frameArrayBytes(n, 4), 0);
}

/** Rough costs (estimates, in float32 elements copied) of a copy call (one row of a block whose rows are not contiguous)... */
const COPY_CALL_COST = 64;
/** ...and a call of the kernel (a pool dispatch, packing a block's first panels). */
const KERNEL_CALL_COST = 16384;

/**
 * The tile and k step of GEMM `g`: the whole GEMM when its operands outside the memory fit `bandBytes`, else of the tiles
 * that fit (each dimension halved some times, on whole micro-panels and KC blocks), the one that copies least: an
 * operand's blocks are copied again for each tile of the dimension it lacks, a block whose rows are not whole rows of
 * its matrix costs a copy per row, and every block a kernel call. None fits: the smallest.
 */
export function gemmTile(g: ResolvedGemm, outside: readonly [boolean, boolean, boolean], bandBytes: number): GemmTile {
  const whole: GemmTile = { mb: g.m, nb: g.n, kb: g.k };
  if (tileFrameBytes(g, whole, outside) <= bandBytes) return whole;
  const key = [g.m, g.n, g.k, g.lda, g.ldb, g.ldc, +g.transA, +g.transB, ...outside.map(Number), bandBytes].join();
  const known = tileChoices.byShape.get(key);
  if (known) return known;
  tileChoices.searches++;
  const t = searchTile(g, outside, bandBytes);
  if (tileChoices.byShape.size >= TILE_CHOICES_KEPT) tileChoices.byShape.clear();
  tileChoices.byShape.set(key, t);
  return t;
}

/**
 * gemmTile's choices by GEMM (shape, leading dimensions, operands outside, bound): a training step's GEMMs repeat every
 * step and a search takes milliseconds (hundreds of candidate tiles). `searches` counts the searches run.
 */
export const tileChoices = { byShape: new Map<string, GemmTile>(), searches: 0 };
/** The most choices tileChoices keeps (a run's GEMMs have a few dozen shapes; past it the map starts again). */
const TILE_CHOICES_KEPT = 1024;

/** gemmTile's search, for a GEMM whose outside operands do not fit `bandBytes` whole. */
function searchTile(g: ResolvedGemm, outside: readonly [boolean, boolean, boolean], bandBytes: number): GemmTile {
  // x, then halved (rounded up to a multiple of align) while that makes it smaller
  const halvings = (x: number, align: number): number[] => {
    const sizes = [x];
    for (;;) {
      const last = sizes[sizes.length - 1]!, h = Math.min(last, Math.max(align, Math.ceil(last / 2 / align) * align));
      if (h >= last) return sizes;
      sizes.push(h);
    }
  };
  let best: GemmTile | null = null, bestCost = Infinity;
  const ms = halvings(g.m, GEMM_MR), ns = halvings(g.n, GEMM_NR), ks = halvings(g.k, GEMM_KC);
  for (const mb of ms) {
    for (const nb of ns) {
      for (const kb of ks) {
        const t = { mb, nb, kb };
        if (tileFrameBytes(g, t, outside) > bandBytes) continue;
        const cost = tileCost(g, t, outside);
        if (cost < bestCost) [best, bestCost] = [t, cost];
      }
    }
  }
  return best ?? { mb: ms[ms.length - 1]!, nb: ns[ns.length - 1]!, kb: ks[ks.length - 1]! };
}

/** What gemmInBlocks spends copying GEMM `g`'s operands outside the memory in tiles `t` (COPY_CALL_COST, KERNEL_CALL_COST). */
function tileCost(g: ResolvedGemm, t: GemmTile, outside: readonly [boolean, boolean, boolean]): number {
  const tiles = (len: number, step: number): number => (len === 0 ? 1 : Math.ceil(len / step));
  const [tm, tn, tk] = [tiles(g.m, t.mb), tiles(g.n, t.nb), tiles(g.k, t.kb)];
  // A's block (i, p) is copied again for each tile of n unless it is the only one; B's (p, j) for each tile of m unless
  // k is one step; C's in and back out; a block of whole rows in one copy, another a copy per row
  const times = [tm * tk === 1 ? 1 : tm * tk * tn, tk === 1 ? tn : tn * tm * tk, 2 * tm * tn];
  let cost = KERNEL_CALL_COST * tm * tn * tk;
  storedBlocks(g, t).forEach(([rows, cols, width, ld], i) => {
    if (outside[i]) cost += times[i]! * (blockLength(rows, cols, width, ld) + COPY_CALL_COST * (cols === width ? 1 : rows));
  });
  return cost;
}

/** Where each block of `len` starts when cut in steps of `step`: [0] for an empty dimension (k = 0 still applies β). */
function blockStarts(len: number, step: number): number[] {
  const starts = [0];
  for (let at = step; at < len; at += step) starts.push(at);
  return starts;
}

/**
 * Copies the rows × cols block at (r0, c0) of the row-major matrix `a` (`width` wide, rows ld apart) into `frame` or back
 * from it: a block of whole rows as its span (rows ld apart there too), another packed (rows cols apart), a row at a time,
 * leaving the rest of each row alone. Returns the block's leading dimension in the frame.
 */
function copyBlock(a: Float32Array, ld: number, width: number, r0: number, c0: number, rows: number, cols: number, frame: Float32Array,
  toFrame: boolean): number {
  if (cols === width) {
    const at = r0 * ld, len = blockLength(rows, cols, width, ld);
    if (toFrame) frame.set(a.subarray(at, at + len));
    else a.set(frame.subarray(0, len), at);
    return ld;
  }
  for (let r = 0; r < rows; r++) {
    const at = (r0 + r) * ld + c0;
    if (toFrame) frame.set(a.subarray(at, at + cols), r * cols);
    else a.set(frame.subarray(r * cols, (r + 1) * cols), at);
  }
  return cols;
}

/** An operand of a blocked GEMM: its array, and the frame its blocks are copied into (null: read in place, in the memory). */
export type BlockOperand = readonly [Float32Array, Float32Array | null];

/**
 * Runs GEMM `g` tile by tile of C and step by step of k (`t`): `run` gets each block's GEMM and the byte offsets of its
 * operands, in place or copied into their frames (C's block copied back after its last step of k).
 */
export function gemmInBlocks(g: ResolvedGemm, t: GemmTile, [A, fA]: BlockOperand, [B, fB]: BlockOperand, [C, fC]: BlockOperand,
  run: (block: ResolvedGemm, a: number, b: number, c: number) => void): void {
  // the block at row r0, column c0 of a stored matrix: its byte offset and leading dimension, in place or copied into its
  // frame; `held` names the blocks of A and B the frames have, so one that the next tile also takes is not copied again
  const held = ['', ''];
  const block = (x: Float32Array, ld: number, width: number, f: Float32Array | null, r0: number, c0: number, rows: number, cols: number,
    slot?: 0 | 1): [number, number] => {
    if (!f) return [x.byteOffset + 4 * (r0 * ld + c0), ld];
    const key = `${r0},${c0},${rows},${cols}`;
    const fld = slot !== undefined && held[slot] === key ? (cols === width ? ld : cols) : copyBlock(x, ld, width, r0, c0, rows, cols, f, true);
    if (slot !== undefined) held[slot] = key;
    return [f.byteOffset, fld];
  };
  const [wA, wB] = [g.transA ? g.m : g.k, g.transB ? g.k : g.n];
  for (const j0 of blockStarts(g.n, t.nb)) {
    const n = Math.min(t.nb, g.n - j0);
    for (const i0 of blockStarts(g.m, t.mb)) {
      const m = Math.min(t.mb, g.m - i0);
      const [cAt, ldc] = block(C, g.ldc, g.n, fC, i0, j0, m, n);
      for (const p0 of blockStarts(g.k, t.kb)) {
        const k = Math.min(t.kb, g.k - p0);
        const [aAt, lda] = g.transA ? block(A, g.lda, wA, fA, p0, i0, k, m, 0) : block(A, g.lda, wA, fA, i0, p0, m, k, 0);
        const [bAt, ldb] = g.transB ? block(B, g.ldb, wB, fB, j0, p0, n, k, 1) : block(B, g.ldb, wB, fB, p0, j0, k, n, 1);
        // a later step of k adds to what the earlier ones wrote (β = 1), as the kernel's own next KC block does
        run({ ...g, m, n, k, lda, ldb, ldc, beta: p0 === 0 ? g.beta : 1 }, aAt, bAt, cAt);
      }
      if (fC) copyBlock(C, g.ldc, g.n, i0, j0, m, n, fC, false);
    }
  }
}
