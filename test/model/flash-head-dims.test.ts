// A LoRA training step at head dims 64 and 128 — the shapes CUDA's flash kernels take (MISTRAL_TUNE_CUDA_ATTENTION
// =flash, bf16), which the tiny fixtures (head dim 16) never reach — on the test device against the CPU backend in
// f32 on the same weights and adapter: loss, logits and every LoRA gradient within the test precision's tolerances.
// Two packed samples and padding in a batch of 2 × 80 (two query tiles of 64), GQA 2 → 1, a sliding window of 48.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../../src/backend/backend.ts';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { collatePacked } from '../../src/data/batch.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { loadModel, type MistralModel } from '../../src/model/mistral.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { createAdapter } from '../../src/model/peft.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertTol, test, testBackend, TEST_DTYPE } from '../backend/device.ts';
import { relErr } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const work = tempDir('mt-head-dims-');
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

/** The model at `dir` on `backend` with a LoRA adapter on every projection whose B factors are random too (so every gradient is non-zero). */
function adapted(backend: Backend, dir: string, dtype: 'f32' | 'bf16'): MistralModel {
  const model = loadModel(dir, { backend, dtype });
  createAdapter(model, { r: 4, alpha: 8, dropout: 0, targets: [...PROJECTIONS], useRslora: false }, new Rng(3), true);
  const rng = new Rng(4);
  for (const layer of model.lora!.layers) {
    for (const pair of Object.values(layer)) backend.upload(pair.B, { dtype: 'f32', data: Float32Array.from({ length: pair.B.length }, () => 0.05 * rng.normal()) });
  }
  return model;
}

for (const D of [64, 128]) {
  test(`a LoRA step at head dim ${D} (the flash kernels' shapes): loss, logits and LoRA gradients match the CPU backend's`, () => {
    const cfg = {
      model_type: 'mistral', vocab_size: 96, hidden_size: 2 * D, intermediate_size: 3 * D, num_hidden_layers: 2, num_attention_heads: 2,
      num_key_value_heads: 1, head_dim: D, sliding_window: 48, max_position_embeddings: 256, rms_norm_eps: 1e-5, rope_theta: 10000,
    };
    const dir = path.join(work, `d${D}`);
    const cpu = new CpuBackend();
    saveModelFolder(createRandomModel(cpu, parseConfig(cfg), { seed: D, normStd: 0.1 }), dir, { sourceDir: null, head: 'causal' });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    const rng = new Rng(5);
    const row = (n: number): number[] => Array.from({ length: n }, () => 1 + rng.below(95));
    // row 0: two packed samples (30 + 50 tokens); row 1: 70 tokens and padding
    const batch = collatePacked([[{ inputIds: row(30) }, { inputIds: row(50) }], [{ inputIds: row(70) }]], 0, 80);
    const runs = [{ be: testBackend(), dtype: TEST_DTYPE }, { be: cpu as Backend, dtype: 'f32' as const }].map(({ be, dtype }) => {
      const model = adapted(be, dir, dtype);
      const params = model.trainableParams();
      zeroGrads(be, params);
      const loss = causalLmBackward(model, batch, 1 / batch.targetCount) / batch.targetCount;
      return { loss, logits: model.logits(batch), grads: new Map(params.map((p) => [p.name, be.download(p.grad)])) };
    });
    const [dev, ref] = runs as [typeof runs[0], typeof runs[0]];
    assertTol('loss', Math.abs(dev.loss - ref.loss) / ref.loss, `head dim ${D}: loss ${dev.loss} vs the CPU's ${ref.loss}`);
    assertTol('logits', relErr(dev.logits, ref.logits), `head dim ${D}: logits`);
    for (const [name, g] of ref.grads) assertTol('grad', relErr(dev.grads.get(name)!, g), `head dim ${D}: ${name}`);
  });
}
