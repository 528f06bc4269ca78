// CPU benchmark: forward and LoRA-training tokens/s of a ~20M-parameter Mistral (vocab 32000, hidden 256,
// intermediate 768, 6 layers, 8 heads, 2 KV heads) at batch 4 × 256, with OpenBLAS and without it (the
// WebAssembly SIMD GEMM; --js adds the TypeScript loops, ~50× slower), side by side with the PyTorch peer
// (Debian python3-torch) run in the same process tree.
// Usage: npm run bench:cpu [-- --steps 5 --warmup 2 --no-simd --js --no-torch --peer PATH/bench_cpu.py]
// Prints one JSON line per case, then a table with median step times and the ratio to PyTorch.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.ts';
import { causalLmBackward } from '../src/model/backward.ts';
import { collate } from '../src/data/batch.ts';
import { parseConfig } from '../src/model/config.ts';
import { createRandomModel } from '../src/model/init.ts';
import { zeroGrads } from '../src/model/params.ts';
import { createAdapter } from '../src/model/peft.ts';
import { PROJECTIONS } from '../src/model/weights.ts';
import { AdamW } from '../src/train/optimizer.ts';
import { Rng } from '../src/util/rng.ts';

const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' },
    'no-simd': { type: 'boolean' }, js: { type: 'boolean' }, 'no-torch': { type: 'boolean' },
    peer: { type: 'string', default: path.resolve('../shared/bench/torch_cpu/bench_cpu.py') },
  },
});
const steps = Number(a.steps), warmup = Number(a.warmup);
const B = 4, T = 256;
const NANO = {
  model_type: 'mistral', vocab_size: 32000, hidden_size: 256, intermediate_size: 768, num_hidden_layers: 6,
  num_attention_heads: 8, num_key_value_heads: 2, head_dim: 32, rms_norm_eps: 1e-5, rope_theta: 10000,
  sliding_window: null, tie_word_embeddings: false,
};

interface Row { system: string; mode: string; tokens_per_s: number; step_ms_median: number; step_ms_all: number[]; peak_rss_mb: number }

const LABEL = { openblas: 'OpenBLAS', simd: 'no BLAS: WASM SIMD GEMM', js: 'no BLAS: TypeScript GEMM' } as const;

function ours(gemm: 'openblas' | 'simd' | 'js', mode: 'forward' | 'lora', nSteps: number, nWarmup: number): Row {
  const backend = new CpuBackend({ gemm });
  const cfg = parseConfig(NANO);
  const model = createRandomModel(backend, cfg, { seed: 0 });
  const rng = new Rng(1);
  createAdapter(model, { r: 16, alpha: 32, dropout: 0, targets: PROJECTIONS, useRslora: false }, rng, mode === 'lora');
  for (const layer of model.lora!.layers) {
    for (const pair of Object.values(layer)) {
      const b = new Float32Array(pair.B.length).map(() => rng.normal() * 0.02);
      backend.upload(pair.B, { dtype: 'f32', data: b });
    }
  }
  const rows = Array.from({ length: B }, () => ({ inputIds: Array.from({ length: T }, () => rng.below(32000)) }));
  const batch = collate(rows, 0, null);
  const params = model.trainableParams();
  const opt = mode === 'lora' ? new AdamW(backend, params, { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 }) : null;
  const step = (): void => {
    if (opt) {
      zeroGrads(backend, params);
      causalLmBackward(model, batch, 1 / batch.targetCount);
      opt.update(1e-4);
    } else {
      model.loss(batch);
    }
  };
  for (let i = 0; i < nWarmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < nSteps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  const med = [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)]!;
  model.releaseActivations();
  return {
    system: `mistral-tune (${LABEL[gemm]})`, mode,
    tokens_per_s: Math.round((B * T) / (med / 1000)), step_ms_median: Math.round(med),
    step_ms_all: times.map((t) => Math.round(t)), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function torch(mode: 'forward' | 'lora'): Row | null {
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
for (const mode of ['forward', 'lora'] as const) {
  // alternate the systems so drift on a shared machine hits both
  record(ours('openblas', mode, steps, warmup));
  record(torch(mode));
  if (!a['no-simd']) record(ours('simd', mode, steps, warmup));
  if (a.js) record(ours('js', mode, Math.min(steps, 2), 1));
}
console.log(`\n# CPU benchmark: nano Mistral (vocab 32000, hidden 256, 6 layers), batch ${B} × ${T}, LoRA r=16 on all 7 projections, float32`);
console.log(`# ${'system'.padEnd(44)} ${'mode'.padEnd(8)} ${'tokens/s'.padStart(9)} ${'median ms'.padStart(10)} ${'vs torch'.padStart(9)}`);
for (const r of results) {
  const peer = results.find((x) => x.system.startsWith('PyTorch') && x.mode === r.mode);
  const ratio = peer ? (r.tokens_per_s / peer.tokens_per_s).toFixed(2) + '×' : 'n/a';
  console.log(`# ${r.system.padEnd(44)} ${r.mode.padEnd(8)} ${String(r.tokens_per_s).padStart(9)} ${String(r.step_ms_median).padStart(10)} ${ratio.padStart(9)}`);
}
