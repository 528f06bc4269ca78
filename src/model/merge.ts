// Merging a LoRA adapter into the base weights: W ← W + scaling · B·A for every adapted projection, and with DoRA
// W ← (m / ‖W + scaling·B·A‖)·(W + scaling·B·A) row by row (PEFT's merge: the norms of the unmerged weight, the sum
// in f32 and rounded once to the weight's dtype); then the adapter is detached (PEFT's merge_and_unload).
import { needLora, needModel } from './model-arg.ts';
import type { Backend } from '../backend/backend.ts';
import type { DType } from '../backend/dtype.ts';
import { hostFloats } from './weights.ts';
import type { Linear } from './linear.ts';
import type { MistralModel } from './mistral.ts';

export function mergeLora(model: MistralModel): void {
  needModel('mergeLora', model, 'a model with a LoRA adapter loaded (loadAdapter)');
  needLora('mergeLora', model);
  for (const layer of model.layers) {
    for (const lin of Object.values(layer.proj)) {
      const l = lin.lora;
      if (!l) continue;
      if (l.pair.dora) mergeDora(model.backend, lin, model.dtype);
      else model.backend.gemm(lin.weight, l.pair.B, l.pair.A, { m: lin.outDim, n: lin.inDim, k: l.r, alpha: l.scaling, beta: 1 });
    }
  }
  model.setLora(null);
}

/** W ← (m / ‖W + s·B·A‖)·(W + s·B·A), rows scaled on the host (an export's one pass, not a training step's). */
function mergeDora(be: Backend, lin: Linear, exact: DType): void {
  const l = lin.lora!, d = l.pair.dora!, out = lin.outDim, inn = lin.inDim;
  const sum = be.alloc(exact, out * inn);
  try {
    be.copy(sum, lin.weight, out * inn);
    be.gemm(sum, l.pair.B, l.pair.A, { m: out, n: inn, k: l.r, alpha: l.scaling, beta: 1 });
    be.rowNorms(d.norm, sum, out, inn);
    const w = be.download(sum), m = be.download(d.magnitude), n = be.download(d.norm);
    for (let row = 0; row < out; row++) {
      const g = m[row]! / n[row]!;
      for (let c = row * inn, end = c + inn; c < end; c++) w[c] = w[c]! * g;
    }
    be.upload(lin.weight, w instanceof Float64Array ? { dtype: 'f64', data: w } : hostFloats(w as Float32Array, lin.weight.dtype));
  } finally {
    be.free(sum);
  }
}
