// A model's trainable tensors as the optimizer, the gradient norm and checkpoints walk them (params.ts's Param): its
// LoRA factors and DoRA magnitudes, a trained classification head, and in full fine-tuning every base weight, each with
// its gradient and the `rebind` that points the model at the optimizer's buffers. MistralModel.trainableParams.
import type { DeviceBuffer } from '../backend/backend.ts';
import type { MistralModel } from './mistral.ts';
import { HF_NAMES, layerNormName, loraKey, projectionName, SCORE_PARAM } from './names.ts';
import type { Param } from './params.ts';
import { PROJECTIONS, projectionShape } from './weights.ts';

/** `model`'s trainable tensors with their gradients and rebinds (MistralModel.trainableParams). */
export function trainableParamsOf(model: MistralModel): Param[] {
  const out: Param[] = [];
  const cfg = model.cfg;
  const add = (name: string, shape: number[], value: DeviceBuffer, grad: DeviceBuffer, rebind: Param['rebind'],
    workingCopy?: Param['workingCopy']): void => {
    out.push({ name, shape, value, grad, rebind, ...(workingCopy ? { workingCopy } : {}) });
  };
  if (model.lora) {
    const r = model.lora.spec.r;
    // under bf16 the factors' products take bf16 working copies (the f32 factors stay the trained masters)
    const narrow = model.dtypes.storage !== model.dtypes.exact ? model.dtypes.storage : null;
    // a layer's factors A in PROJECTIONS order, then its factors B: the A of the projections of one input lie
    // together in the flat buffers (and their working copies), where one GEMM takes them (model/shared-input.ts)
    model.lora.layers.forEach((layer, i) => {
      const pairs = PROJECTIONS.flatMap((proj) => (layer[proj] ? [[proj, layer[proj]] as const] : []));
      for (const [proj, pair] of pairs) {
        if (!pair.dA) continue;
        const inDim = projectionShape(cfg, proj)[1];
        add(loraKey(i, proj, 'A'), [r, inDim], pair.A, pair.dA, (v, g) => { pair.A = v ?? pair.A; pair.dA = g; },
          narrow ? { dtype: narrow, attach: (c) => { const old = pair.Acopy; pair.Acopy = c; return old; } } : undefined);
      }
      for (const [proj, pair] of pairs) {
        if (!pair.dB) continue;
        const out = projectionShape(cfg, proj)[0];
        add(loraKey(i, proj, 'B'), [out, r], pair.B, pair.dB, (v, g) => { pair.B = v ?? pair.B; pair.dB = g; },
          narrow ? { dtype: narrow, attach: (c) => { const old = pair.Bcopy; pair.Bcopy = c; return old; } } : undefined);
      }
      for (const [proj, pair] of pairs) {
        const d = pair.dora;
        if (!d?.dMagnitude) continue;
        // DoRA's magnitudes scale outputs in the row kernels, which read them in the exact dtype: no working copy
        add(loraKey(i, proj, 'magnitude'), [projectionShape(cfg, proj)[0]], d.magnitude, d.dMagnitude,
          (v, g) => { d.magnitude = v ?? d.magnitude; d.dMagnitude = g; });
      }
    });
  }
  const score = model.score;
  if (score?.grad) {
    add(SCORE_PARAM, [score.numLabels, cfg.hiddenSize], score.weight, score.grad, (v, g) => {
      if (v && model.weights.score === score.weight) model.weights.score = v;
      score.weight = v ?? score.weight;
      score.grad = g;
    });
  }
  const g = model.baseGrads, w = model.weights;
  if (g) {
    const C = cfg.hiddenSize;
    add(HF_NAMES.embed, [cfg.vocabSize, C], w.embed, g.embed, (v, d) => {
      if (v && w.lmHead === w.embed) w.lmHead = v; // tied
      if (g.lmHead === g.embed) g.lmHead = d;
      w.embed = v ?? w.embed;
      g.embed = d;
    });
    for (const layer of model.layers) {
      const i = layer.index, lw = layer.weights;
      add(layerNormName(i, 'input'), [C], lw.inputNorm, layer.dInputNorm!, (v, d) => { lw.inputNorm = v ?? lw.inputNorm; layer.dInputNorm = d; });
      for (const p of PROJECTIONS) {
        const lin = layer.proj[p];
        add(projectionName(i, p), [lin.outDim, lin.inDim], lin.weight, lin.dWeight!, (v, d) => {
          if (v) lw.proj[p] = lin.weight = v;
          lin.dWeight = d;
        });
      }
      add(layerNormName(i, 'post_attention'), [C], lw.postAttentionNorm, layer.dPostAttentionNorm!, (v, d) => {
        lw.postAttentionNorm = v ?? lw.postAttentionNorm;
        layer.dPostAttentionNorm = d;
      });
    }
    add(HF_NAMES.finalNorm, [C], w.finalNorm, g.finalNorm, (v, d) => { w.finalNorm = v ?? w.finalNorm; g.finalNorm = d; });
    if (g.lmHead && g.lmHead !== g.embed) {
      add(HF_NAMES.lmHead, [cfg.vocabSize, C], w.lmHead!, g.lmHead, (v, d) => { w.lmHead = v ?? w.lmHead; g.lmHead = d; });
    }
  }
  return out;
}
