// Merging a LoRA adapter into the base weights: W ← W + scaling · B·A for every adapted projection,
// then the adapter is detached (PEFT's merge_and_unload).
import type { MistralModel } from './mistral.ts';

export function mergeLora(model: MistralModel): void {
  const adapter = model.lora;
  if (!adapter) throw new Error('mergeLora: the model has no LoRA adapter');
  for (const layer of model.layers) {
    for (const lin of Object.values(layer.proj)) {
      const l = lin.lora;
      if (!l) continue;
      model.backend.gemm(lin.weight, l.pair.B, l.pair.A, { m: lin.outDim, n: lin.inDim, k: l.r, alpha: l.scaling, beta: 1 });
    }
  }
  model.setLora(null);
}
