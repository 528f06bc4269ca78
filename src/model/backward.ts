// Forward + hand-written backward of a whole model for one micro-batch, for both heads. Gradients
// accumulate into the trainable parameters (LoRA factors, a trained score head, base weights when
// enabled), scaled by `gradScale` so that a step of several micro-batches yields the gradient of the
// step's mean loss: 1 / (target tokens in the step) for generation, 1 / (sequences in the step) for
// classification. The loss is summed on the device into a scalar the caller reads when it wants (the
// trainer: once per optimizer step); the number-returning forms read it back at once (tests, checks).
import type { DeviceBuffer } from '../backend/backend.ts';
import { logitsChunk, type Activations } from './activations.ts';
import { checkScoreIndex, needBatch, type Batch } from '../data/batch.ts';
import type { MistralModel } from './mistral.ts';
import { bf16LogitsFromEnv } from './bf16-logits.ts';
import { embeddingPadRow } from './negative-ids.ts';
import { needArg } from '../util/api-args.ts';
import { needModel, needScoreHead } from './model-arg.ts';
import { UserError } from '../util/errors.ts';

/** Next-token cross-entropy; returns Σ NLL over the batch's counted targets (one host read). */
export function causalLmBackward(model: MistralModel, batch: Batch, gradScale: number): number {
  needArgs('causalLmBackward', model, batch, gradScale);
  return readBack(model, (lossSum) => causalLmBackwardInto(model, batch, gradScale, lossSum));
}

/** Classification cross-entropy on the scored token of each row; returns Σ NLL over the batch's rows (one host read). */
export function classificationBackward(model: MistralModel, batch: Batch, gradScale: number): number {
  needArgs('classificationBackward', model, batch, gradScale);
  needScoreHead('classificationBackward', model);
  return readBack(model, (lossSum) => classificationBackwardInto(model, batch, gradScale, lossSum));
}

/**
 * The arguments of a library call of a backward: a gradScale left out (or not finite) made every gradient NaN while the
 * loss came back as it should.
 */
function needArgs(fn: string, model: unknown, batch: unknown, gradScale: unknown): void {
  needModel(fn, model);
  needBatch(fn, batch);
  const scale = "a finite number, the loss's weight in the step's gradient (1 / the step's target tokens, or rows for classification)";
  needArg(fn, 'gradScale', gradScale, 'number', { hint: scale });
  if (!Number.isFinite(gradScale)) throw new UserError(`gradScale is ${gradScale}: give ${scale}`, fn);
}

/** Next-token cross-entropy; adds Σ NLL over the batch's counted targets to lossSum[0] on the device. */
export function causalLmBackwardInto(model: MistralModel, batch: Batch, gradScale: number, lossSum: DeviceBuffer): void {
  needModel('causalLmBackwardInto', model); // as the library's entry points check theirs: an object that is no model was a TypeError inside
  const acts = model.forward(batch, true);
  const be = model.backend, cfg = model.cfg, g = acts.grads!;
  const N = batch.B * batch.T, C = cfg.hiddenSize, V = cfg.vocabSize;
  const head = model.lmHead();
  const dHead = model.baseGrads?.lmHead ?? null;
  be.fill(acts.losses, 0);
  be.fill(g.dln, 0);
  // the logits' gradient (rows, V): in the storage dtype under bf16 (the head's products stay bf16), else over the logits;
  // with MISTRAL_TUNE_BF16_LOGITS=1 under bf16 the logits themselves are bf16, in that buffer (bf16-logits.ts)
  const dlogits = g.dlogits ?? logitsChunk(acts);
  const logits = g.dlogits && bf16LogitsFromEnv() ? g.dlogits : logitsChunk(acts);
  model.forEachLogitChunk(acts, batch.targets, (r0, rows) => {
    be.crossEntropy(be.view(acts.losses, r0, rows), dlogits, logits, be.view(acts.targets, r0, rows), rows, V, gradScale);
    be.gemm(be.view(g.dln, r0 * C, rows * C), dlogits, head, { m: rows, n: C, k: V });
    if (dHead) be.gemm(dHead, dlogits, be.view(acts.lnf, r0 * C, rows * C), { m: V, n: C, k: rows, transA: true, beta: 1 });
  }, logits);
  backwardFromFinalNorm(model, acts, batch);
  be.accumulateSum(lossSum, acts.losses, N);
}

/** Classification cross-entropy on the scored token of each row; adds Σ NLL over the rows to lossSum[0] on the device. */
export function classificationBackwardInto(model: MistralModel, batch: Batch, gradScale: number, lossSum: DeviceBuffer): void {
  needModel('classificationBackwardInto', model);
  const score = model.scoreHead();
  const L = score.numLabels;
  const classLabels = needClassLabels(batch, L);
  checkScoreIndex(batch, 'classificationBackward');
  const acts = model.forward(batch, true, undefined, 'classification');
  const be = model.backend, C = model.cfg.hiddenSize, B = batch.B, g = acts.grads!;
  // the plan's classification scratch, as prefixes for this batch's B rows
  const cls = acts.cls!;
  const labels = be.view(cls.labels, 0, B);
  const logits = be.view(cls.logits, 0, B * L); // (B, L), then its gradient
  const losses = be.view(cls.losses, 0, B);
  const dpooled = be.view(cls.dpooled, 0, B * C);
  be.upload(labels, { dtype: 'i32', data: classLabels });
  model.classLogitsDevice(acts, logits);
  be.crossEntropy(losses, logits, logits, labels, B, L, gradScale);
  if (score.grad) be.gemm(score.grad, logits, acts.pooled, { m: L, n: C, k: B, transA: true, beta: 1 });
  be.gemm(dpooled, logits, score.weight, { m: B, n: C, k: L });
  be.fill(g.dln, 0);
  be.scatterAddRows(g.dln, dpooled, acts.scoreIndex, B, C);
  backwardFromFinalNorm(model, acts, batch);
  be.accumulateSum(lossSum, losses, B);
}

/**
 * The batch's class labels, each a row of the head's `numLabels`: a library caller's batch of rows without labels (collate
 * gives classLabels null) or with a label outside the head was a plain Error; the kernels would read the label's row unchecked.
 */
function needClassLabels(batch: Batch, numLabels: number): Int32Array {
  const fn = 'classificationBackward';
  if (!batch.classLabels) throw new UserError(`batch.classLabels is ${batch.classLabels === undefined ? 'missing' : 'null'}: every row needs a class label (collate rows {inputIds, label})`, fn);
  const b = batch.classLabels.findIndex((y) => !(y >= 0 && y < numLabels));
  if (b >= 0) throw new UserError(`batch.classLabels[${b}] (row ${b}) is ${batch.classLabels[b]}: give a class index in [0, ${numLabels}) (the model's classification head scores ${numLabels} classes)`, fn);
  return batch.classLabels;
}

/** From ∂L/∂(final norm output) in grads.dln down to the embedding. */
function backwardFromFinalNorm(model: MistralModel, acts: Activations, batch: Batch): void {
  const be = model.backend, cfg = model.cfg, g = acts.grads!;
  const N = acts.shape.B * acts.shape.T, C = cfg.hiddenSize;
  be.fill(g.dresid, 0);
  be.rmsnormBackward(g.dresid, model.baseGrads?.finalNorm ?? null, g.dln, model.finalResid(acts), model.weights.finalNorm, acts.rstdf, N, C);
  model.backwardLayers(acts);
  if (!model.baseGrads) return;
  // HF's embedding is nn.Embedding(padding_idx=pad_token_id): the pad id's row takes no gradient from the lookup, also
  // where the id is a real token (pad = EOS, say); when tied, it still takes the LM head's. So the gradients of the
  // positions holding the pad id (runs of them: one fill each) are dropped before the scatter. A negative
  // pad_token_id is counted from the end, as nn.Embedding counts padding_idx (-1: the last row; embeddingPadRow).
  const pad = embeddingPadRow(cfg);
  for (let i = 0; pad !== null && i < N; i++) {
    if (batch.inputIds[i] !== pad) continue;
    let j = i + 1;
    while (j < N && batch.inputIds[j] === pad) j++;
    be.fill(be.view(g.dresid, i * C, (j - i) * C), 0);
    i = j;
  }
  be.scatterAddRows(model.baseGrads.embed, g.dresid, acts.ids, N, C);
}

/** Runs `fn` with a zeroed device scalar and returns what it summed into it. */
function readBack(model: MistralModel, fn: (lossSum: DeviceBuffer) => void): number {
  const be = model.backend;
  const sum = be.alloc(model.dtype, 1);
  try {
    be.fill(sum, 0);
    fn(sum);
    return be.download(sum)[0]!;
  } finally {
    be.free(sum);
  }
}
