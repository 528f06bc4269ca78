// The cuBLASLt attention path's host side (gemm-attention.ts: packing, views, leading dimensions, the GEMMs'
// transposes and scales, the per-group loop) run on the CPU backend's GEMM, with its row kernels
// (kernels/attention_gemm.cu) emulated here line for line in TypeScript, in float64 against the CPU backend's
// own attention: forward and backward with GQA, packed segments, padding, a sliding window and a KV-cache
// offset. What this cannot check — the .cu kernels on a GPU — `npm run test:gpu` does with
// MISTRAL_TUNE_CUDA_ATTENTION=gemm (scripts/device-check.sh, step attn-gemm).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttentionShape, DeviceBuffer } from '../../../src/backend/backend.ts';
import { CpuBackend } from '../../../src/backend/cpu/cpu-backend.ts';
import type { CpuBuffer } from '../../../src/backend/cpu/buffer.ts';
import { GemmAttention, type GemmAttentionHost } from '../../../src/backend/cuda/gemm-attention.ts';
import type { Geometry } from '../../../src/backend/cuda/kernel-runtime.ts';
import { Rng } from '../../../src/util/rng.ts';

const cpu = new CpuBackend();
type Arr = Float64Array | Int32Array;
const d = (b: unknown): Arr => (b as CpuBuffer).data as Arr;
const visible = (seg: Arr, a: number, j: number, window: number): boolean =>
  seg[a]! >= 0 && j <= a && seg[j] === seg[a] && (window <= 0 || a - j < window);

/** The row kernels of attention_gemm.cu, as the .cu file computes them. */
function launch(name: string, geometry: Geometry, args: unknown[]): void {
  const a = args as [unknown, unknown, unknown, unknown, ...number[]];
  switch (name) {
    case 'attn_pack': {
      const [dst, src, T, Hq, D, toPacked, n] = [d(a[0]), d(a[1]), ...args.slice(2)] as unknown as [Arr, Arr, number, number, number, number, bigint];
      for (let e = 0; e < Number(n); e++) {
        const dd = e % D, t = Math.floor(e / D) % T, h = Math.floor(e / (D * T)) % Hq, b = Math.floor(e / (D * T * Hq));
        const un = ((b * T + t) * Hq + h) * D + dd;
        if (toPacked) dst[e] = src[un]!;
        else dst[un] = src[e]!;
      }
      return;
    }
    case 'attn_softmax': {
      const [s, p, lse, segAll] = [d(a[0]), d(a[1]), d(a[2]), d(a[3])];
      const [T, K, qOff, Hq, hq0, b, window] = args.slice(4) as number[];
      const rows = (geometry as { grid: { x: number } }).grid.x, seg = segAll.subarray(b! * K!);
      for (let r = 0; r < rows; r++) {
        const i = r % T!, h = hq0! + Math.floor(r / T!), at = qOff! + i;
        let m = -Infinity, z = 0;
        for (let j = 0; j < K!; j++) if (visible(seg, at, j, window!)) m = Math.max(m, s[r * K! + j]!);
        for (let j = 0; j < K!; j++) if (visible(seg, at, j, window!)) z += Math.exp(s[r * K! + j]! - m);
        for (let j = 0; j < K!; j++) {
          const v = visible(seg, at, j, window!) ? Math.exp(s[r * K! + j]! - m) / z : 0;
          s[r * K! + j] = v;
          p[r * K! + j] = v;
        }
        lse[(b! * Hq! + h) * T! + i] = z > 0 ? m + Math.log(z) : -Infinity;
      }
      return;
    }
    case 'attn_probs': {
      const [s, p, lse, segAll] = [d(a[0]), d(a[1]), d(a[2]), d(a[3])];
      const [T, K, Hq, hq0, b, window] = args.slice(4, 10) as number[];
      const n = Number(args[10]), seg = segAll.subarray(b! * K!);
      for (let e = 0; e < n; e++) {
        const r = Math.floor(e / K!), j = e % K!, i = r % T!, h = hq0! + Math.floor(r / T!);
        const L = lse[(b! * Hq! + h) * T! + i]!;
        const v = L !== -Infinity && visible(seg, i, j, window!) ? Math.exp(s[e]! - L) : 0;
        s[e] = v;
        p[e] = v;
      }
      return;
    }
    case 'attn_rowdot': {
      const [rowdot, dout, out] = [d(a[0]), d(a[1]), d(a[2])];
      const [T, Hq, D] = args.slice(3, 6) as number[];
      for (let w = 0; w < Number(args[6]); w++) {
        const i = w % T!, h = Math.floor(w / T!) % Hq!, b = Math.floor(w / (T! * Hq!));
        const o = ((b * T! + i) * Hq! + h) * D!;
        let acc = 0;
        for (let x = 0; x < D!; x++) acc += dout[o + x]! * out[o + x]!;
        rowdot[w] = acc;
      }
      return;
    }
    case 'attn_dscores': {
      const [ds, p, dp, rowdot] = [d(a[0]), d(a[1]), d(a[2]), d(a[3])];
      const [T, K, Hq, hq0, b] = args.slice(4, 9) as number[];
      for (let e = 0; e < Number(args[9]); e++) {
        const r = Math.floor(e / K!), i = r % T!, h = hq0! + Math.floor(r / T!);
        ds[e] = p[e]! * (dp[e]! - rowdot[(b! * Hq! + h) * T! + i]!);
      }
      return;
    }
    default:
      throw new Error(`no emulation of ${name}`);
  }
}

const host: GemmAttentionHost = {
  kernels: { launch: launch as unknown as GemmAttentionHost['kernels']['launch'] },
  alloc: (dtype, n) => cpu.alloc(dtype, n), view: (b, o, n) => cpu.view(b, o, n), free: (b) => cpu.free(b),
  gemm: (c, a, b, spec) => cpu.gemm(c, a, b, spec),
};

function buffer(values: ArrayLike<number>, dtype: 'f64' | 'i32' = 'f64'): DeviceBuffer {
  const b = cpu.alloc(dtype, values.length);
  cpu.upload(b, { dtype, data: dtype === 'f64' ? Float64Array.from(values) : Int32Array.from(values) } as never);
  return b;
}
const randn = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.normal());

function maxDiff(x: DeviceBuffer, y: DeviceBuffer): number {
  const a = cpu.download(x), b = cpu.download(y);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue; // equal infinities (the lse of a query that sees no key)
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
  }
  return m;
}

const CASES: Array<{ what: string; s: AttentionShape; seg: number[] }> = [
  { what: 'GQA 4/2, packed segments and padding', s: { B: 2, T: 7, Hq: 4, Hkv: 2, D: 8, scale: 0.35, window: null }, seg: [0, 0, 0, 1, 1, 1, -1, 0, 0, 0, 0, 0, 0, 0] },
  { what: 'a sliding window of 3, one KV head', s: { B: 2, T: 6, Hq: 3, Hkv: 1, D: 4, scale: 0.5, window: 3 }, seg: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1] },
];

for (const { what, s, seg } of CASES) {
  test(`the GEMM path's forward and backward equal the CPU backend's attention (f64): ${what}`, () => {
    const rng = new Rng(7);
    const { B, T, Hq, Hkv, D } = s, nq = B * T * Hq * D, nk = B * T * Hkv * D;
    const q = buffer(randn(rng, nq)), k = buffer(randn(rng, nk)), v = buffer(randn(rng, nk)), dout = buffer(randn(rng, nq));
    const segments = buffer(seg, 'i32');
    const out = [cpu.alloc('f64', nq), cpu.alloc('f64', nq)], lse = [cpu.alloc('f64', B * Hq * T), cpu.alloc('f64', B * Hq * T)];
    cpu.attentionForward(out[0]!, lse[0]!, q, k, v, segments, s);
    new GemmAttention(host).forward(out[1]!, lse[1]!, q, k, v, segments, s);
    assert.ok(maxDiff(out[0]!, out[1]!) < 1e-12, `out: ${maxDiff(out[0]!, out[1]!)}`);
    assert.ok(maxDiff(lse[0]!, lse[1]!) < 1e-12, `lse: ${maxDiff(lse[0]!, lse[1]!)}`);
    const grads = [0, 1].map(() => ({ dq: cpu.alloc('f64', nq), dk: cpu.alloc('f64', nk), dv: cpu.alloc('f64', nk) }));
    cpu.attentionBackward(grads[0]!.dq, grads[0]!.dk, grads[0]!.dv, dout, out[0]!, lse[0]!, q, k, v, segments, s);
    new GemmAttention(host).backward(grads[1]!.dq, grads[1]!.dk, grads[1]!.dv, dout, out[0]!, lse[0]!, q, k, v, segments, s);
    for (const g of ['dq', 'dk', 'dv'] as const) assert.ok(maxDiff(grads[0]![g], grads[1]![g]) < 1e-12, `${g}: ${maxDiff(grads[0]![g], grads[1]![g])}`);
  });
}

test('the GEMM path\'s forward with a KV cache (2 queries at key index 4 over 6 keys) equals the CPU backend\'s', () => {
  const rng = new Rng(3);
  const s: AttentionShape = { B: 1, T: 2, kvLen: 6, qOffset: 4, Hq: 4, Hkv: 2, D: 8, scale: 0.35, window: null };
  const q = buffer(randn(rng, 2 * 4 * 8)), k = buffer(randn(rng, 6 * 2 * 8)), v = buffer(randn(rng, 6 * 2 * 8)), segments = buffer([0, 0, 0, 0, 0, 0], 'i32');
  const out = [cpu.alloc('f64', 64), cpu.alloc('f64', 64)], lse = [cpu.alloc('f64', 8), cpu.alloc('f64', 8)];
  cpu.attentionForward(out[0]!, lse[0]!, q, k, v, segments, s);
  new GemmAttention(host).forward(out[1]!, lse[1]!, q, k, v, segments, s);
  assert.ok(maxDiff(out[0]!, out[1]!) < 1e-12 && maxDiff(lse[0]!, lse[1]!) < 1e-12);
});
