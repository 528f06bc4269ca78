// Micro-benchmark of the WebAssembly SIMD GEMM (the no-BLAS path) on the nano workload's shapes (bench/cpu-model.ts:
// hidden 256, intermediate 768, 2 KV heads of 32, vocab 32000, 1024 tokens, LoRA r = 16): GFLOP/s per shape on 1 and
// 2 threads, and the GEMM milliseconds of one LoRA step (each shape × its calls per step). With --old DIR (a copy of
// another commit's src/: `git archive <commit> src | tar -x -C /tmp/old`, plus a node_modules link in /tmp/old) it
// runs that tree's kernels in the same process, alternating old and new per repetition, so the two see the same
// machine load, and checks that one call of each gives the same bits.
// With --outside the operands are on the JS heap, not in the kernels' memory: each call copies them into its frame and C
// back (a bf16 GEMM's float32 staging copies, a float32 weight past the memory's 3 GiB of buffers).
// Usage: node --import tsx bench/wasm-gemm.ts [--old /tmp/gemm-old/src] [--threads 1,2] [--reps 7] [--ms 40] [--only NAME] [--outside]
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResolvedGemm } from '../src/backend/cpu/gemm.ts';
import type { GemmSpec } from '../src/backend/backend.ts';

const { values: a } = parseArgs({
  options: {
    old: { type: 'string' }, threads: { type: 'string', default: '1,2' }, reps: { type: 'string', default: '7' },
    ms: { type: 'string', default: '40' }, only: { type: 'string' }, outside: { type: 'boolean', default: false },
  },
});

interface Shape { name: string; spec: GemmSpec; perStep: number }
const N = 1024, C = 256, I = 768, KV = 64, V = 32000, R = 16;
/** The GEMMs of one nano LoRA step (attention's are inside its kernels: listed with 0 calls, one (row, head) block each: 64 query rows in the backward, 256 in the forward). */
const SHAPES: Shape[] = [
  { name: 'fwd x·Wqᵀ (q, o)', spec: { m: N, n: C, k: C, transB: true }, perStep: 12 },
  { name: 'fwd x·Wkᵀ (k, v)', spec: { m: N, n: KV, k: C, transB: true }, perStep: 12 },
  { name: 'fwd x·Wgᵀ (gate, up)', spec: { m: N, n: I, k: C, transB: true }, perStep: 12 },
  { name: 'fwd h·Wdᵀ (down)', spec: { m: N, n: C, k: I, transB: true }, perStep: 6 },
  { name: 'fwd LM head (512 rows)', spec: { m: 512, n: V, k: C, transB: true }, perStep: 2 },
  { name: 'fwd LoRA x·Aᵀ (in 256)', spec: { m: N, n: R, k: C, transB: true }, perStep: 36 },
  { name: 'fwd LoRA x·Aᵀ (in 768)', spec: { m: N, n: R, k: I, transB: true }, perStep: 6 },
  { name: 'fwd LoRA z·Bᵀ (out 256)', spec: { m: N, n: C, k: R, transB: true, beta: 1, alpha: 2 }, perStep: 18 },
  { name: 'fwd LoRA z·Bᵀ (out 64)', spec: { m: N, n: KV, k: R, transB: true, beta: 1, alpha: 2 }, perStep: 12 },
  { name: 'fwd LoRA z·Bᵀ (out 768)', spec: { m: N, n: I, k: R, transB: true, beta: 1, alpha: 2 }, perStep: 12 },
  { name: 'bwd LM head dlogits·W', spec: { m: 512, n: C, k: V }, perStep: 2 },
  { name: 'bwd dy·W (q, o)', spec: { m: N, n: C, k: C }, perStep: 12 },
  { name: 'bwd dy·W (k, v)', spec: { m: N, n: C, k: KV }, perStep: 12 },
  { name: 'bwd dy·W (gate, up)', spec: { m: N, n: C, k: I }, perStep: 12 },
  { name: 'bwd dy·W (down)', spec: { m: N, n: I, k: C }, perStep: 6 },
  { name: 'bwd LoRA dB dyᵀ·z (256)', spec: { m: C, n: R, k: N, transA: true, beta: 1 }, perStep: 18 },
  { name: 'bwd LoRA dB dyᵀ·z (64)', spec: { m: KV, n: R, k: N, transA: true, beta: 1 }, perStep: 12 },
  { name: 'bwd LoRA dB dyᵀ·z (768)', spec: { m: I, n: R, k: N, transA: true, beta: 1 }, perStep: 12 },
  { name: 'bwd LoRA dz dy·B (256)', spec: { m: N, n: R, k: C }, perStep: 18 },
  { name: 'bwd LoRA dz dy·B (64)', spec: { m: N, n: R, k: KV }, perStep: 12 },
  { name: 'bwd LoRA dz dy·B (768)', spec: { m: N, n: R, k: I }, perStep: 12 },
  { name: 'bwd LoRA dA dzᵀ·x (256)', spec: { m: R, n: C, k: N, transA: true, beta: 1 }, perStep: 36 },
  { name: 'bwd LoRA dA dzᵀ·x (768)', spec: { m: R, n: I, k: N, transA: true, beta: 1 }, perStep: 6 },
  { name: 'bwd LoRA dx dz·A (256)', spec: { m: N, n: C, k: R, beta: 1 }, perStep: 36 },
  { name: 'bwd LoRA dx dz·A (768)', spec: { m: N, n: I, k: R, beta: 1 }, perStep: 6 },
  { name: 'full dW dyᵀ·x (768×256)', spec: { m: I, n: C, k: N, transA: true, beta: 1 }, perStep: 0 },
  { name: 'full LM head dW', spec: { m: V, n: C, k: 512, transA: true, beta: 1 }, perStep: 0 },
  { name: 'attn Q·Kᵀ (64 rows)', spec: { m: 64, n: 256, k: 32, transB: true, lda: 256, ldb: 64 }, perStep: 0 },
  { name: 'attn P·V (64 rows)', spec: { m: 64, n: 32, k: 256, lda: 256, ldb: 64, ldc: 256 }, perStep: 0 },
  { name: 'attn dV += Pᵀ·dO', spec: { m: 256, n: 32, k: 64, transA: true, lda: 256, ldb: 256, ldc: 64, beta: 1 }, perStep: 0 },
  { name: 'attn (T=256 block) Q·Kᵀ', spec: { m: 256, n: 256, k: 32, transB: true, lda: 256, ldb: 64 }, perStep: 0 },
  { name: 'attn (T=256 block) P·V', spec: { m: 256, n: 32, k: 256, lda: 256, ldb: 64, ldc: 256 }, perStep: 0 },
];

interface Kernels {
  allocF32(n: number): { data: Float32Array; release: () => void } | null;
  sgemm(g: ResolvedGemm, A: Float32Array, B: Float32Array, C: Float32Array): void;
}
interface Tree { label: string; load: (threads: number) => Kernels; resolve: (s: GemmSpec, a: number, b: number, c: number) => ResolvedGemm }

async function tree(label: string, src: string): Promise<Tree> {
  const url = (p: string): string => pathToFileURL(path.resolve(src, p)).href;
  const wk = (await import(url('backend/cpu/wasm/wasm-kernels.ts'))) as { WasmKernels: { load(t: number): Kernels | null } };
  const gm = (await import(url('backend/cpu/gemm.ts'))) as { resolveGemm: Tree['resolve'] };
  return {
    label, resolve: gm.resolveGemm,
    load: (t) => {
      const k = wk.WasmKernels.load(t);
      if (!k) throw new Error(`${label}: WebAssembly kernels did not load`);
      return k;
    },
  };
}

/** A case: one tree's kernels on t threads with its operands in the arena (or outside it: --outside), timed `calls` calls at a time. */
function prepare(t: Tree, threads: number, s: Shape): { run: (calls: number) => { wall: number; cpu: number }; C: Float32Array; release: () => void } {
  const k = t.load(threads);
  const size = (rows: number, cols: number, ld: number | undefined): number => (rows - 1) * (ld ?? cols) + cols;
  const { m, n } = s.spec, kk = s.spec.k;
  const lenA = s.spec.transA ? size(kk, m, s.spec.lda) : size(m, kk, s.spec.lda);
  const lenB = s.spec.transB ? size(n, kk, s.spec.ldb) : size(kk, n, s.spec.ldb);
  const lenC = size(m, n, s.spec.ldc);
  const bufs = [lenA, lenB, lenC].map((len) => (a.outside ? { data: new Float32Array(len), release: () => {} } : k.allocF32(len)!));
  let seed = 1;
  for (const b of bufs) for (let i = 0; i < b.data.length; i++) b.data[i] = ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.1;
  const g = t.resolve(s.spec, lenA, lenB, lenC);
  return {
    run: (calls) => {
      const c0 = process.cpuUsage(), t0 = performance.now();
      for (let i = 0; i < calls; i++) k.sgemm(g, bufs[0]!.data, bufs[1]!.data, bufs[2]!.data);
      const wall = performance.now() - t0, cu = process.cpuUsage(c0);
      return { wall, cpu: (cu.user + cu.system) / 1000 };
    },
    C: bufs[2]!.data,
    release: () => bufs.forEach((b) => b.release()),
  };
}

const median = (x: number[]): number => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;

const trees = [await tree('new', path.resolve(import.meta.dirname, '../src'))];
if (a.old) trees.unshift(await tree('old', a.old));
const reps = Number(a.reps), budget = Number(a.ms);
const threadList = a.threads!.split(',').map(Number);
const shapes = SHAPES.filter((s) => !a.only || s.name.includes(a.only));
const cols = trees.map((t) => t.label);
console.log(`# wasm GEMM${a.outside ? ' on operands outside its memory' : ''}, median of ${reps} (alternating ${cols.join('/')}): GFLOP/s by wall time and by process CPU time (all threads), wall ms per call; ` +
  `speed-up new/old by wall and by CPU time, and whether one call gives the same bits`);
const stepMs = new Map<string, [number, number]>(); // wall and CPU ms of a LoRA step's GEMMs, per tree/threads
for (const threads of threadList) {
  console.log(`# ${threads} thread(s)`);
  console.log(`# ${'shape'.padEnd(26)} ${'m×n×k'.padEnd(16)} ${cols.map((c) => `${c} GF/s`.padStart(10) + 'by CPU'.padStart(9) + `${c} ms`.padStart(9)).join(' ')}${trees.length > 1 ? '   wall    CPU (new/old)' : ''}`);
  for (const s of shapes) {
    const flops = 2 * s.spec.m * s.spec.n * s.spec.k;
    const cases = trees.map((t) => prepare(t, threads, s));
    cases.forEach((c) => c.run(1)); // warm-up (and first-use allocations); the trees start from the same operands
    const same = cases.every((c) => Buffer.compare(Buffer.from(c.C.buffer, c.C.byteOffset, c.C.byteLength),
      Buffer.from(cases[0]!.C.buffer, cases[0]!.C.byteOffset, cases[0]!.C.byteLength)) === 0);
    const once = cases[cases.length - 1]!.run(3).wall / 3;
    const calls = Math.max(1, Math.round(budget / Math.max(once, 1e-3)));
    const wall: number[][] = trees.map(() => []), cpu: number[][] = trees.map(() => []);
    for (let r = 0; r < reps; r++) {
      cases.forEach((c, i) => {
        const x = c.run(calls);
        wall[i]!.push(x.wall / calls);
        cpu[i]!.push(x.cpu / calls);
      });
    }
    cases.forEach((c) => c.release());
    const ms = wall.map(median), cpuMs = cpu.map(median);
    trees.forEach((t, i) => {
      const key = `${t.label}/${threads}`, [w, c] = stepMs.get(key) ?? [0, 0];
      stepMs.set(key, [w + s.perStep * ms[i]!, c + s.perStep * cpuMs[i]!]);
    });
    const shape = `${s.spec.m}×${s.spec.n}×${s.spec.k}${s.spec.transA ? ' Aᵀ' : ''}${s.spec.transB ? ' Bᵀ' : ''}`;
    const cells = ms.map((x, i) => `${(flops / x / 1e6).toFixed(1).padStart(10)}${(flops / cpuMs[i]! / 1e6).toFixed(1).padStart(9)}${x.toFixed(3).padStart(9)}`);
    const ratio = trees.length > 1 ? `${(ms[0]! / ms[1]!).toFixed(2).padStart(7)}×${(cpuMs[0]! / cpuMs[1]!).toFixed(2).padStart(7)}× ${same ? 'same bits' : 'BITS DIFFER'}` : '';
    console.log(`# ${s.name.padEnd(26)} ${shape.padEnd(16)} ${cells.join(' ')}${ratio}`);
  }
}
for (const [key, [w, c]] of stepMs) console.log(`# GEMMs of one LoRA step outside attention (${key} threads): ${w.toFixed(1)} ms wall, ${c.toFixed(1)} ms CPU`);
