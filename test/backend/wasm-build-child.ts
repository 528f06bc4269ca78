// Child of wasm-build.test.ts (run with MISTRAL_TUNE_WASM set): which kernel build loaded, and one GEMM per
// transpose combination through the WebAssembly kernel on 1 and on 2 threads, against a float64 loop.
// Prints one JSON line.
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { kernelBuild } from '../../src/backend/cpu/wasm/wasm-kernels.ts';
import { download, maxRelErr, randn, rng, upload } from './util.ts';

const m = 203, n = 517, k = 301; // large enough to be split over two threads, with edge tiles
const rand = rng(7);
const A = randn(rand, m * k), B = randn(rand, k * n);
let worst = 0, sameBits = true, checksum = '';
for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    const want: number[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += Math.fround(A[transA ? p * m + i : i * k + p]!) * Math.fround(B[transB ? j * k + p : p * n + j]!);
        want.push(acc);
      }
    }
    const got = [1, 2].map((threads) => {
      const be = new CpuBackend({ gemm: 'simd', threads });
      const c = be.alloc('f32', m * n);
      be.gemm(c, upload(be, 'f32', A), upload(be, 'f32', B), {
        m, n, k, transA, transB, lda: transA ? m : k, ldb: transB ? k : n, ldc: n, alpha: 1, beta: 0,
      });
      return download(be, c);
    });
    worst = Math.max(worst, maxRelErr(got[0]!, want), maxRelErr(got[1]!, want));
    sameBits &&= got[0]!.every((x, i) => Object.is(x, got[1]![i]));
    checksum += hash(got[0]!) + ' ';
  }
}
console.log(JSON.stringify({ build: kernelBuild(), worst, sameBits, checksum }));

/** A short digest of float32 results: their bit patterns folded (FNV-1a). */
function hash(xs: number[]): string {
  let h = 0x811c9dc5;
  for (const u of new Uint32Array(new Float32Array(xs).buffer)) h = Math.imul(h ^ u, 0x01000193) >>> 0;
  return h.toString(16);
}
