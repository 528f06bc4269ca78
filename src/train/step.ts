// One optimizer step over its micro-batches, with the conventions stated in the README: the step's
// loss is the token-weighted mean over all target tokens of all its micro-batches (classification: the
// mean over its sequences), so the accumulated gradient is the full-batch gradient; the gradient norm is
// the global L2 norm before clipping; clipping is torch's clip_grad_norm_; AdamW as torch.
import type { DeviceBuffer } from '../backend/backend.ts';
import { causalLmBackward, classificationBackward } from '../model/backward.ts';
import type { Batch } from '../model/batch.ts';
import { gradNorm, zeroGrads } from '../model/params.ts';
import type { RunSetup } from './setup.ts';

export interface StepStats {
  /** Mean loss of the step, or null when it had no target. */
  loss: number | null;
  lr: number;
  gradNorm: number;
  /** Real (non-padding) input tokens processed. */
  tokens: number;
  /** Targets (generation) or sequences (classification) the loss averages over. */
  count: number;
}

export function optimizerStep(run: RunSetup, batches: readonly Batch[], lr: number, dropoutSeed: number, scratch: DeviceBuffer): StepStats {
  const { model, backend, params, cfg } = run;
  const classification = cfg.task === 'classification';
  const count = batches.reduce((s, b) => s + (classification ? b.B : b.targetCount), 0);
  zeroGrads(backend, params);
  let lossSum = 0;
  batches.forEach((batch, i) => {
    model.dropoutSeed = dropoutSeed + i;
    const scale = count > 0 ? 1 / count : 0;
    lossSum += classification ? classificationBackward(model, batch, scale) : causalLmBackward(model, batch, scale);
  });
  const norm = gradNorm(backend, params, scratch);
  if (cfg.grad_clip !== null) {
    const coef = Math.min(1, cfg.grad_clip / (norm + 1e-6));
    if (coef < 1) for (const p of params) backend.scale(p.grad, p.grad, coef, p.grad.length);
  }
  run.optimizer.update(lr);
  const tokens = batches.reduce((s, b) => s + b.segments.reduce((n, seg) => n + (seg >= 0 ? 1 : 0), 0), 0);
  return { loss: count > 0 ? lossSum / count : null, lr, gradNorm: norm, tokens, count };
}
