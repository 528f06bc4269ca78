// GPU benchmark: LoRA training tokens/s and peak device memory of a Mistral-7B-shaped model with random
// bf16 weights (vocab 32000, hidden 4096, intermediate 14336, GQA 32/8; --layers for fewer), r = 16 on all
// 7 projections, AdamW, at batch × sequence cases (default 1×2048), side by side with HF transformers + PEFT
// (.device/hf_peft_baseline.py, run in the same call on the same shapes and layer count).
// The model is built with createRandomModel (the config has no `model: {config, init: random}` yet), and a
// step is what bench/cpu.ts times: zero grads, causalLmBackward (one host read), AdamW.
// Usage: npm run bench:gpu [-- --cases 1x2048 --layers 32 --steps 5 --warmup 2 --no-peer --peer .device/hf_peft_baseline.py]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CudaBackend } from '../src/backend/cuda/cuda-backend.ts';
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
    cases: { type: 'string', default: '1x2048' }, layers: { type: 'string', default: '32' },
    steps: { type: 'string', default: '5' }, warmup: { type: 'string', default: '2' },
    'no-peer': { type: 'boolean' }, peer: { type: 'string', default: '.device/hf_peft_baseline.py' },
  },
});
const steps = Number(a.steps), warmup = Number(a.warmup), layers = Number(a.layers);
const cases = a.cases!.split(',').map((c) => c.split('x').map(Number) as [number, number]);
const RANK = 16;

interface Row { system: string; batch: number; seq: number; tokens_per_s: number | null; step_ms: number | null; peak_gib: number | null; note?: string }
const rows: Row[] = [];
const record = (r: Row): void => {
  rows.push(r);
  console.log(JSON.stringify(r));
};

const backend = CudaBackend.open();
console.error(`bench:gpu on ${backend.describe()}`);
const cfg = parseConfig({
  model_type: 'mistral', vocab_size: 32000, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: layers,
  num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128, rms_norm_eps: 1e-5, rope_theta: 10000,
  max_position_embeddings: 32768, sliding_window: 4096, tie_word_embeddings: false,
});
let t0 = performance.now();
const model = createRandomModel(backend, cfg, { seed: 0 }, 'bf16');
console.error(`random weights (${layers} layers) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const rng = new Rng(1);
createAdapter(model, { r: RANK, alpha: 2 * RANK, dropout: 0, targets: PROJECTIONS, useRslora: false }, rng, true);
const params = model.trainableParams();
const opt = new AdamW(backend, params, { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });

for (const [B, T] of cases) {
  try {
    const batch = collate(Array.from({ length: B }, () => ({ inputIds: Array.from({ length: T }, () => rng.below(32000)) })), 0, null);
    const step = (): number => {
      zeroGrads(backend, params);
      const loss = causalLmBackward(model, batch, 1 / batch.targetCount);
      opt.update(1e-4);
      return loss;
    };
    for (let i = 0; i < warmup; i++) step();
    backend.download(backend.view(params[0]!.value, 0, 1)); // the stream is idle: start the clock
    const before = backend.memoryStats().peakInUse;
    t0 = performance.now();
    let loss = 0;
    for (let i = 0; i < steps; i++) loss = step();
    backend.download(backend.view(params[0]!.value, 0, 1));
    const ms = (performance.now() - t0) / steps;
    if (!Number.isFinite(loss)) throw new Error(`loss ${loss}`);
    record({ system: 'mistral-tune (CUDA, bf16)', batch: B, seq: T, tokens_per_s: Math.round((B * T) / (ms / 1000)), step_ms: Math.round(ms),
      peak_gib: Number((Math.max(before, backend.memoryStats().peakInUse) / 2 ** 30).toFixed(1)) });
    model.releaseActivations();
  } catch (e) {
    record({ system: 'mistral-tune (CUDA, bf16)', batch: B, seq: T, tokens_per_s: null, step_ms: null, peak_gib: null, note: (e as Error).message.split('\n')[0] });
  }
}

if (!a['no-peer'] && fs.existsSync(a.peer!)) {
  try {
    const out = execFileSync('python3', [a.peer!, '--cases', a.cases!, '--layers', String(layers), '--rank', String(RANK), '--steps', String(steps)], { encoding: 'utf8' });
    for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
      const d = JSON.parse(line) as { batch: number; seq: number; tokens_per_s?: number; step_ms?: number; peak_gib?: number; oom?: boolean };
      record({ system: 'HF transformers + PEFT', batch: d.batch, seq: d.seq, tokens_per_s: d.tokens_per_s ?? null, step_ms: d.step_ms ?? null,
        peak_gib: d.peak_gib ?? null, ...(d.oom ? { note: 'out of memory' } : {}) });
    }
  } catch (e) {
    console.error(`HF peer failed: ${(e as Error).message.slice(0, 300)}`);
  }
} else if (!a['no-peer']) {
  console.error(`HF peer not run: ${a.peer} not found`);
}

console.log(`\n# GPU benchmark: Mistral-7B shape (${layers} layers), LoRA r=${RANK} on all 7 projections, bf16, ${new Date().toISOString().slice(0, 10)}`);
console.log(`# ${'system'.padEnd(28)} ${'case'.padEnd(8)} ${'tokens/s'.padStart(9)} ${'step ms'.padStart(8)} ${'peak GiB'.padStart(9)} ${'vs HF'.padStart(7)}`);
for (const r of rows) {
  const peer = rows.find((x) => x.system.startsWith('HF') && x.batch === r.batch && x.seq === r.seq);
  const ratio = peer?.tokens_per_s && r.tokens_per_s ? `${(r.tokens_per_s / peer.tokens_per_s).toFixed(2)}×` : 'n/a';
  console.log(`# ${r.system.padEnd(28)} ${`${r.batch}x${r.seq}`.padEnd(8)} ${String(r.tokens_per_s ?? r.note ?? '-').padStart(9)} ${String(r.step_ms ?? '-').padStart(8)} ${String(r.peak_gib ?? '-').padStart(9)} ${ratio.padStart(7)}`);
}
backend.close();
