// Our half of the torch bf16 reference (docs/precision.md; not a test): 20 LoRA steps on the tiny fixture in
// fp32 and in bf16 from one adapter init and one list of batches, written to OUT_DIR with our per-step losses
// for scripts/bf16-torch-reference.py, which runs the same steps in PyTorch and prints the comparison.
// Usage: node --import tsx scripts/bf16-torch-reference.ts OUT_DIR
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.ts';
import { causalLmBackward } from '../src/model/backward.ts';
import { collate, type TokenRow } from '../src/data/batch.ts';
import { loadModel } from '../src/model/mistral.ts';
import { zeroGrads } from '../src/model/params.ts';
import { createAdapter, loadAdapter } from '../src/model/peft.ts';
import { saveAdapter } from '../src/model/peft-save.ts';
import { PROJECTIONS } from '../src/model/weights.ts';
import { AdamW } from '../src/train/optimizer.ts';
import { Rng } from '../src/util/rng.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BASE = path.join(ROOT, 'test', 'fixtures', 'hf-tiny-mistral', 'base');
// test/model/bf16-lora.test.ts's run: r 8, alpha 16, lr 3e-3 (constant), batch 4, 20 steps, seed 3; here with
// dropout 0 and no gradient clipping, so that torch computes the very same function (its dropout masks differ)
const STEPS = 20, BATCH = 4, LR = 3e-3, SPEC = { r: 8, alpha: 16, dropout: 0, targets: PROJECTIONS, useRslora: false };

/** The training rows of test/model/bf16-lora.test.ts (48, seed 1): every third token doubled, ids below 512. */
function rows(): TokenRow[] {
  const rng = new Rng(1);
  return Array.from({ length: 48 }, () => {
    const len = 8 + rng.below(16);
    const ids = [1, ...Array.from({ length: len - 1 }, (_, i) => Math.min(511, 3 + rng.below(40) * (i % 3 ? 1 : 2)))];
    return { inputIds: ids };
  });
}

const out = process.argv[2];
if (!out) throw new Error('usage: node --import tsx scripts/bf16-torch-reference.ts OUT_DIR');
fs.mkdirSync(out, { recursive: true });
const data = rows();
const batches = Array.from({ length: STEPS }, (_, s) => Array.from({ length: BATCH }, (_, i) => data[(s * BATCH + i) % data.length]!));

// the adapter init (PEFT's: A uniform, B zero), saved once and loaded by every run, ours and torch's
const init = path.join(out, 'adapter_init');
const first = loadModel(BASE, { backend: new CpuBackend(), dtype: 'f32' });
createAdapter(first, SPEC, new Rng(3), false);
saveAdapter(first, init, { taskType: 'CAUSAL_LM', baseModel: BASE });

const losses: Record<string, number[]> = {};
for (const dtype of ['f32', 'bf16'] as const) {
  const backend = new CpuBackend();
  const model = loadModel(BASE, { backend, dtype });
  loadAdapter(model, init, { trainable: true });
  const params = model.trainableParams();
  const opt = new AdamW(backend, params, { lr: LR, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  losses[dtype] = batches.map((b) => {
    const batch = collate(b, 0, 0);
    zeroGrads(backend, params);
    const sum = causalLmBackward(model, batch, 1 / batch.targetCount);
    opt.update(LR);
    return sum / batch.targetCount;
  });
}
fs.writeFileSync(path.join(out, 'run.json'), JSON.stringify({
  base: BASE, lr: LR, steps: STEPS, batches: batches.map((b) => b.map((r) => r.inputIds)), ours: { fp32: losses.f32, bf16: losses.bf16 },
}) + '\n');
console.log(`wrote ${out}/adapter_init and ${out}/run.json`);
