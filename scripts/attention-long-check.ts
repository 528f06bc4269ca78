// The CUDA backend's attention (MISTRAL_TUNE_CUDA_ATTENTION picks the path) against the CPU backend's at a long
// sequence, forward and backward, bf16: head dim 128, GQA 4 → 1, two packed samples (the second from key 700)
// and 5 padding tokens at the end; prints the max relative error (floor 1) of out, lse, dq, dk and dv.
// Runs on a GPU, or without one on the stand-in libraries with the kernel emulator (minutes at T = 2048):
//   MISTRAL_TUNE_CUDA_ATTENTION=flash node --import tsx scripts/attention-long-check.ts [T=1024] [window=300, 0 = none]
import type { AttentionShape } from '../src/backend/backend.ts';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.ts';
import { createBackend } from '../src/backend/select.ts';
import { download, maxRelErr, randn, rng, stored, upload } from '../test/backend/util.ts';

const T = Number(process.argv[2] ?? 1024), window = Number(process.argv[3] ?? 300) || null;
const [B, Hq, Hkv, D] = [1, 4, 1, 128];
const s: AttentionShape = { B, T, Hq, Hkv, D, scale: 1 / Math.sqrt(D), window };
const rand = rng(5);
const [q, k, v, dout] = [Hq, Hkv, Hkv, Hq].map((h) => stored(randn(rand, B * T * h * D), 'bf16'));
const seg = Array.from({ length: T }, (_, j) => (j < 700 ? 0 : j < T - 5 ? 1 : -1));
const results: Array<Record<string, number[]>> = [];
for (const be of [createBackend('cuda'), new CpuBackend()]) {
  const t0 = performance.now();
  const [Q, K, V, S, DO] = [upload(be, 'bf16', q!), upload(be, 'bf16', k!), upload(be, 'bf16', v!), upload(be, 'i32', seg), upload(be, 'bf16', dout!)];
  const out = be.alloc('bf16', B * T * Hq * D), lse = be.alloc('f32', B * Hq * T);
  be.attentionForward(out, lse, Q, K, V, S, s);
  const dq = be.alloc('bf16', B * T * Hq * D), dk = be.alloc('bf16', B * T * Hkv * D), dv = be.alloc('bf16', B * T * Hkv * D);
  be.attentionBackward(dq, dk, dv, DO, out, lse, Q, K, V, S, s);
  results.push({ out: download(be, out), lse: download(be, lse), dq: download(be, dq), dk: download(be, dk), dv: download(be, dv) });
  console.log(`${be.describe?.() ?? be.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`T ${T}, window ${window ?? 'none'}: ${['out', 'lse', 'dq', 'dk', 'dv'].map((n) => `${n} ${maxRelErr(results[0]![n]!, results[1]![n]!).toExponential(2)}`).join(', ')}`);
