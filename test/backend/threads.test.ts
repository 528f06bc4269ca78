// The kernels split across worker threads are deterministic: two threads give, bit for bit, the same
// results twice and the same as one thread (MISTRAL_TUNE_THREADS=1); a process that used the pool exits
// by itself; a bad MISTRAL_TUNE_THREADS is a one-line error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceBuffer } from '../../src/backend/backend.ts';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { threadCount } from '../../src/backend/cpu/wasm/pool.ts';
import { WasmKernels } from '../../src/backend/cpu/wasm/wasm-kernels.ts';
import { Rng } from '../../src/util/rng.ts';
import { runnable, TS_LOADER } from '../node-args.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const wasm = WasmKernels.load(2);
const skip = (!wasm || wasm.pool.threads < 2) && 'WebAssembly threads unavailable';

/** Every threaded kernel once on `be`, on the same seeded inputs: the outputs' bytes. */
function runAll(be: CpuBackend): Uint8Array[] {
  const rng = new Rng(7);
  const rand = (n: number, spread = 1): DeviceBuffer => {
    const b = be.alloc('f32', n);
    be.upload(b, { dtype: 'f32', data: Float32Array.from({ length: n }, () => (rng.next() - 0.5) * spread) });
    return b;
  };
  const out: DeviceBuffer[] = [];
  // cross-entropy (rows), with the gradient in place and without
  const N = 33, V = 3001;
  const logits = rand(N * V, 20), targets = be.alloc('i32', N);
  be.upload(targets, { dtype: 'i32', data: Int32Array.from({ length: N }, (_, i) => (i % 5 === 4 ? -100 : (i * 97) % V)) });
  const losses = be.alloc('f32', N), losses2 = be.alloc('f32', N);
  be.crossEntropy(losses2, null, logits, targets, N, V, 1);
  be.crossEntropy(losses, logits, logits, targets, N, V, 1 / N);
  out.push(losses, losses2, logits);
  // SwiGLU (element ranges)
  const n = 70_001;
  const g = rand(n, 12), u = rand(n), d = rand(n), o = be.alloc('f32', n), dg = be.alloc('f32', n), du = be.alloc('f32', n);
  be.swigluForward(o, g, u, n);
  be.swigluBackward(dg, du, d, g, u, n);
  out.push(o, dg, du);
  // attention (softmax, probabilities and dScores rows), packed segments and a window
  const B = 2, T = 300, Hq = 2, Hkv = 1, D = 16, R = B * T;
  const seg = be.alloc('i32', R);
  be.upload(seg, { dtype: 'i32', data: Int32Array.from({ length: R }, (_, i) => (i % T < 170 ? 0 : i % T < 290 ? 1 : -1)) });
  const q = rand(R * Hq * D), k = rand(R * Hkv * D), v = rand(R * Hkv * D), dO = rand(R * Hq * D);
  for (const window of [null, 50]) {
    const shape = { B, T, Hq, Hkv, D, scale: 0.25, window };
    const ao = be.alloc('f32', R * Hq * D), lse = be.alloc('f32', B * Hq * T);
    be.attentionForward(ao, lse, q, k, v, seg, shape);
    const dq = be.alloc('f32', R * Hq * D), dk = be.alloc('f32', R * Hkv * D), dv = be.alloc('f32', R * Hkv * D);
    be.attentionBackward(dq, dk, dv, dO, ao, lse, q, k, v, seg, shape);
    out.push(ao, lse, dq, dk, dv);
  }
  out.push(...normAndAdamw(be, rand));
  // the WebAssembly GEMM (column blocks, and row blocks for a tall C), with transposes and beta
  for (const [m, nn, kk, transA, transB] of [[37, 301, 129, false, true], [403, 12, 67, true, false]] as const) {
    const a = rand(m * kk), b = rand(kk * nn), c = rand(m * nn);
    be.gemm(c, a, b, { m, n: nn, k: kk, transA, transB, alpha: 0.5, beta: 1 });
    out.push(c);
  }
  return out.map((b) => {
    const a = be.download(b);
    return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  });
}

/** RMSNorm forward and backward (rows; dw by columns) and one AdamW step over decay spans (element ranges). */
function normAndAdamw(be: CpuBackend, rand: (n: number, spread?: number) => DeviceBuffer): DeviceBuffer[] {
  const N = 300, C = 96;
  const x = rand(N * C, 4), w = rand(C), dy = rand(N * C), out = be.alloc('f32', N * C), rstd = be.alloc('f32', N);
  const dx = rand(N * C), dw = rand(C);
  be.rmsnormForward(out, rstd, x, w, N, C, 1e-5);
  be.rmsnormBackward(dx, dw, dy, x, w, rstd, N, C);
  const n = 100_003;
  const p = rand(n), g = rand(n), m = rand(n, 0.1), v = be.alloc('f32', n), spans = be.alloc('i32', 6);
  be.upload(spans, { dtype: 'i32', data: Int32Array.of(10, 40_000, 40_000, 40_000, 50_001, 99_999) });
  be.upload(v, { dtype: 'f32', data: Float32Array.from({ length: n }, (_, i) => (i % 7) * 1e-3) });
  for (const step of [1, 2]) be.adamw(p, g, m, v, spans, 3, n, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step });
  return [out, rstd, dx, dw, p, m, v];
}

test('RMSNorm and AdamW in WebAssembly give the TypeScript kernels\' bits (float64 arithmetic, sums in order)', { skip }, () => {
  const bits = (be: CpuBackend): Uint8Array[] => {
    const rng = new Rng(3);
    const rand = (n: number, spread = 1): DeviceBuffer => {
      const b = be.alloc('f32', n);
      be.upload(b, { dtype: 'f32', data: Float32Array.from({ length: n }, () => (rng.next() - 0.5) * spread) });
      return b;
    };
    return normAndAdamw(be, rand).map((b) => new Uint8Array((be.download(b) as Float32Array).slice().buffer));
  };
  const [a, b] = [bits(new CpuBackend({ threads: 2 })), bits(new CpuBackend({ simd: false }))];
  a.forEach((x, i) => assert.deepEqual(x, b[i], `output ${i}: WebAssembly differs from TypeScript`));
});

test('threaded kernels: two threads give the same bits twice and the same bits as one thread', { skip }, () => {
  // the WebAssembly GEMM (OpenBLAS runs its own threads), so attention's GEMMs are split too
  const two = new CpuBackend({ gemm: 'simd', threads: 2 }), one = new CpuBackend({ gemm: 'simd', threads: 1 });
  const [a, b, c] = [runAll(two), runAll(two), runAll(one)];
  assert.equal(a.length, c.length);
  a.forEach((x, i) => {
    assert.deepEqual(x, b[i], `output ${i}: two runs on two threads differ`);
    assert.deepEqual(x, c[i], `output ${i}: two threads differ from one`);
  });
});

test('the pool runs on the threads asked for; a bad MISTRAL_TUNE_THREADS is a UserError', { skip }, () => {
  assert.equal(wasm!.pool.threads, 2);
  assert.equal(WasmKernels.load(1)!.pool.threads, 1);
  const saved = process.env.MISTRAL_TUNE_THREADS;
  try {
    process.env.MISTRAL_TUNE_THREADS = '3';
    assert.equal(threadCount(), 3);
    process.env.MISTRAL_TUNE_THREADS = 'two';
    assert.throws(() => threadCount(), (e: Error) => e.name === 'UserError' && /MISTRAL_TUNE_THREADS=two/.test(e.message));
  } finally {
    if (saved === undefined) delete process.env.MISTRAL_TUNE_THREADS;
    else process.env.MISTRAL_TUNE_THREADS = saved;
  }
});

test('a process that ran kernels on the worker threads exits by itself', { skip }, () => {
  const script = `import { WasmKernels } from ${JSON.stringify(runnable('src/backend/cpu/wasm/wasm-kernels.ts'))};
const k = WasmKernels.load(2); const x = new Float32Array(64 * 1000).fill(1), l = new Float32Array(64);
k.crossEntropy(l, x, x, new Int32Array(64), 64, 1000, 1); console.log(k.pool.threads, l[63]);`;
  const r = spawnSync(process.execPath, [...TS_LOADER, '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.error, undefined, 'the process did not exit within 20 s (a worker kept it alive)');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `2 ${Math.fround(Math.log(1000))}`);
});

test('a pool of more threads than the control words held (16 on the GPU machine: 7 + 15 READY words) starts every worker', { skip }, () => {
  // each worker's view of the control words was 16 words long, so a worker of index 9 or more stored its READY word
  // out of range: a RangeError in the worker, an uncaught exception of the process (seen on a 16-core machine)
  const script = `import { WasmKernels } from ${JSON.stringify(runnable('src/backend/cpu/wasm/wasm-kernels.ts'))};
const k = WasmKernels.load(16); const x = new Float32Array(64 * 1000).fill(1), l = new Float32Array(64);
k.crossEntropy(l, x, x, new Int32Array(64), 64, 1000, 1); console.log(k.pool.threads, l[63]);`;
  const r = spawnSync(process.execPath, [...TS_LOADER, '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /RangeError/);
  assert.equal(r.stdout.trim(), `16 ${Math.fround(Math.log(1000))}`);
});
