// One training step of a model with a PEFT adapter against PEFT and torch's references: the backward's loss, every
// trainable gradient, one AdamW update of every tensor (against the adapter PEFT saved after its step) and the loss
// after it. Shared by the LoRA and DoRA parity tests.
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import type { Batch } from '../../src/data/batch.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { zeroGrads, type Param } from '../../src/model/params.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { assertTol, TEST_PRECISION } from '../backend/device.ts';
import { relErr } from '../helpers.ts';

type Tensors = Record<string, { data: ArrayLike<number> }>;

export interface StepReference {
  /** d(loss)/d(each trainable tensor), by PEFT's in-memory names. */
  grads: Tensors;
  /** The adapter after the step, by the keys PEFT saves. */
  after: Tensors;
  loss: number;
  lossAfter: number;
  adamw: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
}

/** The checks above; `savedKey` maps a tensor's in-memory name to its key in the saved adapter. */
export function checkStep(backend: Backend, model: MistralModel, batch: Batch, ref: StepReference, savedKey = (name: string): string => name): void {
  const params = model.trainableParams();
  assert.equal(params.length, Object.keys(ref.grads).length);
  zeroGrads(backend, params);
  const sum = causalLmBackward(model, batch, 1 / batch.targetCount);
  assertTol('loss', Math.abs(sum / batch.targetCount - ref.loss) / ref.loss, 'loss of the backward');
  for (const p of params) {
    const want = ref.grads[p.name];
    assert.ok(want, `no reference gradient for ${p.name}`);
    assertTol('grad', relErr(backend.download(p.grad), want.data), p.name);
  }
  adamwFirstStep(backend, params, ref, savedKey);
  const after = model.loss(batch);
  const loss = after.sum / after.count;
  assertTol('loss', Math.abs(loss - ref.lossAfter) / ref.lossAfter, `loss after step ${loss} vs ${ref.lossAfter}`);
}

/**
 * One AdamW update of `params` (fresh: zero moments) with the reference's settings, held against torch's. Its first
 * step moves each element by lr·g/(|g| + eps): an element whose gradient is far below eps (1.1e-8 against 1e-6 in a
 * lora_B of the DoRA fixture) moves in proportion to that gradient's absolute error, which a gradient right to 1e-6 of
 * its tensor's norm leaves large for it (1.2e-4 of the tensor after the step, on one path; at bf16 a flipped sign moves
 * it by 2·lr). So the step is held in two well-conditioned parts, the gradients being held to PEFT's by the caller:
 * ours is that step on our gradients, and PEFT's saved tensor is that step on PEFT's gradients (the step is torch's) —
 * at fp32's bound where the tensor is f32 (AdamW runs in f32 at either precision), else at the test precision's.
 */
export function adamwFirstStep(backend: Backend, params: Param[], ref: Pick<StepReference, 'grads' | 'after' | 'adamw'>, savedKey = (name: string): string => name): void {
  const a = ref.adamw;
  const before = new Map(params.map((p) => [p.name, backend.download(p.value)]));
  const ours = new Map(params.map((p) => [p.name, backend.download(p.grad)]));
  new AdamW(backend, params, { lr: a.lr, betas: a.betas, eps: a.eps, weightDecay: a.weight_decay }).update(a.lr);
  for (const p of params) {
    const p0 = before.get(p.name)!, precision = p.value.dtype === 'f32' ? 'fp32' : TEST_PRECISION;
    assertTol('param', relErr(backend.download(p.value), firstAdamwStep(p0, ours.get(p.name)!, a)), `${p.name} after step`, precision);
    assertTol('param', relErr(ref.after[savedKey(p.name)]!.data, firstAdamwStep(p0, ref.grads[p.name]!.data, a)), `${p.name}: PEFT's tensor after its step`, precision);
  }
}

/** torch's AdamW's first step (zero moments, bias-corrected) from `p0` with gradient `g`, in double: p0·(1 − lr·wd) − lr·g/(|g| + eps). */
function firstAdamwStep(p0: ArrayLike<number>, g: ArrayLike<number>, a: StepReference['adamw']): Float64Array {
  return Float64Array.from(p0, (x, i) => x * (1 - a.lr * a.weight_decay) - a.lr * g[i]! / (Math.abs(g[i]!) + a.eps));
}
