// Attention forward against a naive reference (per query: visible keys, softmax in float64, weighted
// sum): causal, sliding window (HF: key j visible from query i when 0 ≤ i − j < window), padding
// (segment −1), packed segments, GQA down to one KV head, a KV-cache query offset; both GEMMs, f32 and f64.
import assert from 'node:assert/strict';
import type { AttentionShape, Backend } from '../../src/backend/backend.ts';
import { cudaAttentionFromEnv } from '../../src/backend/cuda/attention-path.ts';
import { withEnv } from '../helpers.ts';
import { test } from './device.ts';
import { assertClose, backends, download, randn, rng, stored, upload, type Float } from './util.ts';

interface Inputs {
  q: number[]; // (B, T, Hq·D)
  k: number[]; // (B, K, Hkv·D)
  v: number[]; // (B, K, Hkv·D)
  seg: number[]; // (B, K)
}

/** out (B, T, Hq·D) and lse (B, Hq, T) by the definition. */
function naive(x: Inputs, s: AttentionShape): { out: number[]; lse: number[] } {
  const { B, T, Hq, Hkv, D, scale, window } = s;
  const K = s.kvLen ?? T, off = s.qOffset ?? 0;
  const out = new Array<number>(B * T * Hq * D).fill(0);
  const lse = new Array<number>(B * Hq * T).fill(-Infinity);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hq; h++) {
      const kvh = Math.floor(h / (Hq / Hkv));
      for (let i = 0; i < T; i++) {
        const a = off + i; // the query's own key index
        const si = x.seg[b * K + a]!;
        const keys: number[] = [];
        for (let j = 0; j < K; j++) {
          const visible = si >= 0 && x.seg[b * K + j] === si && j <= a && (window === null || a - j < window);
          if (visible) keys.push(j);
        }
        if (keys.length === 0) continue;
        const scores = keys.map((j) => {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += x.q[((b * T + i) * Hq + h) * D + d]! * x.k[((b * K + j) * Hkv + kvh) * D + d]!;
          return dot * scale;
        });
        const max = Math.max(...scores);
        const z = scores.reduce((acc, sc) => acc + Math.exp(sc - max), 0);
        lse[(b * Hq + h) * T + i] = max + Math.log(z);
        keys.forEach((j, n) => {
          const p = Math.exp(scores[n]! - max) / z;
          for (let d = 0; d < D; d++) out[((b * T + i) * Hq + h) * D + d]! += p * x.v[((b * K + j) * Hkv + kvh) * D + d]!;
        });
      }
    }
  }
  return { out, lse };
}

/** dq, dk, dv by the definition (training shapes: K = T), in float64: P from the scores, dS = P∘(dP − Σ P·dP). */
function naiveBackward(x: Inputs, dout: number[], s: AttentionShape): { dq: number[]; dk: number[]; dv: number[] } {
  const { B, T, Hq, Hkv, D, scale, window } = s;
  const dq = new Array<number>(B * T * Hq * D).fill(0), dk = new Array<number>(B * T * Hkv * D).fill(0), dv = new Array<number>(B * T * Hkv * D).fill(0);
  const qa = (b: number, i: number, h: number, d: number): number => ((b * T + i) * Hq + h) * D + d;
  const ka = (b: number, j: number, h: number, d: number): number => ((b * T + j) * Hkv + h) * D + d;
  for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) {
    const kvh = Math.floor(h / (Hq / Hkv));
    for (let i = 0; i < T; i++) {
      const si = x.seg[b * T + i]!;
      const keys: number[] = [];
      for (let j = 0; j <= i; j++) if (si >= 0 && x.seg[b * T + j] === si && (window === null || i - j < window)) keys.push(j);
      if (keys.length === 0) continue;
      const sc = keys.map((j) => { let dot = 0; for (let d = 0; d < D; d++) dot += x.q[qa(b, i, h, d)]! * x.k[ka(b, j, kvh, d)]!; return dot * scale; });
      const max = Math.max(...sc), z = sc.reduce((acc, v) => acc + Math.exp(v - max), 0);
      const p = sc.map((v) => Math.exp(v - max) / z);
      const dp = keys.map((j) => { let dot = 0; for (let d = 0; d < D; d++) dot += dout[qa(b, i, h, d)]! * x.v[ka(b, j, kvh, d)]!; return dot; });
      const rowdot = p.reduce((acc, pj, n) => acc + pj * dp[n]!, 0);
      keys.forEach((j, n) => {
        const ds = p[n]! * (dp[n]! - rowdot);
        for (let d = 0; d < D; d++) {
          dq[qa(b, i, h, d)]! += scale * ds * x.k[ka(b, j, kvh, d)]!;
          dk[ka(b, j, kvh, d)]! += scale * ds * x.q[qa(b, i, h, d)]!;
          dv[ka(b, j, kvh, d)]! += p[n]! * dout[qa(b, i, h, d)]!;
        }
      });
    }
  }
  return { dq, dk, dv };
}

function randomInputs(s: AttentionShape, seg: number[], dtype: Float, seed: number): Inputs {
  const rand = rng(seed), K = s.kvLen ?? s.T;
  return {
    q: stored(randn(rand, s.B * s.T * s.Hq * s.D, 1.5), dtype),
    k: stored(randn(rand, s.B * K * s.Hkv * s.D, 1.5), dtype),
    v: stored(randn(rand, s.B * K * s.Hkv * s.D), dtype),
    seg,
  };
}

function run(be: Backend, x: Inputs, s: AttentionShape, dtype: Float): { out: number[]; lse: number[] } {
  const out = be.alloc(dtype, s.B * s.T * s.Hq * s.D), lse = be.alloc(dtype, s.B * s.Hq * s.T);
  be.fill(out, NaN); // every element must be written, padded queries included
  be.attentionForward(out, lse, upload(be, dtype, x.q), upload(be, dtype, x.k), upload(be, dtype, x.v), upload(be, 'i32', x.seg), s);
  return { out: download(be, out), lse: download(be, lse) };
}

const shape = (p: Partial<AttentionShape> & Pick<AttentionShape, 'B' | 'T'>): AttentionShape => {
  const D = p.D ?? 8;
  return { Hq: 4, Hkv: 4, D, scale: 1 / Math.sqrt(D), window: null, ...p };
};

const CASES: Array<{ what: string; s: AttentionShape; seg: number[] }> = [
  { what: 'causal', s: shape({ B: 2, T: 7 }), seg: new Array<number>(14).fill(0) },
  { what: 'causal, GQA 6 → 2 KV heads', s: shape({ B: 1, T: 9, Hq: 6, Hkv: 2 }), seg: new Array<number>(9).fill(0) },
  { what: 'sliding window 3, GQA 4 → 1 KV head', s: shape({ B: 2, T: 10, Hkv: 1, window: 3 }), seg: new Array<number>(20).fill(0) },
  {
    what: 'right padding (segment −1), window 4',
    s: shape({ B: 2, T: 8, Hkv: 2, window: 4 }),
    seg: [0, 0, 0, 0, 0, 0, 0, 0, /* row 1 */ 0, 0, 0, 0, 0, -1, -1, -1],
  },
  {
    what: 'packed segments with padding',
    s: shape({ B: 2, T: 9, Hkv: 2 }),
    seg: [0, 0, 0, 1, 1, 2, 2, 2, -1, /* row 1 */ 0, 1, 1, 1, 1, 1, 1, -1, -1],
  },
  {
    what: 'packed segments and a window of 2',
    s: shape({ B: 1, T: 9, Hkv: 1, window: 2, D: 4 }),
    seg: [0, 0, 0, 0, 1, 1, 1, 1, 1],
  },
  { what: 'a window longer than the row', s: shape({ B: 1, T: 5, window: 50 }), seg: [0, 0, 0, 0, 0] },
];

for (const { name, be } of backends()) {
  for (const dtype of ['f32', 'f64'] as const) {
    test(`attention forward (${name}, ${dtype}) equals the naive definition`, () => {
      const tol = dtype === 'f32' ? 2e-5 : 1e-12;
      CASES.forEach(({ what, s, seg }, n) => {
        const x = randomInputs(s, seg, dtype, 10 + n);
        const got = run(be, x, s, dtype), want = naive(x, s);
        assertClose(got.out, want.out, tol, `${what}: out`);
        assertClose(got.lse, want.lse, tol, `${what}: lse`);
        // padded queries produce zeros and lse −∞
        seg.forEach((sg, t) => {
          if (sg >= 0) return;
          const b = Math.floor(t / s.T), i = t % s.T;
          assert.ok(got.out.slice((b * s.T + i) * s.Hq * s.D, (b * s.T + i + 1) * s.Hq * s.D).every((o) => o === 0), `${what}: padded query ${t}`);
          for (let h = 0; h < s.Hq; h++) assert.equal(got.lse[(b * s.Hq + h) * s.T + i], -Infinity);
        });
      });
    });
  }

  test(`attention forward (${name}, bf16 storage, f32 lse) at head dims 64 and 128 — the CUDA flash kernel's shapes, up to four 64-key tiles — equals the naive definition`, () => {
    const WIDE: Array<{ what: string; s: AttentionShape; seg: number[] }> = [
      { what: 'D 64, GQA 4 → 2, packed segments and padding', s: shape({ B: 2, T: 70, Hkv: 2, D: 64 }),
        seg: [...Array.from({ length: 70 }, (_, j) => (j < 30 ? 0 : j < 66 ? 1 : -1)), ...new Array<number>(70).fill(0)] },
      { what: 'D 128, window 20, GQA 4 → 1', s: shape({ B: 1, T: 90, Hkv: 1, D: 128, window: 20 }), seg: new Array<number>(90).fill(0) },
      { what: 'D 64, a KV cache: 3 queries at key index 77', s: shape({ B: 1, T: 3, kvLen: 80, qOffset: 77, Hkv: 2, D: 64 }), seg: new Array<number>(80).fill(0) },
      // more key tiles than the flash forward's two shared-memory stages: each stage is refilled while in use elsewhere
      { what: 'D 64, 200 queries (up to 4 key tiles a block)', s: shape({ B: 1, T: 200, Hq: 2, Hkv: 1, D: 64 }), seg: new Array<number>(200).fill(0) },
      { what: 'D 64, window 150 over 300 queries (key tiles from unaligned starts)', s: shape({ B: 1, T: 300, Hq: 2, Hkv: 1, D: 64, window: 150 }), seg: new Array<number>(300).fill(0) },
      { what: 'D 128, a KV cache: 2 queries at key index 198', s: shape({ B: 1, T: 2, kvLen: 200, qOffset: 198, Hq: 2, Hkv: 1, D: 128 }), seg: new Array<number>(200).fill(0) },
    ];
    WIDE.forEach(({ what, s, seg }, n) => {
      const x = randomInputs(s, seg, 'bf16', 40 + n);
      const out = be.alloc('bf16', s.B * s.T * s.Hq * s.D), lse = be.alloc('f32', s.B * s.Hq * s.T);
      be.attentionForward(out, lse, upload(be, 'bf16', x.q), upload(be, 'bf16', x.k), upload(be, 'bf16', x.v), upload(be, 'i32', x.seg), s);
      const want = naive(x, s);
      // bf16 output (2⁻⁹ relative), and on CUDA's flash path P rounded to bf16 for its product
      assertClose(download(be, out), want.out, 2e-2, `${what}: out`);
      assertClose(download(be, lse), want.lse, 1e-4, `${what}: lse`);
    });
  });

  test(`attention backward (${name}, bf16 storage, f32 lse) at head dims 64 and 128 — the CUDA flash kernel's shapes — equals the definition`, () => {
    const WIDE: Array<{ what: string; s: AttentionShape; seg: number[] }> = [
      { what: 'D 64, GQA 4 → 2, packed segments and padding', s: shape({ B: 2, T: 70, Hkv: 2, D: 64 }),
        seg: [...Array.from({ length: 70 }, (_, j) => (j < 30 ? 0 : j < 66 ? 1 : -1)), ...new Array<number>(70).fill(0)] },
      { what: 'D 128, window 20, GQA 4 → 1', s: shape({ B: 1, T: 90, Hkv: 1, D: 128, window: 20 }), seg: new Array<number>(90).fill(0) },
      // a config may give any window: one that hides nothing must not wrap the kernels' int index arithmetic
      { what: 'D 64, a window of 2^31 − 1', s: shape({ B: 1, T: 70, Hkv: 2, D: 64, window: 2 ** 31 - 1 }), seg: new Array<number>(70).fill(0) },
      // more query tiles than the flash backward's two shared-memory stages: each stage is refilled while in use elsewhere
      { what: 'D 64, 200 queries (up to 4 query tiles a key block)', s: shape({ B: 1, T: 200, Hq: 2, Hkv: 1, D: 64 }), seg: new Array<number>(200).fill(0) },
      { what: 'D 128, window 150 over 300 queries (query tiles to unaligned ends)', s: shape({ B: 1, T: 300, Hq: 2, Hkv: 1, D: 128, window: 150 }), seg: new Array<number>(300).fill(0) },
      // query tiles 128.. and 192.. see every key of the first 128: the fully visible (unmasked) path of the 128-key blocks
      // at D = 128 (MISTRAL_TUNE_CUDA_FLASH_BWD128=1), which no other case here reaches
      { what: 'D 128, 256 queries (fully visible tiles of a 128-key block)', s: shape({ B: 1, T: 256, Hq: 2, Hkv: 1, D: 128 }), seg: new Array<number>(256).fill(0) },
    ];
    WIDE.forEach(({ what, s, seg }, n) => {
      const x = randomInputs(s, seg, 'bf16', 50 + n), rand = rng(60 + n);
      const dout = stored(randn(rand, s.B * s.T * s.Hq * s.D), 'bf16');
      const nq = s.B * s.T * s.Hq * s.D, nk = s.B * s.T * s.Hkv * s.D;
      const [q, k, v, segB] = [upload(be, 'bf16', x.q), upload(be, 'bf16', x.k), upload(be, 'bf16', x.v), upload(be, 'i32', x.seg)];
      const out = be.alloc('bf16', nq), lse = be.alloc('f32', s.B * s.Hq * s.T);
      be.attentionForward(out, lse, q, k, v, segB, s);
      const dq = be.alloc('bf16', nq), dk = be.alloc('bf16', nk), dv = be.alloc('bf16', nk);
      be.attentionBackward(dq, dk, dv, upload(be, 'bf16', dout), out, lse, q, k, v, segB, s);
      const want = naiveBackward(x, dout, s);
      // bf16 gradients (2⁻⁹ relative), and on CUDA's flash path P and dS rounded to bf16 for their products
      assertClose(download(be, dq), want.dq, 3e-2, `${what}: dq`);
      assertClose(download(be, dk), want.dk, 3e-2, `${what}: dk`);
      assertClose(download(be, dv), want.dv, 3e-2, `${what}: dv`);
    });
  });

  // CUDA's flash kernels skip the mask on 64×64 tiles every pair of which is visible (kernels/flash.cuh), and mask every
  // tile under MISTRAL_TUNE_CUDA_FLASH_INTERIOR=0: both settings on tiles of every kind — fully visible, diagonal, at the
  // window's edge, where packed samples' segments change, with keys all of another segment than the queries', a query
  // tile past T — against the definition and to each other's bits (the CPU ignores the variable; CUDA's other paths
  // too, so they skip this: ~1 s each of the emulated runs)
  const otherPath = name === 'cuda' && cudaAttentionFromEnv() !== 'flash' ? 'MISTRAL_TUNE_CUDA_ATTENTION is not flash: nothing reads MISTRAL_TUNE_CUDA_FLASH_INTERIOR' : false;
  test(`attention forward and backward (${name}, bf16 storage, f32 lse) over fully visible, diagonal, window-edge and segment-changing 64×64 tiles equal the definition, to the same bits with MISTRAL_TUNE_CUDA_FLASH_INTERIOR 1 and 0`, { skip: otherPath }, () => {
    const TILES: Array<{ what: string; s: AttentionShape; seg: number[] }> = [
      // segment 1 from key 120: in query tile 64..127 only the last warp's second rows (the flash forward's qseg[1])
      { what: 'D 64, window 150, segment 0 then 1 from key 120', s: shape({ B: 1, T: 320, Hq: 1, Hkv: 1, D: 64, window: 150 }),
        seg: Array.from({ length: 320 }, (_, j) => (j < 120 ? 0 : 1)) },
      // row 1: query tile 64..127 and its keys 0..63 each of one segment, not the same; row 2: a segment id that comes back
      // (no packer gives it, the kernels take it), so keys 0..63 start with the queries' segment and then leave it
      { what: 'D 128, three rows of 130: one segment; 0 then 1 from key 64; 1, 0 from 30, 1 from 64', s: shape({ B: 3, T: 130, Hq: 1, Hkv: 1, D: 128 }),
        seg: [...new Array<number>(130).fill(0), ...Array.from({ length: 130 }, (_, j) => (j < 64 ? 0 : 1)),
          ...Array.from({ length: 130 }, (_, j) => (j < 30 || j >= 64 ? 1 : 0))] },
      // no window: query blocks 128.. of the 128-query forward (+flash-fwd128) and key blocks 0.. of the 128-key backward
      // (+flash-bwd128) hold fully visible tiles too, as the 64-query and 64-key blocks 64.. and 0.. do
      { what: 'D 64, T 320, no window, one segment', s: shape({ B: 1, T: 320, Hq: 1, Hkv: 1, D: 64 }), seg: new Array<number>(320).fill(0) },
      { what: 'D 64, a KV cache: 64 queries at key index 128 (forward only)', s: shape({ B: 1, T: 64, kvLen: 192, qOffset: 128, Hq: 1, Hkv: 1, D: 64 }),
        seg: new Array<number>(192).fill(0) },
    ];
    TILES.forEach(({ what, s, seg }, n) => {
      const x = randomInputs(s, seg, 'bf16', 100 + n), dout = stored(randn(rng(110 + n), s.B * s.T * s.Hq * s.D), 'bf16');
      const training = s.kvLen === undefined, nq = s.B * s.T * s.Hq * s.D, nk = s.B * (s.kvLen ?? s.T) * s.Hkv * s.D;
      const [q, k, v, segB] = [upload(be, 'bf16', x.q), upload(be, 'bf16', x.k), upload(be, 'bf16', x.v), upload(be, 'i32', x.seg)];
      const runs = ['1', '0'].map((interior) => withEnv('MISTRAL_TUNE_CUDA_FLASH_INTERIOR', interior, () => {
        const out = be.alloc('bf16', nq), lse = be.alloc('f32', s.B * s.Hq * s.T);
        be.attentionForward(out, lse, q, k, v, segB, s);
        const got: Record<string, number[]> = { out: download(be, out), lse: download(be, lse) };
        if (training) {
          const dq = be.alloc('bf16', nq), dk = be.alloc('bf16', nk), dv = be.alloc('bf16', nk);
          be.attentionBackward(dq, dk, dv, upload(be, 'bf16', dout), out, lse, q, k, v, segB, s);
          Object.assign(got, { dq: download(be, dq), dk: download(be, dk), dv: download(be, dv) });
        }
        return got;
      }));
      const [fast, full] = runs as [Record<string, number[]>, Record<string, number[]>];
      const want = naive(x, s);
      assertClose(fast.out!, want.out, 2e-2, `${what}: out`);
      assertClose(fast.lse!, want.lse, 1e-4, `${what}: lse`);
      if (training) {
        const grads = naiveBackward(x, dout, s);
        for (const g of ['dq', 'dk', 'dv'] as const) assertClose(fast[g]!, grads[g], 3e-2, `${what}: ${g}`);
      }
      // dq is the sum of each key tile's share, added by f32 atomics in whatever order the blocks run: on a GPU three or
      // more shares may round 1 f32 ulp apart between runs, and a bf16 value then 1 ulp apart (the emulator adds in
      // a fixed order, so there it is the same bits) — of the shares, not of the sum, where they nearly cancel: hence
      // the floor at 2⁻¹⁴ of the largest |dq| (a review helper's find); the rest is computed without atomics at these
      // shapes (Hq = Hkv)
      const dqFloor = 2 ** -14 * (fast.dq ?? []).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (const [key, values] of Object.entries(fast)) {
        if (key !== 'dq') assert.deepEqual(full[key], values, `${what}: ${key} the same bits with every tile masked`);
        else values.forEach((v, i) => assert.ok(Math.abs(full.dq![i]! - v) <= 2 ** -7 * Math.max(Math.abs(v), dqFloor, 2 ** -126), `${what}: dq[${i}] ${full.dq![i]} vs ${v}, 1 bf16 ulp at most apart with every tile masked`));
      }
    });
  });

  // head dims a config.json may give that the flash kernels are not built for (CUDA: the gemm path under flash), and past
  // the attention kernels' 128 threads a block (a thread then holds two of a query's D accumulators)
  test(`attention forward and backward (${name}, bf16 storage, f32 lse) at head dims 80 and 256 equal the definition`, () => {
    const OTHER: Array<{ what: string; s: AttentionShape; seg: number[] }> = [
      { what: 'D 80, GQA 4 → 2, packed segments and padding, window 6', s: shape({ B: 1, T: 17, Hkv: 2, D: 80, window: 6 }),
        seg: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, -1] },
      { what: 'D 256, GQA 2 → 1', s: shape({ B: 2, T: 9, Hq: 2, Hkv: 1, D: 256 }), seg: new Array<number>(18).fill(0) },
    ];
    OTHER.forEach(({ what, s, seg }, n) => {
      const x = randomInputs(s, seg, 'bf16', 80 + n), dout = stored(randn(rng(90 + n), s.B * s.T * s.Hq * s.D), 'bf16');
      const nq = s.B * s.T * s.Hq * s.D, nk = s.B * s.T * s.Hkv * s.D;
      const [q, k, v, segB] = [upload(be, 'bf16', x.q), upload(be, 'bf16', x.k), upload(be, 'bf16', x.v), upload(be, 'i32', x.seg)];
      const out = be.alloc('bf16', nq), lse = be.alloc('f32', s.B * s.Hq * s.T);
      be.attentionForward(out, lse, q, k, v, segB, s);
      const want = naive(x, s);
      assertClose(download(be, out), want.out, 2e-2, `${what}: out`);
      assertClose(download(be, lse), want.lse, 1e-4, `${what}: lse`);
      const dq = be.alloc('bf16', nq), dk = be.alloc('bf16', nk), dv = be.alloc('bf16', nk);
      be.attentionBackward(dq, dk, dv, upload(be, 'bf16', dout), out, lse, q, k, v, segB, s);
      const grads = naiveBackward(x, dout, s);
      assertClose(download(be, dq), grads.dq, 3e-2, `${what}: dq`);
      assertClose(download(be, dk), grads.dk, 3e-2, `${what}: dk`);
      assertClose(download(be, dv), grads.dv, 3e-2, `${what}: dv`);
    });
  });

  test(`attention (${name}): a NaN in q or k comes out NaN for the queries it reaches, forward and backward, never as a padded query's zeros`, () => {
    // f32 with D 8 (the attention kernels and cuBLASLt's path on CUDA), and bf16 with D 64 (the flash kernels' shape)
    for (const [dtype, exact, D] of [['f32', 'f32', 8], ['bf16', 'f32', 64]] as const) {
      const s = shape({ B: 1, T: 6, Hq: 2, Hkv: 1, D }), seg = [0, 0, 0, 0, -1, -1];
      const rowOf = (buf: number[], t: number, h: number): number[] => buf.slice((t * s.Hq + h) * D, (t * s.Hq + h + 1) * D);
      for (const [what, poke, reached] of [
        // query 1 of head 0: its scores are all NaN
        ['q', (x: Inputs) => { x.q[(1 * s.Hq + 0) * D + 3] = NaN; }, (t: number, h: number) => t === 1 && h === 0],
        // key 2 (the only KV head): every query that sees it, on both heads; earlier queries do not
        ['k', (x: Inputs) => { x.k[2 * D + 5] = NaN; }, (t: number) => t === 2 || t === 3],
      ] as const) {
        const x = randomInputs(s, seg, dtype, 70);
        poke(x);
        const [q, k, v, segB] = [upload(be, dtype, x.q), upload(be, dtype, x.k), upload(be, dtype, x.v), upload(be, 'i32', x.seg)];
        const n = s.T * s.Hq * D, out = be.alloc(dtype, n), lse = be.alloc(exact, s.Hq * s.T);
        be.attentionForward(out, lse, q, k, v, segB, s);
        const o = download(be, out), l = download(be, lse);
        for (let t = 0; t < s.T; t++) {
          for (let h = 0; h < s.Hq; h++) {
            const row = rowOf(o, t, h), at = `${dtype}, NaN in ${what}: query ${t} head ${h}`;
            if (seg[t]! < 0) assert.ok(row.every((y) => y === 0) && l[h * s.T + t] === -Infinity, `${at}: padded, zeros and −∞`);
            else if (reached(t, h)) assert.ok(row.every(Number.isNaN) && Number.isNaN(l[h * s.T + t]), `${at}: NaN out and lse, got ${row[0]}, ${l[h * s.T + t]}`);
            else assert.ok(row.every(Number.isFinite) && Number.isFinite(l[h * s.T + t]), `${at}: finite`);
          }
        }
        const dq = be.alloc(dtype, n), dk = be.alloc(dtype, s.T * D), dv = be.alloc(dtype, s.T * D);
        be.attentionBackward(dq, dk, dv, upload(be, dtype, stored(randn(rng(71), n), dtype)), out, lse, q, k, v, segB, s);
        assert.ok(download(be, dq).some(Number.isNaN), `${dtype}, NaN in ${what}: the backward carries it (dq)`);
      }
    }
  });

  test(`attention (${name}): window 1 returns each query's own value; padding keys never leak`, () => {
    const s = shape({ B: 1, T: 6, Hq: 2, Hkv: 1, window: 1 });
    const x = randomInputs(s, new Array<number>(6).fill(0), 'f64', 3);
    const got = run(be, x, s, 'f64').out;
    for (let t = 0; t < 6; t++) {
      for (let h = 0; h < 2; h++) {
        assertClose(got.slice((t * 2 + h) * 8, (t * 2 + h + 1) * 8), x.v.slice(t * 8, t * 8 + 8), 1e-12, `window 1 at ${t}`);
      }
    }
    // changing what sits in padded positions changes nothing for the real tokens
    const s2 = shape({ B: 1, T: 6, Hkv: 2, window: null });
    const seg = [0, 0, 0, 0, -1, -1];
    const a = randomInputs(s2, seg, 'f64', 4), b = randomInputs(s2, seg, 'f64', 5);
    const mixed: Inputs = {
      q: [...a.q.slice(0, 4 * 32), ...b.q.slice(4 * 32)], k: [...a.k.slice(0, 4 * 16), ...b.k.slice(4 * 16)],
      v: [...a.v.slice(0, 4 * 16), ...b.v.slice(4 * 16)], seg,
    };
    assert.deepEqual(run(be, mixed, s2, 'f64').out.slice(0, 4 * 32), run(be, a, s2, 'f64').out.slice(0, 4 * 32));
  });

  // torch's softmax backward gives a query that sees one key alone (a row's first token, every token under a window of 1)
  // exactly zero dS, so q and k get exactly zero gradient from it; Σ_d dO·O rounded apart from dP, and AdamW's
  // g / (|g| + eps) turned that noise into steps of up to lr on q_proj / k_proj adapters (sliding_window 1: 14% off PEFT).
  test(`attention backward (${name}, f32): a query that sees one key alone gives q and k exactly zero gradient`, () => {
    for (const [window, seg] of [[1, [0, 0, 0, 0, 0, 0, 0]], [null, [0, 1, 1, 1, 1, 1, -1]]] as const) {
      // window 1: every query alone; segments: the first of each alone, so only the first two tokens' dO is non-zero
      const s = shape({ B: 1, T: 7, Hq: 4, Hkv: 2, D: 16, window });
      const x = randomInputs(s, [...seg], 'f32', 80);
      const dout = stored(randn(rng(81), s.T * s.Hq * s.D), 'f32');
      if (window === null) dout.fill(0, 2 * s.Hq * s.D);
      const [q, k, v, segB] = [upload(be, 'f32', x.q), upload(be, 'f32', x.k), upload(be, 'f32', x.v), upload(be, 'i32', x.seg)];
      const out = be.alloc('f32', s.T * s.Hq * s.D), lse = be.alloc('f32', s.Hq * s.T);
      be.attentionForward(out, lse, q, k, v, segB, s);
      const dq = be.alloc('f32', s.T * s.Hq * s.D), dk = be.alloc('f32', s.T * s.Hkv * s.D), dv = be.alloc('f32', s.T * s.Hkv * s.D);
      be.attentionBackward(dq, dk, dv, upload(be, 'f32', dout), out, lse, q, k, v, segB, s);
      const nonZero = (buf: number[]): number => buf.filter((y) => y !== 0).length;
      assert.equal(nonZero(download(be, dq)), 0, `window ${window}: dq`);
      assert.equal(nonZero(download(be, dk)), 0, `window ${window}: dk`);
      assert.ok(nonZero(download(be, dv)) > 0, `window ${window}: dv carries the gradient`);
    }
  });

  test(`attention (${name}): queries at a KV-cache offset equal the matching rows of the full pass`, () => {
    const full = shape({ B: 2, T: 10, Hq: 4, Hkv: 2, window: 4 });
    const seg = [...new Array<number>(10).fill(0), ...[0, 0, 0, 0, 0, 0, 0, 0, -1, -1]];
    const x = randomInputs(full, seg, 'f64', 6);
    const all = run(be, x, full, 'f64');
    const off = 6, T = 3; // queries 6, 7, 8 of each row against all 10 keys
    const part = shape({ B: 2, T, kvLen: 10, qOffset: off, Hq: 4, Hkv: 2, window: 4 });
    const qPart: number[] = [];
    for (let b = 0; b < 2; b++) qPart.push(...x.q.slice((b * 10 + off) * 32, (b * 10 + off + T) * 32));
    const got = run(be, { ...x, q: qPart }, part, 'f64');
    const wantOut: number[] = [], wantLse: number[] = [];
    for (let b = 0; b < 2; b++) {
      wantOut.push(...all.out.slice((b * 10 + off) * 32, (b * 10 + off + T) * 32));
      for (let h = 0; h < 4; h++) wantLse.push(...all.lse.slice((b * 4 + h) * 10 + off, (b * 4 + h) * 10 + off + T));
    }
    assertClose(got.out, wantOut, 1e-12, 'offset queries: out');
    assertClose(got.lse, wantLse, 1e-12, 'offset queries: lse');
    assertClose(got.out, naive({ ...x, q: qPart }, part).out, 1e-12, 'offset queries vs naive');
    assert.throws(() => run(be, { ...x, q: qPart }, { ...part, qOffset: 8 }, 'f64'), /exceed/);
  });
}
