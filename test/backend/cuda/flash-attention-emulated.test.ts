// The flash forward kernel (kernels/attention_flash.cu) ported lane by lane to TypeScript, with mma.sync
// m16n8k16 emulated from the PTX ISA's fragment layouts (written here independently of the kernel: A, B and C
// assembled from the 32 lanes' registers, multiplied, handed back), quad shuffles and the shared-memory tile
// staging included, against the CPU backend's attention on the same bf16 inputs: GQA, packed segments and
// padding, a sliding window, a KV-cache offset, T not a multiple of 64, head dims 64 and 128. What this
// cannot check — the .cu itself on a GPU — `npm run test:gpu` does with MISTRAL_TUNE_CUDA_ATTENTION=flash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttentionShape } from '../../../src/backend/backend.ts';
import { CpuBackend } from '../../../src/backend/cpu/cpu-backend.ts';
import { bf16ToF32, f32ToBf16 } from '../../../src/backend/dtype.ts';
import { Rng } from '../../../src/util/rng.ts';

const bf = (x: number): number => bf16ToF32(f32ToBf16([x]))[0]!;
const f32 = Math.fround;
type Word = [number, number]; // a .b32 register holding two bf16: [low half, high half]

/** mma.sync.m16n8k16.row.col.f32.bf16.bf16.f32 over one warp's 32 lanes, from the PTX fragment layouts. */
function mma(c: number[][], a: Word[][], b: Word[][]): void {
  const A = Array.from({ length: 16 }, () => new Array<number>(16).fill(0));
  const B = Array.from({ length: 16 }, () => new Array<number>(8).fill(0));
  const C = Array.from({ length: 16 }, () => new Array<number>(8).fill(0));
  for (let lane = 0; lane < 32; lane++) {
    const g = lane >> 2, t = lane & 3;
    [[g, 0], [g + 8, 0], [g, 8], [g + 8, 8]].forEach(([row, off], i) => { A[row!]![2 * t + off!] = a[lane]![i]![0]; A[row!]![2 * t + off! + 1] = a[lane]![i]![1]; });
    [0, 8].forEach((off, i) => { B[2 * t + off]![g] = b[lane]![i]![0]; B[2 * t + off + 1]![g] = b[lane]![i]![1]; });
    C[g]![2 * t] = c[lane]![0]!; C[g]![2 * t + 1] = c[lane]![1]!; C[g + 8]![2 * t] = c[lane]![2]!; C[g + 8]![2 * t + 1] = c[lane]![3]!;
  }
  for (let lane = 0; lane < 32; lane++) {
    const g = lane >> 2, t = lane & 3;
    const d = (row: number, col: number): number => {
      let s = C[row]![col]!;
      for (let kk = 0; kk < 16; kk++) s += A[row]![kk]! * B[kk]![col]!;
      return f32(s);
    };
    c[lane] = [d(g, 2 * t), d(g, 2 * t + 1), d(g + 8, 2 * t), d(g + 8, 2 * t + 1)];
  }
}

/** attention_flash.cu's flash_forward<D>, for every block of the grid, in the kernel's order of operations. */
function flashForward(out: Float32Array, lse: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, seg: Int32Array, s: AttentionShape): void {
  const { B, T, Hq, Hkv, D, scale } = s, K = s.kvLen ?? T, qOff = s.qOffset ?? 0, window = s.window ?? 0;
  const BQ = 64, BK = 64, qs = Hq * D, ks = Hkv * D;
  const pair = (arr: Float32Array, i: number): Word => [arr[i]!, arr[i + 1]!];
  for (let b = 0; b < B; b++) for (let h = 0; h < Hq; h++) for (let bx = 0; bx * BQ < T; bx++) {
    const kvh = Math.floor(h / (Hq / Hkv)), qBlock = bx * BQ;
    const warps = [0, 1, 2, 3].map((warp) => {
      const lanes = Array.from({ length: 32 }, (_, lane) => {
        const g = lane >> 2, t = lane & 3;
        const qi = [0, 1].map((r) => qBlock + warp * 16 + g + 8 * r), qa = qi.map((i) => qOff + i);
        const qseg = qi.map((i, r) => (i < T ? seg[b * K + qa[r]!]! : -1));
        const aq = Array.from({ length: D / 16 }, (_, kk) => {
          const w: Word[] = [[0, 0], [0, 0], [0, 0], [0, 0]];
          for (let r = 0; r < 2; r++) {
            const row = (b * T + qi[r]!) * qs + h * D + kk * 16 + 2 * t;
            if (qi[r]! < T) { w[r] = pair(q, row); w[2 + r] = pair(q, row + 8); }
          }
          return w;
        });
        return { g, t, qi, qa, qseg, aq, o: Array.from({ length: D / 8 }, () => [0, 0, 0, 0]), m: [-Infinity, -Infinity], l: [0, 0] };
      });
      return lanes;
    });
    const aFirst = qOff + qBlock, aLast = qOff + Math.min(T, qBlock + BQ) - 1;
    const lo = window > 0 ? Math.max(0, aFirst - window + 1) : 0, hi = Math.min(aLast, K - 1);
    for (let j0 = lo; j0 <= hi; j0 += BK) {
      const Ks = Array.from({ length: BK }, (_, row) => Float32Array.from({ length: D }, (_, col) => (j0 + row < K ? k[(b * K + j0 + row) * ks + kvh * D + col]! : 0)));
      const Vs = Array.from({ length: BK }, (_, row) => Float32Array.from({ length: D }, (_, col) => (j0 + row < K ? v[(b * K + j0 + row) * ks + kvh * D + col]! : 0)));
      const segK = Array.from({ length: BK }, (_, e) => (j0 + e < K ? seg[b * K + j0 + e]! : -2));
      for (const lanes of warps) {
        // S = Q·Kᵀ, 8 n-tiles
        const sT = Array.from({ length: BK / 8 }, () => lanes.map(() => [0, 0, 0, 0]));
        for (let nt = 0; nt < BK / 8; nt++) {
          for (let kk = 0; kk < D / 16; kk++) {
            mma(sT[nt]!, lanes.map((L) => L.aq[kk]!), lanes.map((L) => [pair(Ks[nt * 8 + L.g]!, kk * 16 + 2 * L.t), pair(Ks[nt * 8 + L.g]!, kk * 16 + 2 * L.t + 8)]));
          }
        }
        const mt = lanes.map(() => [-Infinity, -Infinity]);
        lanes.forEach((L, lane) => {
          for (let nt = 0; nt < BK / 8; nt++) for (let e = 0; e < 4; e++) {
            const r = e >> 1, jj = nt * 8 + 2 * L.t + (e % 2), j = j0 + jj;
            const vis = L.qseg[r]! >= 0 && j <= L.qa[r]! && segK[jj] === L.qseg[r] && (window <= 0 || L.qa[r]! - j < window);
            sT[nt]![lane]![e] = vis ? f32(sT[nt]![lane]![e]! * scale) : -Infinity;
            mt[lane]![r] = Math.max(mt[lane]![r]!, sT[nt]![lane]![e]!);
          }
        });
        const shfl = (vals: number[][], r: number, x: number): number[] => vals.map((_, lane) => vals[lane ^ x]![r]!);
        const corr = lanes.map(() => [1, 1]);
        for (let r = 0; r < 2; r++) {
          for (const x of [1, 2]) { const other = shfl(mt, r, x); mt.forEach((m, lane) => { m[r] = Math.max(m[r]!, other[lane]!); }); }
          lanes.forEach((L, lane) => {
            const mNew = Math.max(L.m[r]!, mt[lane]![r]!);
            corr[lane]![r] = mNew === -Infinity ? 1 : f32(Math.exp(L.m[r]! - mNew));
            L.m[r] = mNew;
            L.l[r] = f32(L.l[r]! * corr[lane]![r]!);
          });
        }
        lanes.forEach((L, lane) => {
          for (let nt = 0; nt < BK / 8; nt++) for (let e = 0; e < 4; e++) {
            const r = e >> 1, x = sT[nt]![lane]![e]!;
            const p = x === -Infinity ? 0 : f32(Math.exp(x - L.m[r]!));
            sT[nt]![lane]![e] = p;
            L.l[r] = f32(L.l[r]! + p);
          }
          for (const o of L.o) { o[0] = f32(o[0]! * corr[lane]![0]!); o[1] = f32(o[1]! * corr[lane]![0]!); o[2] = f32(o[2]! * corr[lane]![1]!); o[3] = f32(o[3]! * corr[lane]![1]!); }
        });
        for (let kc = 0; kc < BK / 16; kc++) {
          const ap = lanes.map((_, lane): Word[] => {
            const c0 = sT[2 * kc]![lane]!, c1 = sT[2 * kc + 1]![lane]!;
            return [[bf(c0[0]!), bf(c0[1]!)], [bf(c0[2]!), bf(c0[3]!)], [bf(c1[0]!), bf(c1[1]!)], [bf(c1[2]!), bf(c1[3]!)]];
          });
          for (let nd = 0; nd < D / 8; nd++) {
            const oc = lanes.map((L) => L.o[nd]!);
            mma(oc, ap, lanes.map((L) => {
              const key = kc * 16 + 2 * L.t, col = nd * 8 + L.g;
              return [[Vs[key]![col]!, Vs[key + 1]![col]!], [Vs[key + 8]![col]!, Vs[key + 9]![col]!]];
            }));
            lanes.forEach((L, lane) => { L.o[nd] = oc[lane]!; });
          }
        }
      }
    }
    for (const lanes of warps) {
      const ls = lanes.map((L) => [...L.l]);
      for (let r = 0; r < 2; r++) for (const x of [1, 2]) {
        const other = ls.map((_, lane) => ls[lane ^ x]![r]!);
        ls.forEach((l, lane) => { l[r] = f32(l[r]! + other[lane]!); });
      }
      lanes.forEach((L, lane) => {
        for (let r = 0; r < 2; r++) {
          if (L.qi[r]! >= T) continue;
          const l = ls[lane]![r]!, inv = l > 0 ? f32(1 / l) : 0, row = (b * T + L.qi[r]!) * qs + h * D;
          for (let nd = 0; nd < D / 8; nd++) {
            out[row + nd * 8 + 2 * L.t] = bf(L.o[nd]![2 * r]! * inv);
            out[row + nd * 8 + 2 * L.t + 1] = bf(L.o[nd]![2 * r + 1]! * inv);
          }
          if (L.t === 0) lse[(b * Hq + h) * T + L.qi[r]!] = l > 0 ? f32(L.m[r]! + Math.log(l)) : -Infinity;
        }
      });
    }
  }
}

const CASES: Array<{ what: string; s: AttentionShape; seg: (b: number, j: number) => number }> = [
  { what: 'D 64, GQA 4/2, two rows: packed segments and padding, T = 70 (two query blocks, the second short)', s: { B: 2, T: 70, Hq: 4, Hkv: 2, D: 64, scale: 0.125, window: null },
    seg: (b, j) => (b === 0 ? (j < 30 ? 0 : j < 66 ? 1 : -1) : 0) },
  { what: 'D 128, one KV head, a sliding window of 20, T = 90', s: { B: 1, T: 90, Hq: 2, Hkv: 1, D: 128, scale: 0.088, window: 20 }, seg: () => 0 },
  { what: 'D 64, a KV cache: 3 queries at key index 77 over 80 keys', s: { B: 1, T: 3, kvLen: 80, qOffset: 77, Hq: 2, Hkv: 2, D: 64, scale: 0.125, window: null }, seg: () => 0 },
];

for (const { what, s, seg } of CASES) {
  test(`the flash forward, ported lane by lane with mma.sync emulated, equals the CPU attention on bf16 inputs: ${what}`, () => {
    const rng = new Rng(11);
    const K = s.kvLen ?? s.T;
    const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => bf(rng.normal()));
    const q = rand(s.B * s.T * s.Hq * s.D), k = rand(s.B * K * s.Hkv * s.D), v = rand(s.B * K * s.Hkv * s.D);
    const segs = Int32Array.from({ length: s.B * K }, (_, i) => seg(Math.floor(i / K), i % K));
    const out = new Float32Array(q.length), lse = new Float32Array(s.B * s.Hq * s.T);
    flashForward(out, lse, q, k, v, segs, s);

    const cpu = new CpuBackend();
    const up = (x: Float32Array) => { const b = cpu.alloc('f32', x.length); cpu.upload(b, { dtype: 'f32', data: x }); return b; };
    const segB = cpu.alloc('i32', segs.length);
    cpu.upload(segB, { dtype: 'i32', data: segs });
    const refOut = cpu.alloc('f32', q.length), refLse = cpu.alloc('f32', lse.length);
    cpu.attentionForward(refOut, refLse, up(q), up(k), up(v), segB, s);
    const ro = cpu.download(refOut), rl = cpu.download(refLse);
    let num = 0, den = 0;
    for (let i = 0; i < ro.length; i++) { num += (out[i]! - ro[i]!) ** 2; den += ro[i]! ** 2; }
    assert.ok(Math.sqrt(num / den) < 1e-2, `out: relative error ${Math.sqrt(num / den)} (P and out rounded to bf16)`);
    for (let i = 0; i < rl.length; i++) {
      if (rl[i] === -Infinity) assert.equal(lse[i], -Infinity, `lse[${i}]: a query that sees no key`);
      else assert.ok(Math.abs(lse[i]! - rl[i]!) < 1e-4, `lse[${i}]: ${lse[i]} vs ${rl[i]}`);
    }
  });
}

/** attention_flash.cu's kv_accumulate: acc (the warp's 16 keys × D) += Xᵀ·Y, X (64 queries × 64 keys), Y (64 queries × D). */
function kvAccumulate(acc: number[][][], X: Float32Array[], Y: Float32Array[], warp: number, D: number): void {
  for (let kq = 0; kq < 4; kq++) {
    const a = Array.from({ length: 32 }, (_, lane): Word[] => {
      const g = lane >> 2, t = lane & 3, q = kq * 16 + 2 * t, key = warp * 16 + g;
      return [[X[q]![key]!, X[q + 1]![key]!], [X[q]![key + 8]!, X[q + 1]![key + 8]!], [X[q + 8]![key]!, X[q + 9]![key]!], [X[q + 8]![key + 8]!, X[q + 9]![key + 8]!]];
    });
    for (let nd = 0; nd < D / 8; nd++) {
      const c = acc.map((lane) => lane[nd]!);
      mma(c, a, Array.from({ length: 32 }, (_, lane): Word[] => {
        const g = lane >> 2, t = lane & 3, q = kq * 16 + 2 * t, col = nd * 8 + g;
        return [[Y[q]![col]!, Y[q + 1]![col]!], [Y[q + 8]![col]!, Y[q + 9]![col]!]];
      }));
      acc.forEach((lane, i) => { lane[nd] = c[i]!; });
    }
  }
}

/** attention_flash.cu's flash_backward<D> for every block, then dq rounded from the f32 accumulator. */
function flashBackward(dq: Float32Array, dk: Float32Array, dv: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, dout: Float32Array,
  lse: Float32Array, rowdot: Float32Array, seg: Int32Array, s: AttentionShape): void {
  const { B, T, Hq, Hkv, D, scale } = s, window = s.window ?? 0, G = Hq / Hkv, qs = Hq * D, ks = Hkv * D;
  const dqAcc = new Float32Array(dq.length);
  const tile = (src: Float32Array, rows: number, at: (r: number) => number): Float32Array[] =>
    Array.from({ length: 64 }, (_, r) => Float32Array.from({ length: D }, (_, c) => (r < rows ? src[at(r) + c]! : 0)));
  for (let b = 0; b < B; b++) for (let kvh = 0; kvh < Hkv; kvh++) for (let j0 = 0; j0 < T; j0 += 64) {
    const kRows = Math.min(64, T - j0);
    const Ks = tile(k, kRows, (r) => (b * T + j0 + r) * ks + kvh * D), Vs = tile(v, kRows, (r) => (b * T + j0 + r) * ks + kvh * D);
    const segK = Array.from({ length: 64 }, (_, e) => (j0 + e < T ? seg[b * T + j0 + e]! : -2));
    const dkAcc = [0, 1, 2, 3].map(() => Array.from({ length: 32 }, () => Array.from({ length: D / 8 }, () => [0, 0, 0, 0])));
    const dvAcc = [0, 1, 2, 3].map(() => Array.from({ length: 32 }, () => Array.from({ length: D / 8 }, () => [0, 0, 0, 0])));
    const jLast = Math.min(T, j0 + 64) - 1, qFirst = Math.floor(j0 / 64) * 64, qEnd = window > 0 ? Math.min(T, jLast + window) : T;
    for (let hh = 0; hh < G; hh++) {
      const h = kvh * G + hh;
      for (let q0 = qFirst; q0 < qEnd; q0 += 64) {
        const qRows = Math.min(64, T - q0);
        const Qs = tile(q, qRows, (r) => (b * T + q0 + r) * qs + h * D), dOs = tile(dout, qRows, (r) => (b * T + q0 + r) * qs + h * D);
        const lseS = Array.from({ length: 64 }, (_, e) => (q0 + e < T ? lse[(b * Hq + h) * T + q0 + e]! : -Infinity));
        const rdS = Array.from({ length: 64 }, (_, e) => (q0 + e < T ? rowdot[(b * Hq + h) * T + q0 + e]! : 0));
        const segQ = Array.from({ length: 64 }, (_, e) => (q0 + e < T ? seg[b * T + q0 + e]! : -1));
        const Ps = Array.from({ length: 64 }, () => new Float32Array(64));
        const dS = [0, 1, 2, 3].map((warp) => {
          const sp = Array.from({ length: 8 }, () => Array.from({ length: 32 }, () => [0, 0, 0, 0]));
          const dp = Array.from({ length: 8 }, () => Array.from({ length: 32 }, () => [0, 0, 0, 0]));
          for (let nt = 0; nt < 8; nt++) for (let kk = 0; kk < D / 16; kk++) {
            const frag = (X: Float32Array[]) => Array.from({ length: 32 }, (_, lane): Word[] => {
              const g = lane >> 2, t = lane & 3, c = kk * 16 + 2 * t;
              return [[X[warp * 16 + g]![c]!, X[warp * 16 + g]![c + 1]!], [X[warp * 16 + g + 8]![c]!, X[warp * 16 + g + 8]![c + 1]!],
                [X[warp * 16 + g]![c + 8]!, X[warp * 16 + g]![c + 9]!], [X[warp * 16 + g + 8]![c + 8]!, X[warp * 16 + g + 8]![c + 9]!]];
            });
            const bfrag = (X: Float32Array[]) => Array.from({ length: 32 }, (_, lane): Word[] => {
              const g = lane >> 2, t = lane & 3, c = kk * 16 + 2 * t;
              return [[X[nt * 8 + g]![c]!, X[nt * 8 + g]![c + 1]!], [X[nt * 8 + g]![c + 8]!, X[nt * 8 + g]![c + 9]!]];
            });
            mma(sp[nt]!, frag(Qs), bfrag(Ks));
            mma(dp[nt]!, frag(dOs), bfrag(Vs));
          }
          for (let nt = 0; nt < 8; nt++) for (let lane = 0; lane < 32; lane++) for (let e = 0; e < 4; e++) {
            const g = lane >> 2, t = lane & 3, il = warp * 16 + g + 8 * (e >> 1), jl = nt * 8 + 2 * t + (e % 2), i = q0 + il, j = j0 + jl;
            const vis = segQ[il]! >= 0 && j <= i && segK[jl] === segQ[il] && (window <= 0 || i - j < window) && lseS[il] !== -Infinity;
            const p = vis ? f32(Math.exp(f32(sp[nt]![lane]![e]! * scale) - lseS[il]!)) : 0;
            dp[nt]![lane]![e] = f32(p * f32(dp[nt]![lane]![e]! - rdS[il]!));
            Ps[il]![jl] = bf(p);
          }
          // dQ += scale·dS·K, added to the f32 accumulator
          const as = [0, 1, 2, 3].map((kc) => Array.from({ length: 32 }, (_, lane): Word[] => {
            const c0 = dp[2 * kc]![lane]!, c1 = dp[2 * kc + 1]![lane]!;
            return [[bf(c0[0]!), bf(c0[1]!)], [bf(c0[2]!), bf(c0[3]!)], [bf(c1[0]!), bf(c1[1]!)], [bf(c1[2]!), bf(c1[3]!)]];
          }));
          for (let nd = 0; nd < D / 8; nd++) {
            const c = Array.from({ length: 32 }, () => [0, 0, 0, 0]);
            for (let kc = 0; kc < 4; kc++) {
              mma(c, as[kc]!, Array.from({ length: 32 }, (_, lane): Word[] => {
                const g = lane >> 2, t = lane & 3, key = kc * 16 + 2 * t, col = nd * 8 + g;
                return [[Ks[key]![col]!, Ks[key + 1]![col]!], [Ks[key + 8]![col]!, Ks[key + 9]![col]!]];
              }));
            }
            c.forEach((cl, lane) => {
              const g = lane >> 2, t = lane & 3;
              for (let r = 0; r < 2; r++) {
                const i = q0 + warp * 16 + g + 8 * r;
                if (i >= T) continue;
                const at = (b * T + i) * qs + h * D + nd * 8 + 2 * t;
                dqAcc[at] = f32(dqAcc[at]! + f32(scale * cl[2 * r]!));
                dqAcc[at + 1] = f32(dqAcc[at + 1]! + f32(scale * cl[2 * r + 1]!));
              }
            });
          }
          return dp;
        });
        for (let warp = 0; warp < 4; warp++) kvAccumulate(dvAcc[warp]!, Ps, dOs, warp, D);
        dS.forEach((dp, warp) => {
          for (let nt = 0; nt < 8; nt++) for (let lane = 0; lane < 32; lane++) for (let e = 0; e < 4; e++) {
            Ps[warp * 16 + (lane >> 2) + 8 * (e >> 1)]![nt * 8 + 2 * (lane & 3) + (e % 2)] = bf(dp[nt]![lane]![e]!);
          }
        });
        for (let warp = 0; warp < 4; warp++) kvAccumulate(dkAcc[warp]!, Ps, Qs, warp, D);
      }
    }
    for (let warp = 0; warp < 4; warp++) for (let lane = 0; lane < 32; lane++) for (let r = 0; r < 2; r++) {
      const j = j0 + warp * 16 + (lane >> 2) + 8 * r;
      if (j >= T) continue;
      const at = (b * T + j) * ks + kvh * D;
      for (let nd = 0; nd < D / 8; nd++) for (let x = 0; x < 2; x++) {
        const d = nd * 8 + 2 * (lane & 3) + x;
        dk[at + d] = bf(scale * dkAcc[warp]![lane]![nd]![2 * r + x]!);
        dv[at + d] = bf(dvAcc[warp]![lane]![nd]![2 * r + x]!);
      }
    }
  }
  dqAcc.forEach((x, i) => { dq[i] = bf(x); });
}

const BACKWARD_CASES = CASES.filter((c) => (c.s.kvLen ?? c.s.T) === c.s.T);
for (const { what, s, seg } of BACKWARD_CASES) {
  test(`the flash backward, ported lane by lane with mma.sync emulated, equals the CPU attention backward on bf16 inputs: ${what}`, () => {
    const rng = new Rng(12);
    const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => bf(rng.normal()));
    const nq = s.B * s.T * s.Hq * s.D, nk = s.B * s.T * s.Hkv * s.D;
    const q = rand(nq), k = rand(nk), v = rand(nk), dout = rand(nq);
    const segs = Int32Array.from({ length: s.B * s.T }, (_, i) => seg(Math.floor(i / s.T), i % s.T));
    const cpu = new CpuBackend();
    const up = (x: Float32Array) => { const b = cpu.alloc('f32', x.length); cpu.upload(b, { dtype: 'f32', data: x }); return b; };
    const segB = cpu.alloc('i32', segs.length);
    cpu.upload(segB, { dtype: 'i32', data: segs });
    const out = cpu.alloc('f32', nq), lse = cpu.alloc('f32', s.B * s.Hq * s.T);
    cpu.attentionForward(out, lse, up(q), up(k), up(v), segB, s);
    const ref = { dq: cpu.alloc('f32', nq), dk: cpu.alloc('f32', nk), dv: cpu.alloc('f32', nk) };
    cpu.attentionBackward(ref.dq, ref.dk, ref.dv, up(dout), out, lse, up(q), up(k), up(v), segB, s);
    // rowdot as attn_rowdot computes it, from the forward's output as the model keeps it (bf16)
    const o = Float32Array.from(cpu.download(out), bf), rowdot = new Float32Array(s.B * s.Hq * s.T);
    for (let w = 0; w < rowdot.length; w++) {
      const i = w % s.T, h = Math.floor(w / s.T) % s.Hq, b = Math.floor(w / (s.T * s.Hq)), at = ((b * s.T + i) * s.Hq + h) * s.D;
      let acc = 0;
      for (let d = 0; d < s.D; d++) acc += dout[at + d]! * o[at + d]!;
      rowdot[w] = acc;
    }
    const got = { dq: new Float32Array(nq), dk: new Float32Array(nk), dv: new Float32Array(nk) };
    flashBackward(got.dq, got.dk, got.dv, q, k, v, dout, cpu.download(lse) as Float32Array, rowdot, segs, s);
    for (const g of ['dq', 'dk', 'dv'] as const) {
      const want = cpu.download(ref[g]);
      let num = 0, den = 0;
      for (let i = 0; i < want.length; i++) { num += (got[g][i]! - want[i]!) ** 2; den += want[i]! ** 2; }
      assert.ok(den > 0 && Math.sqrt(num / den) < 2e-2, `${g}: relative error ${Math.sqrt(num / den)} (P, dS and the outputs rounded to bf16)`);
    }
  });
}
