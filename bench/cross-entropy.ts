// Paired micro-benchmark of the wasm cross-entropy kernel (and SwiGLU, another user of exp4): two builds
// of kernels.wasm (--before, required, e.g. `git show edae0f9:src/backend/cpu/wasm/kernels.wasm > /tmp/before.wasm`;
// --after, default the working tree's) each instantiated on its own memory in this one process, called
// directly on one thread, alternating before/after for --reps rounds; prints the median wall and process
// CPU time per call.
// It also checks that the two builds' SwiGLU outputs are bit-identical over a sweep of gate values
// (exp4 over [−100, 100]) and reports the largest loss difference.
// Usage: node --import tsx bench/cross-entropy.ts --before /tmp/before.wasm [--after path] [--rows 512] [--vocab 32000] [--reps 9]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { wasmApi, type WasmGlobal, type WasmMemory } from '../src/backend/cpu/wasm/wasm-api.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: a } = parseArgs({
  options: {
    before: { type: 'string' }, after: { type: 'string', default: path.join(here, '../src/backend/cpu/wasm/kernels.wasm') },
    rows: { type: 'string', default: '512' }, vocab: { type: 'string', default: '32000' }, reps: { type: 'string', default: '9' },
  },
});
if (!a.before) throw new Error('--before <kernels.wasm> is required');
const N = Number(a.rows), V = Number(a.vocab), reps = Number(a.reps);

interface Kernels {
  name: string;
  mem: WasmMemory;
  ce: (logits: number, targets: number, rows: number, V: number, stats: number, grad: number, scale: number) => void;
  swiglu: (out: number, gate: number, up: number, n: number) => void;
  base: number;
}

function load(name: string, file: string): Kernels {
  const bytesNeeded = Math.max(4 * N * V, 3 * 4 * (1 << 22)) + 64 * N + (1 << 24);
  const mem = new wasmApi.Memory({ initial: Math.ceil(bytesNeeded / 65536) + 32, maximum: 65536, shared: true });
  const x = new wasmApi.Instance(new wasmApi.Module(fs.readFileSync(file)), { env: { memory: mem } }).exports as Record<string, unknown>;
  const base = ((x.__heap_base as WasmGlobal).value as number) + (1 << 20);
  return { name, mem, ce: x.cross_entropy as Kernels['ce'], swiglu: x.swiglu_forward as Kernels['swiglu'], base };
}

const ks = [load('before', a.before), load('after', a.after)];
// logits like a random model's (N(0, 1)-ish), targets random; laid out identically in both memories
let seed = 1;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const src = Float32Array.from({ length: N * V }, () => (rnd() + rnd() + rnd() - 1.5) * 2);
const tgt = Int32Array.from({ length: N }, () => Math.floor(rnd() * V));
const lay = (k: Kernels): { logits: number; targets: number; stats: number } =>
  ({ logits: k.base, targets: k.base + 4 * N * V, stats: k.base + 4 * N * V + 4 * N + 16 - ((4 * N) % 16) });

function reset(k: Kernels): void {
  const l = lay(k);
  new Float32Array(k.mem.buffer, l.logits, N * V).set(src);
  new Int32Array(k.mem.buffer, l.targets, N).set(tgt);
}

function losses(k: Kernels): Float64Array {
  const s = new Float64Array(k.mem.buffer, lay(k).stats, 3 * N);
  return Float64Array.from({ length: N }, (_, t) => s[3 * t]! + Math.log(s[3 * t + 1]!) - s[3 * t + 2]!);
}

const median = (v: number[]): number => [...v].sort((p, q) => p - q)[v.length >> 1]!;
function time(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  f();
  const wall = performance.now() - t0, c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

for (const grad of [0, 1]) {
  const res = new Map<string, { wall: number[]; cpu: number[] }>(ks.map((k) => [k.name, { wall: [], cpu: [] }]));
  for (let r = 0; r < reps + 1; r++) {
    for (const k of r % 2 ? [...ks].reverse() : ks) {
      reset(k);
      const l = lay(k);
      const t = time(() => k.ce(l.logits, l.targets, N, V, l.stats, grad, 1 / N));
      if (r > 0) { res.get(k.name)!.wall.push(t.wall); res.get(k.name)!.cpu.push(t.cpu); }
    }
  }
  const [lb, la] = ks.map(losses);
  let d = 0;
  for (let t = 0; t < N; t++) d = Math.max(d, Math.abs(lb![t]! - la![t]!));
  let g = 0;
  if (grad) {
    const [gb, ga] = ks.map((k) => new Float32Array(k.mem.buffer, lay(k).logits, N * V));
    for (let i = 0; i < N * V; i++) g = Math.max(g, Math.abs(gb![i]! - ga![i]!));
  }
  const line = ks.map((k) => `${k.name} ${median(res.get(k.name)!.wall).toFixed(1)} ms (cpu ${median(res.get(k.name)!.cpu).toFixed(1)})`).join(', ');
  console.log(`# cross_entropy ${N}×${V} grad=${grad}: ${line}; max |Δloss| ${d.toExponential(2)}${grad ? `, max |Δgrad| ${g.toExponential(2)}` : ''}`);
}

// SwiGLU over a sweep of gate values: exp4 on [−100, 100] in both builds, bit for bit; and its time
const n = 1 << 22;
const gate = Float32Array.from({ length: n }, (_, i) => -100 + (200 * i) / n);
const outs = ks.map((k) => {
  const g = k.base, u = g + 4 * n, o = u + 4 * n;
  new Float32Array(k.mem.buffer, g, n).set(gate);
  new Float32Array(k.mem.buffer, u, n).fill(1);
  return { k, g, u, o };
});
const sw = new Map<string, number[]>(ks.map((k) => [k.name, []]));
for (let r = 0; r < reps + 1; r++) {
  for (const { k, g, u, o } of r % 2 ? [...outs].reverse() : outs) {
    const t = time(() => k.swiglu(o, g, u, n));
    if (r > 0) sw.get(k.name)!.push(t.cpu);
  }
}
const [sb, sa] = outs.map(({ k, o }) => new Uint32Array(k.mem.buffer, o, n));
let diff = 0;
for (let i = 0; i < n; i++) if (sb![i] !== sa![i]) diff++;
for (let i = 0, shown = 0; i < n && shown < 8; i++) if (sb![i] !== sa![i]) { shown++; console.log(`#   gate ${gate[i]}: before ${new Float32Array(sb!.buffer, sb!.byteOffset + 4 * i, 1)[0]} after ${new Float32Array(sa!.buffer, sa!.byteOffset + 4 * i, 1)[0]}`); }
console.log(`# swiglu_forward ${n}: ${ks.map((k) => `${k.name} cpu ${median(sw.get(k.name)!).toFixed(1)} ms`).join(', ')}; outputs differing in bits: ${diff} of ${n}`);
