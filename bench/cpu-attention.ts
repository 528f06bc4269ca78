// Micro-benchmark of the CPU attention kernels alone (src/backend/cpu/kernels/attention.ts with the SIMD row
// kernels): forward and backward of one layer at a benchmark case's shape (nano: 8 heads / 2 KV, head_dim 32),
// wall and process CPU time, median of --reps. With --base PATH (a copy of an older attention.ts, its two
// imports made absolute, e.g. `git show REV:src/backend/cpu/kernels/attention.ts | sed ...`) the two
// implementations alternate in this one process, paired, and their outputs are compared. --split adds the
// wall time in the GEMMs and in each row kernel.
// Usage: node --import tsx bench/cpu-attention.ts [--gemm openblas|simd] [--shapes 1x1024,4x256] [--heads 8/2/32] [--reps 7]
//   [--base PATH] [--split]
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import type { AttentionShape, GemmSpec } from '../src/backend/backend.ts';
import type { FloatArray } from '../src/backend/dtype.ts';
import { gemm, resolveGemm } from '../src/backend/cpu/gemm.ts';
import { loadOpenBlas } from '../src/backend/cpu/openblas.ts';
import { WasmKernels } from '../src/backend/cpu/wasm/wasm-kernels.ts';
import * as current from '../src/backend/cpu/kernels/attention.ts';
import { Rng } from '../src/util/rng.ts';

const { values: a } = parseArgs({
  options: {
    gemm: { type: 'string', default: 'openblas' }, shapes: { type: 'string', default: '1x1024,4x256' },
    heads: { type: 'string', default: '8/2/32' }, reps: { type: 'string', default: '7' }, base: { type: 'string' }, split: { type: 'boolean' },
  },
});
type Impl = Pick<typeof current, 'attentionForward' | 'attentionBackward'>;
const impls: [string, Impl][] = [['current', current]];
if (a.base) impls.unshift(['base', (await import(pathToFileURL(path.resolve(a.base)).href)) as Impl]);

const wasm = WasmKernels.load()!;
const blas = a.gemm === 'openblas' ? loadOpenBlas() : null;
const gemmFn = (c: FloatArray, x: FloatArray, y: FloatArray, s: GemmSpec): void =>
  gemm(c, x, y, resolveGemm(s, x.length, y.length, c.length), blas, blas ? null : wasm);
const inner = wasm.attentionOps(gemmFn);
/** Wall ms in the GEMMs and in the row kernels, summed (printed per implementation with --split). */
const split = { gemm: 0, softmax: 0, probs: 0, dscores: 0 };
const timedOp = <A extends unknown[]>(key: keyof typeof split, f: (...x: A) => void) => (...x: A): void => {
  const t0 = performance.now();
  f(...x);
  split[key] += performance.now() - t0;
};
const ops = !a.split ? inner : {
  ...inner, gemm: timedOp('gemm', inner.gemm), maskedSoftmax: timedOp('softmax', inner.maskedSoftmax),
  probsFromLse: timedOp('probs', inner.probsFromLse), dScores: timedOp('dscores', inner.dScores),
};
const [Hq, Hkv, D] = a.heads!.split('/').map(Number) as [number, number, number];
const reps = Number(a.reps);
const rng = new Rng(3);
/** A float32 array in the kernels' memory (as the backend's buffers are), filled with N(0, 1). */
const arr = (n: number, fill = true): Float32Array => {
  const x = wasm.allocF32(n)!.data;
  if (fill) for (let i = 0; i < n; i++) x[i] = rng.normal();
  return x;
};
const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

for (const shape of a.shapes!.split(',')) {
  const [B, T] = shape.split('x').map(Number) as [number, number];
  const s: AttentionShape = { B, T, Hq, Hkv, D, scale: 1 / Math.sqrt(D), window: null };
  const q = arr(B * T * Hq * D), k = arr(B * T * Hkv * D), v = arr(B * T * Hkv * D), dout = arr(B * T * Hq * D);
  const seg = new Int32Array(B * T);
  const outs = impls.map(() => ({ out: arr(B * T * Hq * D, false), lse: arr(B * Hq * T, false), dq: arr(B * T * Hq * D, false),
    dk: arr(B * T * Hkv * D, false), dv: arr(B * T * Hkv * D, false) }));
  const t = impls.map(() => ({ fw: [] as number[], bw: [] as number[], fwCpu: [] as number[], bwCpu: [] as number[], split: [] as (typeof split)[] }));
  for (let r = 0; r < reps + 1; r++) {
    impls.forEach(([, impl], i) => {
      const o = outs[i]!, tt = t[i]!;
      split.gemm = split.softmax = split.probs = split.dscores = 0;
      let w0 = performance.now(), c0 = cpuMs();
      impl.attentionForward(o.out, o.lse, q, k, v, seg, s, ops);
      const fw = performance.now() - w0, fwc = cpuMs() - c0;
      w0 = performance.now(); c0 = cpuMs();
      impl.attentionBackward(o.dq, o.dk, o.dv, dout, o.out, o.lse, q, k, v, seg, s, ops);
      const bw = performance.now() - w0, bwc = cpuMs() - c0;
      if (r === 0) return; // warm-up
      tt.split.push({ ...split });
      tt.fw.push(fw); tt.bw.push(bw); tt.fwCpu.push(fwc); tt.bwCpu.push(bwc);
    });
  }
  console.log(`# ${B} × ${T}, ${Hq} heads / ${Hkv} KV, head_dim ${D}, GEMM ${a.gemm}: median of ${reps} (ms, wall / process CPU)`);
  impls.forEach(([name], i) => {
    const tt = t[i]!;
    console.log(`#   ${name.padEnd(8)} forward ${median(tt.fw).toFixed(1).padStart(7)} / ${median(tt.fwCpu).toFixed(1).padStart(7)}` +
      `   backward ${median(tt.bw).toFixed(1).padStart(7)} / ${median(tt.bwCpu).toFixed(1).padStart(7)}` +
      (a.split ? '   (wall ms in ' + (Object.keys(split) as (keyof typeof split)[]).map((key) => `${key} ${median(tt.split.map((x) => x[key])).toFixed(1)}`).join(', ') + ')' : ''));
  });
  if (impls.length === 2) {
    const rel = (x: Float32Array, y: Float32Array): number => {
      let num = 0, den = 0;
      for (let i = 0; i < x.length; i++) { num += (x[i]! - y[i]!) ** 2; den += y[i]! ** 2; }
      return Math.sqrt(num / Math.max(den, 1e-30));
    };
    const [x, y] = outs as [typeof outs[0], typeof outs[0]];
    console.log(`#   rel. difference: out ${rel(x.out, y.out).toExponential(1)} lse ${rel(x.lse, y.lse).toExponential(1)} ` +
      `dq ${rel(x.dq, y.dq).toExponential(1)} dk ${rel(x.dk, y.dk).toExponential(1)} dv ${rel(x.dv, y.dv).toExponential(1)}`);
  }
}
process.exit(0);
