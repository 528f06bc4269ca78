// CPU benchmark: forward, LoRA-training and full-training tokens/s of a ~20M-parameter Mistral (vocab 32000, hidden 256,
// intermediate 768, 6 layers, 8 heads, 2 KV heads) at batch 4 × 256 (bench/cpu-model.ts), with OpenBLAS and without it (the
// WebAssembly SIMD GEMM; --js adds the TypeScript loops, ~50× slower), side by side with the PyTorch peer
// (Debian python3-torch) run in the same process tree.
// Usage: npm run bench:cpu [-- --steps 5 --warmup 2 --modes forward,lora,full --no-simd --js --no-torch --peer PATH/bench_cpu.py]
// Prints one JSON line per case, then a table with median step times and the ratio to PyTorch.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { threadCount } from '../src/backend/cpu/wasm/pool.ts';
import { nanoWorkload, type Mode } from './cpu-model.ts';

// the peer lives in the shared folder next to the repository (../shared), or next to a worktree's parent
const PEERS = ['../shared/bench/torch_cpu/bench_cpu.py', '../../shared/bench/torch_cpu/bench_cpu.py'].map((p) => path.resolve(p));
const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' },
    modes: { type: 'string', default: 'forward,lora,full' },
    'no-simd': { type: 'boolean' }, js: { type: 'boolean' }, 'no-torch': { type: 'boolean' },
    peer: { type: 'string', default: PEERS.find((p) => fs.existsSync(p)) ?? PEERS[0]! },
  },
});
const steps = Number(a.steps), warmup = Number(a.warmup);
const B = 4, T = 256;

interface Row { system: string; mode: string; tokens_per_s: number; step_ms_median: number; step_ms_all: number[]; peak_rss_mb: number }

const LABEL = { openblas: 'OpenBLAS', simd: 'no BLAS: WASM SIMD GEMM', js: 'no BLAS: TypeScript GEMM' } as const;

function ours(gemm: 'openblas' | 'simd' | 'js', mode: Mode, nSteps: number, nWarmup: number): Row {
  const w = nanoWorkload(mode, B, T, gemm);
  for (let i = 0; i < nWarmup; i++) w.step();
  const times: number[] = [];
  for (let i = 0; i < nSteps; i++) {
    const t0 = performance.now();
    w.step();
    times.push(performance.now() - t0);
  }
  const med = [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)]!;
  w.release();
  return {
    system: `mistral-tune (${LABEL[gemm]})`, mode,
    tokens_per_s: Math.round((B * T) / (med / 1000)), step_ms_median: Math.round(med),
    step_ms_all: times.map((t) => Math.round(t)), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function torch(mode: Mode): Row | null {
  if (a['no-torch'] || !fs.existsSync(a.peer!) || !fs.existsSync('/usr/bin/python3')) return null;
  try {
    const out = execFileSync('/usr/bin/python3', [a.peer!, '--cases', `tuned/nano:${mode}`, '--steps', String(steps), '--warmup', String(warmup)], { encoding: 'utf8' });
    const d = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) as Record<string, unknown>;
    return {
      system: `PyTorch ${String(d.torch)} (OMP_WAIT_POLICY=PASSIVE)`, mode, tokens_per_s: Math.round((B * T) / (Number(d.step_ms_median) / 1000)),
      step_ms_median: Number(d.step_ms_median), step_ms_all: d.step_ms_all as number[], peak_rss_mb: Number(d.peak_rss_mb),
    };
  } catch (e) {
    console.error(`PyTorch peer failed: ${(e as Error).message.slice(0, 300)}`);
    return null;
  }
}

const results: Row[] = [];
const record = (r: Row | null): void => {
  if (!r) return;
  results.push(r);
  console.log(JSON.stringify(r));
};
for (const mode of a.modes!.split(',') as Mode[]) {
  // alternate the systems so drift on a shared machine hits both
  record(ours('openblas', mode, steps, warmup));
  record(torch(mode));
  if (!a['no-simd']) record(ours('simd', mode, steps, warmup));
  if (a.js) record(ours('js', mode, Math.min(steps, 2), 1));
}
console.log(`\n# ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores; peak RSS is the process's so far (ours run in one process)`);
console.log(`# kernel threads: ${threadCount()} (MISTRAL_TUNE_THREADS); load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`# CPU benchmark: nano Mistral (vocab 32000, hidden 256, 6 layers), batch ${B} × ${T}, LoRA r=16 on all 7 projections (full: all weights), float32`);
console.log(`# ${'system'.padEnd(44)} ${'mode'.padEnd(8)} ${'tokens/s'.padStart(9)} ${'median ms'.padStart(10)} ${'vs torch'.padStart(9)}`);
for (const r of results) {
  const peer = results.find((x) => x.system.startsWith('PyTorch') && x.mode === r.mode);
  const ratio = peer ? (r.tokens_per_s / peer.tokens_per_s).toFixed(2) + '×' : 'n/a';
  console.log(`# ${r.system.padEnd(44)} ${r.mode.padEnd(8)} ${String(r.tokens_per_s).padStart(9)} ${String(r.step_ms_median).padStart(10)} ${ratio.padStart(9)}`);
}
