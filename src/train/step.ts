// One optimizer step over its micro-batches, with the conventions stated in the README: the step's
// loss is the token-weighted mean over all target tokens of all its micro-batches (classification: the
// mean over its sequences), so the accumulated gradient is the full-batch gradient; the gradient norm is
// the global L2 norm before clipping; clipping is torch's clip_grad_norm_; AdamW as torch.
// Everything stays on the device (the loss sum, Σ g², the clip coefficient): the step reads the host
// back exactly once, at its end, for the metrics row and the non-finite check.
import { causalLmBackwardInto, classificationBackwardInto } from '../model/backward.ts';
import type { Batch } from '../data/batch.ts';
import { SCALAR } from './flat-params.ts';
import type { RunSetup } from './setup.ts';
import { deriveSeed } from '../util/rng.ts';

export interface StepStats {
  /** Mean loss of the step, or null when it had no target (NaN or ±Infinity when training diverged). */
  loss: number | null;
  lr: number;
  gradNorm: number;
  /** Real (non-padding) input tokens processed. */
  tokens: number;
  /** Targets (generation) or sequences (classification) the loss averages over. */
  count: number;
  /** The metrics that came out NaN or infinite ('loss', 'grad_norm'); empty for a healthy step. */
  nonfinite: Array<'loss' | 'grad_norm'>;
}

/** What a step needs of the run. */
export type StepRun = Pick<RunSetup, 'model' | 'backend' | 'cfg' | 'optimizer'>;

export function optimizerStep(run: StepRun, batches: readonly Batch[], lr: number, dropoutSeed: number): StepStats {
  const { model, backend, cfg, optimizer } = run;
  const flat = optimizer.flat;
  const classification = cfg.task === 'classification';
  const count = batches.reduce((s, b) => s + (classification ? b.B : b.targetCount), 0);
  flat.zeroGrads();
  backend.fill(flat.scalars, 0);
  const lossSum = flat.scalar('lossSum'), sumSquares = flat.scalar('gradSumSquares');
  const backward = classification ? classificationBackwardInto : causalLmBackwardInto;
  batches.forEach((batch, i) => {
    model.dropoutSeed = deriveSeed(dropoutSeed, i);
    backward(model, batch, count > 0 ? 1 / count : 0, lossSum);
  });
  backend.sumSquares(sumSquares, flat.grads, flat.length);
  if (cfg.grad_clip !== null) {
    const coef = flat.clipCoef;
    backend.clipCoefficient(coef, sumSquares, cfg.grad_clip);
    backend.scaleByScalar(flat.grads, flat.grads, coef, flat.length);
  }
  optimizer.update(lr);
  const scalars = backend.download(flat.scalars); // the step's one host read
  const loss = count > 0 ? scalars[SCALAR.lossSum]! / count : null;
  const gradNorm = Math.sqrt(scalars[SCALAR.gradSumSquares]!);
  const nonfinite: StepStats['nonfinite'] = [];
  if (loss !== null && !Number.isFinite(loss)) nonfinite.push('loss');
  if (!Number.isFinite(gradNorm)) nonfinite.push('grad_norm');
  const tokens = batches.reduce((s, b) => s + b.segments.reduce((n, seg) => n + (seg >= 0 ? 1 : 0), 0), 0);
  return { loss, lr, gradNorm, tokens, count, nonfinite };
}
