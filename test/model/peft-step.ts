// One training step of a model with a PEFT adapter against PEFT and torch's references: the backward's loss, every
// trainable gradient, one AdamW update of every tensor (against the adapter PEFT saved after its step) and the loss
// after it. Shared by the LoRA and DoRA parity tests.
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import type { Batch } from '../../src/data/batch.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import type { MistralModel } from '../../src/model/mistral.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { assertTol } from '../backend/device.ts';
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
  const a = ref.adamw;
  new AdamW(backend, params, { lr: a.lr, betas: a.betas, eps: a.eps, weightDecay: a.weight_decay }).update(a.lr);
  for (const p of params) assertTol('param', relErr(backend.download(p.value), ref.after[savedKey(p.name)]!.data), `${p.name} after step`);
  const after = model.loss(batch);
  const loss = after.sum / after.count;
  assertTol('loss', Math.abs(loss - ref.lossAfter) / ref.lossAfter, `loss after step ${loss} vs ${ref.lossAfter}`);
}
