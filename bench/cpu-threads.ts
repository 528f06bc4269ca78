// The worker pool's gain per kernel: each WebAssembly kernel on nano-sized operands, run alternately on
// one thread and on --threads threads in the same process (so both see the same machine load), with
// the median wall time of each, the median of the paired ratios, and the process CPU time (all threads:
// what the split costs in total). Also checks the outputs agree bit for bit.
// Usage: node --import tsx bench/cpu-threads.ts [--reps 9] [--threads 2]
import { parseArgs } from 'node:util';
import { resolveGemm } from '../src/backend/cpu/gemm.ts';
import { WasmKernels } from '../src/backend/cpu/wasm/wasm-kernels.ts';

const { values: a } = parseArgs({ options: { reps: { type: 'string', default: '9' }, threads: { type: 'string', default: '2' } } });
const reps = Number(a.reps), threads = Number(a.threads);

interface Case { name: string; setup: (k: WasmKernels) => { run: () => void; out: Float32Array } }
const filled = (k: WasmKernels, n: number, seed: number, spread = 1): Float32Array => {
  const x = k.allocF32(n)!.data;
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = (s / 2147483648 - 0.5) * spread;
  }
  return x;
};

const cases: Case[] = [
  { name: 'crossEntropy 1024×32000', setup: (k) => {
    const N = 1024, V = 32000, src = filled(k, N * V, 1, 8), x = k.allocF32(N * V)!.data, l = new Float32Array(N);
    const y = Int32Array.from({ length: N }, (_, i) => (i * 7919) % V);
    return { run: () => { x.set(src); k.crossEntropy(l, x, x, y, N, V, 1 / N); }, out: x };
  } },
  { name: 'swigluForward 1024×704', setup: (k) => {
    const n = 1024 * 704, g = filled(k, n, 2, 8), u = filled(k, n, 3), o = k.allocF32(n)!.data;
    return { run: () => k.swigluForward(o, g, u, n), out: o };
  } },
  { name: 'rmsnorm fwd+bwd 1024×256', setup: (k) => {
    const N = 1024, C = 256, x = filled(k, N * C, 4), w = filled(k, C, 5), dy = filled(k, N * C, 6);
    const o = k.allocF32(N * C)!.data, r = new Float32Array(N), dx = k.allocF32(N * C)!.data, dw = new Float32Array(C);
    return { run: () => { k.rmsnormForward(o, r, x, w, N, C, 1e-5); k.rmsnormBackward(dx, dw, dy, x, w, r, N, C); }, out: dx };
  } },
  { name: 'adamw 4M', setup: (k) => {
    const n = 4 << 20, p = filled(k, n, 7), g = filled(k, n, 8), m = k.allocF32(n)!.data, v = k.allocF32(n)!.data;
    let step = 0;
    return { run: () => k.adamw(p, g, m, v, null, 0, n, { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: ++step }), out: p };
  } },
  { name: 'wasm sgemm 1024×1024×256', setup: (k) => {
    const [m, n, kk] = [1024, 1024, 256], A = filled(k, m * kk, 9), B = filled(k, kk * n, 10), C = k.allocF32(m * n)!.data;
    const g = resolveGemm({ m, n, k: kk }, A.length, B.length, C.length);
    return { run: () => k.sgemm(g, A, B, C), out: C };
  } },
];

const med = (v: number[]): number => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;
console.log(`# kernel pool: 1 vs ${threads} threads, alternated, median of ${reps} (load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')})`);
console.log(`# ${'kernel'.padEnd(26)} ${'1 thread'.padStart(9)} ${`${threads} threads`.padStart(10)} ${'ratio'.padStart(6)} ${'CPU ms 1'.padStart(9)} ${`CPU ms ${threads}`.padStart(9)}  same bits`);
for (const c of cases) {
  const runs = [WasmKernels.load(1)!, WasmKernels.load(threads)!].map((k) => c.setup(k));
  const t: number[][] = [[], []], cpu: number[][] = [[], []];
  for (let r = 0; r < reps + 1; r++) {
    runs.forEach((x, i) => {
      const c0 = process.cpuUsage(), t0 = performance.now();
      x.run();
      const c = process.cpuUsage(c0);
      if (r > 0) t[i]!.push(performance.now() - t0), cpu[i]!.push((c.user + c.system) / 1000);
    });
  }
  const same = Buffer.from(runs[0]!.out.buffer, runs[0]!.out.byteOffset, runs[0]!.out.byteLength)
    .equals(Buffer.from(runs[1]!.out.buffer, runs[1]!.out.byteOffset, runs[1]!.out.byteLength));
  const ratio = med(t[1]!.map((x, i) => x / t[0]![i]!));
  console.log(`# ${c.name.padEnd(26)} ${med(t[0]!).toFixed(1).padStart(9)} ${med(t[1]!).toFixed(1).padStart(10)} ${ratio.toFixed(2).padStart(6)} ${med(cpu[0]!).toFixed(1).padStart(9)} ${med(cpu[1]!).toFixed(1).padStart(9)}  ${same ? 'yes' : 'NO'}`);
}
