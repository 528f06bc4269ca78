// Launch geometry of every CUDA kernel: grid and block sizes, dynamic shared memory and workspace
// bytes, and the limits a shape must meet (checked here, before anything reaches the GPU). Pure
// arithmetic, so it is tested without a GPU; the .cu files state the same contracts in their headers.
import { UserError } from '../../util/errors.ts';
import { infoOnce } from '../../util/log.ts';
import type { Storage } from './kernel-source.ts';

export interface Launch {
  grid: { x: number; y: number; z: number };
  block: { x: number; y: number; z: number };
  sharedBytes: number;
}

/** Threads per block of the elementwise kernels (grid-stride loops: any grid size is correct). */
export const ELEMENTWISE_THREADS = 256;
/** Enough blocks to fill an H100/H200 many times over; the loops stride beyond it. */
export const MAX_ELEMENTWISE_BLOCKS = 132 * 32;
export const MAX_GRID_X = 2 ** 31 - 1;
export const MAX_GRID_YZ = 65535;
/** The dynamic shared memory a launch may use without a cuFuncSetAttribute raising the function's limit. */
export const DEFAULT_SHARED_LIMIT = 48 * 1024;
/** Floats of the block reductions' shared scratch (one per warp). */
const SCRATCH_FLOATS = 32;

/**
 * Why our tensor-core kernels (mma.sync on bf16, cp.async: the flash kernels, gemm_small_k, lora_grad_up) cannot run on
 * a GPU of architecture `arch` (sm_75, sm_90a, ...) — "compute capability 7.5 (it needs 8.0 or newer)", where their
 * modules do not compile — or null where they can.
 */
export function tensorCoreRefusal(arch: string): string | null {
  const sm = Number(/^sm_(\d+)/.exec(arch)?.[1] ?? 0);
  return sm >= 80 ? null : `compute capability ${Math.floor(sm / 10)}.${sm % 10} (it needs 8.0 or newer)`;
}

/**
 * Whether a tensor-core variant that `envVar`=1 asks for can run on a GPU of architecture `arch` (tensorCoreRefusal);
 * where it cannot, says so once, with what runs `instead`.
 */
export function tensorCoreVariantRunsOn(arch: string, envVar: string, instead: string): boolean {
  const why = tensorCoreRefusal(arch);
  if (why) infoOnce(`${envVar} ${arch}`, `cuda backend: ${envVar}=1 does not run on ${why}: ${instead}`);
  return why === null;
}

/** The attention kernels: threads per block, accumulators per thread (D ≤ threads · maxAcc). */
export const ATTENTION = { threads: 128, maxAcc: 4 } as const;

const dim = (x: number, y = 1, z = 1): Launch['grid'] => ({ x, y, z });

function need(ok: boolean, what: string): void {
  if (!ok) throw new UserError(`CUDA launch: ${what}`);
}

/** add, axpy, scale, fill, dropout, swiglu, rope (n = N·D/2), gather/scatter (n = R·C), adamw, reduce_sum, convert. */
export function elementwise(n: number): Launch {
  need(Number.isSafeInteger(n) && n >= 0, `element count ${n} is not a non-negative integer`);
  const blocks = Math.min(Math.max(1, Math.ceil(n / ELEMENTWISE_THREADS)), MAX_ELEMENTWISE_BLOCKS);
  return { grid: dim(blocks), block: dim(ELEMENTWISE_THREADS), sharedBytes: 0 };
}

/**
 * rmsnorm forward/backward, cross-entropy and row_norms: one block per row, a multiple of 32 threads up to 1024, a thread
 * per `perThread` columns.
 */
export function rowwise(rows: number, cols: number, perThread = 1): Launch {
  need(rows <= MAX_GRID_X, `${rows} rows exceed the grid limit ${MAX_GRID_X}`);
  need(cols >= 1 && cols < 2 ** 31, `row length ${cols} out of range`);
  const threads = Math.min(1024, Math.max(32, Math.ceil(cols / perThread / 32) * 32));
  return { grid: dim(Math.max(1, rows)), block: dim(threads), sharedBytes: 0 };
}

/**
 * The columns of a row each RMSNorm thread takes: two 16-byte loads of bf16. At hidden 4096 a row gets 256 threads — a
 * thread a column (1024 threads) left half of them without a 16-byte load (rmsnorm.cu's VEC = 8) and let two rows share
 * an SM at a time, through a 32-warp reduction each (device run 1: 20.6 µs forward and 28.3 backward at 2048 × 4096,
 * against ≈ 7 and 12 at the memory's speed).
 */
export const RMSNORM_COLUMNS_PER_THREAD = 16;

/** column_dots' block (kernels/dora.cu's DOTS_COLUMNS × DOTS_SLICES): a thread per column of 32, a warp per row slice. */
export const COLUMN_DOTS = { columns: 32, slices: 32 } as const;

function checkColumns(rows: number, cols: number): void {
  need(Number.isInteger(rows) && rows >= 0 && rows < 2 ** 31, `${rows} rows out of range`);
  need(Number.isInteger(cols) && cols >= 0 && cols < 2 ** 31, `row length ${cols} out of range`);
}

/** The rows a thread of scale_columns and column_dots loads at once (kernels/dora.cu's DORA_ROWS). */
export const DORA_ROWS = 4;

/**
 * scale_columns: a thread per column (blocks of up to 256 along x), blocks along y striding over the rows DORA_ROWS at a
 * time — as many as bring the grid to about MAX_ELEMENTWISE_BLOCKS, so that each thread's num/den serves many rows.
 */
export function columnScale(rows: number, cols: number): Launch {
  checkColumns(rows, cols);
  const threads = Math.min(ELEMENTWISE_THREADS, Math.max(32, Math.ceil(cols / 32) * 32));
  const x = Math.ceil(cols / threads);
  const y = Math.min(Math.ceil(rows / DORA_ROWS), Math.max(1, Math.floor(MAX_ELEMENTWISE_BLOCKS / Math.max(1, x)))); // below MAX_GRID_YZ
  return { grid: dim(x, rows === 0 ? 0 : y), block: dim(threads), sharedBytes: 0 };
}

/** column_dots: one block per 32 columns, each summing every row (R = 0 still adds 0 / den to out, as the CPU does). */
export function columnDots(rows: number, cols: number): Launch {
  checkColumns(rows, cols);
  return { grid: dim(Math.ceil(cols / COLUMN_DOTS.columns)), block: dim(COLUMN_DOTS.columns, COLUMN_DOTS.slices), sharedBytes: 0 };
}

export interface AttentionDims {
  B: number;
  T: number;
  Hq: number;
  Hkv: number;
  D: number;
}

function checkAttention(s: AttentionDims): void {
  need(s.Hkv > 0 && s.Hq % s.Hkv === 0, `${s.Hq} query heads are not a multiple of ${s.Hkv} KV heads`);
  need(s.D <= ATTENTION.threads * ATTENTION.maxAcc, `head dimension ${s.D} exceeds the attention kernel's ${ATTENTION.threads * ATTENTION.maxAcc}`);
  need(s.T <= MAX_GRID_X && s.Hq <= MAX_GRID_YZ && s.B <= MAX_GRID_YZ, `attention shape ${JSON.stringify(s)} exceeds the grid limits`);
}


/** Bytes of a stored element and of a `real` (the kernels' math) in a kernel variant. */
export function variantBytes(variant: Storage): { store: number; real: number } {
  return variant === 'bf16' ? { store: 2, real: 4 } : variant === 'f32' ? { store: 4, real: 4 } : { store: 8, real: 8 };
}

/**
 * The row stride, in elements, of the key (or query) rows the attention kernels stage in shared memory: D and
 * one 4-byte word more (kernels/attention.cu's ATTN_ROW_STRIDE), so the threads that each read their own row at
 * the same column hit different banks.
 */
export function attentionRowStride(D: number, storeBytes: number): number {
  return D + Math.max(1, 4 / storeBytes);
}

/** An attention kernel's launch and its tile: the keys (or queries) it stages in shared memory at once. */
export interface AttentionLaunch extends Launch {
  tile: number;
}

/**
 * An attention kernel's launch for shape `s` in `variant`: shared memory holds `reals(tile)` values of the variant's
 * `real`, then `rowArrays` arrays of the tile's staged rows (tile × attentionRowStride, as stored); the tile — the
 * keys (or queries) staged at once, a power of two up to a thread each — is the largest that fits the default 48 KiB.
 */
function attentionLaunch(s: AttentionDims, variant: Storage, grid: Launch['grid'], reals: (tile: number) => number, rowArrays: number): AttentionLaunch {
  checkAttention(s);
  const b = variantBytes(variant), stride = attentionRowStride(s.D, b.store);
  const bytes = (tile: number): number => b.real * reals(tile) + rowArrays * b.store * tile * stride;
  let tile = ATTENTION.threads;
  while (tile > 1 && bytes(tile) > DEFAULT_SHARED_LIMIT) tile /= 2;
  return { grid, block: dim(ATTENTION.threads), sharedBytes: bytes(tile), tile };
}

/** attention_forward: one block per (query, head, row); q (D), the tile's scores and a reduction's scratch, then the tile's key rows. */
export function attentionForward(s: AttentionDims, variant: Storage = 'f32'): AttentionLaunch {
  return attentionLaunch(s, variant, dim(s.T, s.Hq, s.B), (tile) => s.D + tile + SCRATCH_FLOATS, 1);
}

/**
 * attention_backward_dq: as the forward, with dO beside q (2·D); one array of rows, V's then K's. It also writes
 * rowdot (attentionWorkspaceBytes).
 */
export function attentionBackwardDq(s: AttentionDims, variant: Storage = 'f32'): AttentionLaunch {
  return attentionLaunch(s, variant, dim(s.T, s.Hq, s.B), (tile) => 2 * s.D + tile + SCRATCH_FLOATS, 1);
}

/** attention_backward_dkv: one block per (key, KV head, row); k_j, v_j (2·D) and the tile's P and dS, then its Q and dO rows. */
export function attentionBackwardDkv(s: AttentionDims, variant: Storage = 'f32'): AttentionLaunch {
  return attentionLaunch(s, variant, dim(s.T, s.Hkv, s.B), (tile) => 2 * s.D + 2 * tile, 2);
}

/** The flash kernels' tiles: 64 queries (4 warps of 16) and 64 keys (kernels/flash.cuh's FA_BQ, FA_BK), and their threads. */
export const FLASH = { queries: 64, keys: 64, threads: 128 } as const;

/**
 * The flash kernels' grid: (query head, tile of `rows` queries or keys, row) — the tiles of every head at one tile index
 * run together.
 */
function flashGrid(s: AttentionDims, rows: number = FLASH.queries): Launch['grid'] {
  need(s.Hkv > 0 && s.Hq % s.Hkv === 0, `${s.Hq} query heads are not a multiple of ${s.Hkv} KV heads`);
  const tiles = Math.max(1, Math.ceil(s.T / rows));
  need(tiles <= MAX_GRID_YZ && s.B <= MAX_GRID_YZ, `attention shape ${JSON.stringify(s)} exceeds the grid limits`);
  return dim(s.Hq, tiles, s.B);
}

/** The queries a block of the flash forward takes: 64 (16 a warp, the default) or 128 (32 a warp: flash_attention_forward_q128_d*). */
export type FlashForwardQueries = 64 | 128;

/**
 * flash_attention_forward_d* (queries 64) and _q128_d* (queries 128): one block of 4 warps per `queries` queries of one
 * head and row, the last query tile's blocks first (blockIdx.y counts down the tiles); dynamic shared memory for two
 * stages of the K and V tiles (64 × (D + 8) bf16 each) and their key segments (64 × 4 bytes), and with 128 queries the
 * Q tile before them (128 × (D + 8) bf16): at D = 128, 70,144 and 104,960 bytes (two blocks an SM either way).
 */
export function flashAttentionForward(s: AttentionDims, queries: FlashForwardQueries = FLASH.queries): Launch {
  const K = FLASH.keys, qTile = queries === 128 ? 2 * queries * (s.D + 8) : 0;
  return { grid: flashGrid(s, queries), block: dim(FLASH.threads), sharedBytes: qTile + 2 * (2 * 2 * K * (s.D + 8) + 4 * K) };
}

/** The keys a block of the flash backward takes: 64 (4 warps, the default) or 128 (8 warps: flash_attention_backward_k128_d*). */
export type FlashBackwardKeys = 64 | 128;

/**
 * flash_attention_backward_d* (keys 64) and _k128_d* (keys 128): one block of keys / 16 warps per `keys` keys of one
 * query head and row, the key tiles along y; dynamic shared memory for the K and V tiles (keys × (D + 8) bf16 each), two
 * stages of the Q and dO tiles (64 × (D + 8) each), P/dS (64 × (keys + 8) bf16), two stages of the query tile's lse,
 * rowdot and segments (64 × 4 bytes each), and the key segments (keys × 4 bytes): at D = 128, 115,456 bytes with 64
 * keys, two blocks an SM within sm_90's 228 KiB (each block also holds 1 KiB the system reserves), and 158,720 bytes
 * with 128 keys, one block an SM.
 */
export function flashAttentionBackward(s: AttentionDims, keys: FlashBackwardKeys = FLASH.keys): Launch {
  const Q = FLASH.queries, warps = keys / 16;
  return { grid: flashGrid(s, keys), block: dim(warps * 32),
    sharedBytes: 2 * ((2 * keys + 4 * Q) * (s.D + 8) + Q * (keys + 8)) + 4 * (2 * 3 * Q + keys) };
}

/** Bytes of the backward's rowdot workspace (B, Hq, T) of the exact dtype (realBytes 4, or 8 for f64). */
export function attentionWorkspaceBytes(s: AttentionDims, realBytes = 4): number {
  return realBytes * s.B * s.Hq * s.T;
}

/** The fallback GEMM's tile of C (kernels/gemm_fallback.cu's GF_TILE): one block of TILE × TILE threads each. */
export const GEMM_FALLBACK_TILE = 16;

/**
 * gemm_fallback(_exact): one block per 16×16 tile of C (row tile · column tiles + column tile along x), batch
 * entries along z (at most 65535 blocks; the kernel strides past them). Its sizes and leading dimensions are ints
 * (row and column indices up to m and n plus a tile, k plus a tile, a batch index plus the grid's z).
 */
export function gemmFallback(g: { m: number; n: number; k: number; lda: number; ldb: number; ldc: number; batch: number }): Launch {
  const t = GEMM_FALLBACK_TILE;
  const tiles = Math.ceil(g.m / t) * Math.ceil(g.n / t);
  need(g.m < 2 ** 31 - t && g.n < 2 ** 31 - t && tiles <= MAX_GRID_X, `GEMM of ${g.m}×${g.n} exceeds the fallback kernel's grid`);
  // k and batch as m and n: the kernel's k0 += tile and bt += gridDim.z pass them by up to a step, which must stay an int
  need(g.k < 2 ** 31 - t && g.batch < 2 ** 31 - MAX_GRID_YZ && [g.lda, g.ldb, g.ldc].every((v) => v < 2 ** 31),
    `GEMM of ${g.m}×${g.n}×${g.k} (lda ${g.lda}, ldb ${g.ldb}, ldc ${g.ldc}, batch ${g.batch}) exceeds the fallback kernel's int sizes`);
  return { grid: dim(tiles, 1, Math.min(g.batch, MAX_GRID_YZ)), block: dim(t, t), sharedBytes: 0 };
}

/** gemm_small_k's tile of C and block (kernels/gemm_small_k.cu's SK_BM, SK_BN, SK_WARPS), and the largest k it takes (SK_MAX_K). */
export const SMALL_K = { rows: 64, cols: 128, threads: 128, maxK: 64 } as const;

/** gemm_small_k: one block of SMALL_K.threads per SMALL_K.rows × SMALL_K.cols tile of C, column tiles along x, row tiles along y. */
export function gemmSmallK(g: { m: number; n: number }): Launch {
  const rows = Math.ceil(g.m / SMALL_K.rows), cols = Math.ceil(g.n / SMALL_K.cols);
  need(rows <= MAX_GRID_YZ && cols <= MAX_GRID_X, `GEMM of ${g.m}×${g.n} exceeds the small-k kernel's grid`);
  return { grid: dim(cols, rows), block: dim(SMALL_K.threads), sharedBytes: 0 };
}

/**
 * lora_grad_up (kernels/lora_grad_up.cu): blocks of `threads` over `cols` columns of dy and a span of rows; the
 * kernels for ranks up to 16, 32 and 64, and the blocks of each an SM holds where the driver cannot say (its occupancy
 * query, lora-grad-up.ts; ptxas of CUDA 13.0, sm_90a: 72, 126 and 162 registers a thread of 128, 7, 4 and 3 blocks of an
 * SM's 64K registers; their shared memory, 26, 32 and 44 KiB a block and 1 KiB reserved, allows 8, 6 and 5 of 228 KiB;
 * nvrtc-compile.test.ts checks the table against NVRTC's cubins); the f32 accumulator of dz
 * its host keeps (`accFloats`: N · r rounded up to 16, at most), zeroed between calls.
 */
export const LORA_GRAD_UP = {
  cols: 128, rows: 64, threads: 128, ranks: [16, 32, 64], blocksPerSm: [7, 4, 3], maxR: 64, accFloats: 2 ** 19,
} as const;

/** The index in LORA_GRAD_UP.ranks of the kernel that takes rank r: the smallest rank that holds it. */
export function loraGradUpRank(r: number): number {
  const i = LORA_GRAD_UP.ranks.findIndex((k) => r <= k);
  need(i >= 0, `rank ${r} above the LoRA gradient kernel's ${LORA_GRAD_UP.maxR}`);
  return i;
}

/**
 * lora_grad_up's grid for dy of N × out at rank r on `multiprocessors` SMs that hold `perSm` of its blocks each: out in
 * column blocks along x, N in spans of
 * whole 64-row tiles along y, as many spans as the SMs hold at once beside the column blocks (one wave: each span adds
 * its share of ∂B by atomics once; fewer spans, fewer of them; a second, partial wave would cost a whole block's time).
 * Its spans' rows, the kernel's rows_per_block, with it.
 */
export function loraGradUp(N: number, out: number, r: number, multiprocessors: number,
  perSm: number = LORA_GRAD_UP.blocksPerSm[loraGradUpRank(r)]!): Launch & { rowsPerBlock: number } {
  const cols = Math.ceil(out / LORA_GRAD_UP.cols), tiles = Math.max(1, Math.ceil(N / LORA_GRAD_UP.rows));
  need(cols <= MAX_GRID_X, `${out} columns exceed the LoRA gradient kernel's grid`);
  const resident = perSm * multiprocessors;
  const spans = Math.min(tiles, MAX_GRID_YZ, Math.max(1, Math.floor(resident / cols)));
  const rowsPerBlock = Math.ceil(tiles / spans) * LORA_GRAD_UP.rows;
  return { grid: dim(cols, Math.ceil(N / rowsPerBlock) || 1), block: dim(LORA_GRAD_UP.threads), sharedBytes: 0, rowsPerBlock };
}

/** finish_sum: one block adding reduce_sum's partials (at most MAX_ELEMENTWISE_BLOCKS) in a fixed order. */
export function finishSum(): Launch {
  return { grid: dim(1), block: dim(ELEMENTWISE_THREADS), sharedBytes: 0 };
}

/** clip_coefficient: a single thread (launched as one warp). */
export function clipCoefficient(): Launch {
  return { grid: dim(1), block: dim(32), sharedBytes: 0 };
}

/**
 * The dropout kernel's integer threshold: keep when hash ≥ ceil(p · 2³²), which is exactly the CPU's
 * hash / 2³² ≥ p (p · 2³² is exact in double for p in [0, 1)).
 */
export function dropoutThreshold(p: number): bigint {
  need(p >= 0 && p < 1, `dropout probability ${p} outside [0, 1)`);
  return BigInt(Math.ceil(p * 2 ** 32));
}

/** random_normal's seed and counters: integers in [0, 2^53), as the CPU reference computes them exactly. */
export function checkCounter(seed: number, offset: number, n: number): void {
  need(Number.isSafeInteger(seed) && seed >= 0, `random seed ${seed} is not an integer in [0, 2^53)`);
  need(Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(offset + n), `random counters [${offset}, ${offset + n}) outside [0, 2^53)`);
}

/** AdamW's host-side constants (torch semantics): decay = 1 − lr·wd, stepSize = lr / (1 − β1^t), bc2Sqrt = sqrt(1 − β2^t). */
export function adamwConstants(h: { lr: number; beta1: number; beta2: number; weightDecay: number; step: number }): { decay: number; stepSize: number; bc2Sqrt: number } {
  need(Number.isInteger(h.step) && h.step >= 1, `AdamW step ${h.step} must be an integer ≥ 1`);
  return { decay: 1 - h.lr * h.weightDecay, stepSize: h.lr / (1 - h.beta1 ** h.step), bc2Sqrt: Math.sqrt(1 - h.beta2 ** h.step) };
}
