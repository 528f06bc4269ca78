// Trainable parameters: a flat list of (name, shape, value, grad) that the optimizer, the gradient
// norm, checkpoints and the adapter writer all walk; `rebind` lets the optimizer move a tensor into its
// flat buffers (src/train/flat-params.ts). Names are PEFT's in-memory names for adapter
// tensors (…lora_A.weight, score.modules_to_save.weight) and HF's names for base weights (both from names.ts).
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import type { DType } from '../backend/dtype.ts';

export interface Param {
  name: string;
  shape: readonly number[];
  value: DeviceBuffer;
  grad: DeviceBuffer;
  /**
   * Points the model at new buffers for this tensor: `value` replaces the weight the model computes with
   * (null: the model keeps its own buffer, e.g. bf16, refreshed from an f32 master copy) and `grad` its
   * gradient. Absent when no model holds the tensor (the caller reads `value` and `grad` afterwards).
   */
  rebind?(value: DeviceBuffer | null, grad: DeviceBuffer): void;
  /**
   * A working copy in a narrower dtype that the model multiplies with instead of `value` (LoRA factors under
   * bf16: their products then run bf16 × bf16, as the activations are bf16, with no widened copy of an
   * activation). The optimizer allocates it, attaches it, and writes it from the master after every update. `attach`
   * returns the copy it replaces, if any.
   */
  workingCopy?: { dtype: DType; attach(copy: DeviceBuffer): DeviceBuffer | undefined | void };
}

/** Whether weight decay applies: not to norm weights (or biases), as HF Trainer decides. */
export function decays(name: string): boolean {
  return !/bias|layernorm|rmsnorm|(?:^|\.)norm(?:$|\.)|_norm(?:$|\.)/.test(name);
}

export function zeroGrads(backend: Backend, params: readonly Param[]): void {
  for (const p of params) backend.fill(p.grad, 0);
}
