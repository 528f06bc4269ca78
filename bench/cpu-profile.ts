// Per-kernel profile of one CPU training (or forward) step: the backend's methods wrapped by a timing
// Proxy (bench-only), summed over --steps steps after --warmup, printed per method with its share.
// GEMMs are split into the LM head's (k or n = vocab) and the rest; attention includes its own GEMMs.
// The header also gives the process CPU time per step (all threads), less disturbed by other load than wall time.
// Usage: node --import tsx bench/cpu-profile.ts [--mode lora|full|forward] [--gemm openblas|simd] [--steps 3] [--case nano|small|w64|nano-t1024]
import { parseArgs } from 'node:util';
import type { Backend, GemmSpec } from '../src/backend/backend.ts';
import { CASES, workload, NANO, type CaseName, type Mode } from './cpu-model.ts';

const { values: a } = parseArgs({
  options: {
    mode: { type: 'string', default: 'lora' }, gemm: { type: 'string', default: 'openblas' },
    steps: { type: 'string', default: '3' }, warmup: { type: 'string', default: '1' }, case: { type: 'string', default: 'nano' },
  },
});
const totals = new Map<string, { ms: number; calls: number }>();
let on = false;

function timed(b: Backend): Backend {
  return new Proxy(b, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      return (...args: unknown[]) => {
        const t0 = performance.now();
        const r = (v as (...x: unknown[]) => unknown).apply(target, args);
        if (on) {
          let key = prop;
          if (prop === 'gemm') {
            const s = args[3] as GemmSpec;
            key = s.n === NANO.vocab_size || s.k === NANO.vocab_size || s.m === NANO.vocab_size ? 'gemm (LM head)' : 'gemm (other)';
          }
          const e = totals.get(key) ?? { ms: 0, calls: 0 };
          e.ms += performance.now() - t0;
          e.calls++;
          totals.set(key, e);
        }
        return r;
      };
    },
  });
}

const steps = Number(a.steps), warmup = Number(a.warmup);
const shape = CASES[a.case as CaseName];
const w = workload(shape.config, a.mode as Mode, shape.B, shape.T, a.gemm as 'openblas' | 'simd', timed);
for (let i = 0; i < warmup; i++) w.step();
on = true;
const t0 = performance.now(), c0 = process.cpuUsage();
for (let i = 0; i < steps; i++) w.step();
const wall = (performance.now() - t0) / steps, c = process.cpuUsage(c0), cpu = (c.user + c.system) / 1000 / steps;
on = false;
w.release();
const rows = [...totals.entries()].sort((x, y) => y[1].ms - x[1].ms);
const inKernels = rows.reduce((s, [, e]) => s + e.ms, 0) / steps;
console.log(`# ${a.case} ${a.mode} step, GEMM ${a.gemm}, batch ${shape.B} × ${shape.T}: ${wall.toFixed(0)} ms per step (mean of ${steps}; CPU ${cpu.toFixed(0)} ms), ${inKernels.toFixed(0)} ms in kernels`);
console.log(`# ${'kernel'.padEnd(18)} ${'ms/step'.padStart(8)} ${'share'.padStart(6)} ${'calls'.padStart(6)}`);
for (const [k, e] of rows) {
  if (e.ms / steps < 0.5) continue;
  console.log(`# ${k.padEnd(18)} ${(e.ms / steps).toFixed(1).padStart(8)} ${((100 * e.ms) / steps / wall).toFixed(1).padStart(5)}% ${String(e.calls / steps).padStart(6)}`);
}
console.log(`# ${'(outside kernels)'.padEnd(18)} ${(wall - inKernels).toFixed(1).padStart(8)} ${((100 * (wall - inKernels)) / wall).toFixed(1).padStart(5)}%`);
