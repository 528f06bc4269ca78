// bench:gpu's model on the recording CUDA backend (fake-cuda.ts): the Mistral-7B v0.1 shape (layers configurable)
// with random bf16 weights, LoRA (or DoRA) r = 16 on all 7 projections and AdamW, as bench/gpu-plan.ts configures a case;
// (or a classification head); `step` runs one training step (forward, backward, update) on B random rows of T tokens (the same rows for a shape). Nothing is computed:
// what a step launches, allocates and times is recorded. Shared by the host-side 7B tests and bench/gpu-host.ts.
import { collate, type Batch } from '../../../src/data/batch.ts';
import { causalLmBackwardInto, classificationBackwardInto } from '../../../src/model/backward.ts';
import { parseConfig, type MistralConfig } from '../../../src/model/config.ts';
import { createAdapter } from '../../../src/model/peft.ts';
import { initRandomModel } from '../../../src/model/random-init.ts';
import { PROJECTIONS } from '../../../src/model/weights.ts';
import { AdamW } from '../../../src/train/optimizer.ts';
import { Rng } from '../../../src/util/rng.ts';
import { LORA_RANK, MISTRAL_7B_V01 } from '../../../bench/gpu-plan.ts';
import { fakeBackend } from './fake-cuda.ts';

export interface BenchShapeOptions {
  attention?: 'kernel' | 'gemm' | 'flash';
  profile?: boolean;
  layers?: number;
  /** LoRA dropout (the bench's is 0). */
  dropout?: number;
  /** DoRA (lora.use_dora) instead of LoRA (a bench case ending :dora). */
  dora?: boolean;
  /** config.json keys over the Mistral-7B v0.1 shape (another model's: Nemo's vocab 131072, hidden 5120, head_dim 128). */
  config?: Record<string, unknown>;
  /** Full fine-tuning (every base weight trained) instead of LoRA. */
  full?: boolean;
  /** Classification into this many classes (a trained score head, random labels) instead of the causal LM. */
  classes?: number;
}

export function benchShapedModel(opts: BenchShapeOptions = {}): ReturnType<typeof fakeBackend> & { cfg: MistralConfig; step(B: number, T: number, ckpt: boolean): void } {
  const fake = fakeBackend({ attention: opts.attention, profile: opts.profile });
  const be = fake.be;
  const cfg = parseConfig({ ...MISTRAL_7B_V01, num_hidden_layers: opts.layers ?? 32, ...opts.config }, 'Mistral-7B-v0.1 config');
  const model = initRandomModel(be, cfg, { seed: 1, std: 0.02, dtype: 'bf16' });
  if (opts.full) model.enableBaseGrads();
  else createAdapter(model, { r: LORA_RANK, alpha: 2 * LORA_RANK, dropout: opts.dropout ?? 0, targets: [...PROJECTIONS], useRslora: false, useDora: opts.dora ?? false }, new Rng(1), true);
  const classes = opts.classes ?? 0;
  if (classes > 0) {
    const score = be.alloc(model.dtype, classes * cfg.hiddenSize);
    be.fill(score, 0.01);
    model.setScoreHead(score, true);
  }
  const optimizer = new AdamW(be, model.trainableParams(), { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  const rng = new Rng(2), lossSum = be.alloc('f32', 1);
  const batches = new Map<string, Batch>(); // one per shape, made once (not part of a step's host time)
  const step = (B: number, T: number, ckpt: boolean): void => {
    model.setActivationCheckpointing(ckpt);
    let batch = batches.get(`${B}x${T}`);
    if (!batch) {
      batch = collate(Array.from({ length: B }, (_, b) => ({
        inputIds: Array.from({ length: T }, () => rng.below(cfg.vocabSize)), ...(classes > 0 ? { label: b % classes } : {}),
      })), 0, null);
      batches.set(`${B}x${T}`, batch);
    }
    if (classes > 0) classificationBackwardInto(model, batch, 1 / batch.B, lossSum);
    else causalLmBackwardInto(model, batch, 1 / batch.targetCount, lossSum);
    optimizer.update(1e-4);
  };
  return { ...fake, cfg, step };
}
