// Trainable parameters: a flat list of (name, shape, value, grad) that the optimizer, the gradient
// norm, checkpoints and the adapter writer all walk; `rebind` lets the optimizer move a tensor into its
// flat buffers (src/train/flat-params.ts). Names are PEFT's in-memory names for adapter
// tensors (…lora_A.weight, score.modules_to_save.weight) and HF's names for base weights.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { blockOf } from './weights.ts';

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
}

/** Whether weight decay applies: not to norm weights (or biases), as HF Trainer decides. */
export function decays(name: string): boolean {
  return !/bias|layernorm|rmsnorm|(?:^|\.)norm(?:$|\.)|_norm(?:$|\.)/.test(name);
}

export function zeroGrads(backend: Backend, params: readonly Param[]): void {
  for (const p of params) backend.fill(p.grad, 0);
}

/** PEFT's key for a LoRA factor of layer i's projection. */
export function loraKey(layer: number, proj: string, factor: 'A' | 'B'): string {
  return `base_model.model.model.layers.${layer}.${blockOf(proj)}.${proj}.lora_${factor}.weight`;
}

/** PEFT's in-memory name of the trained classification head (modules_to_save), and its saved key. */
export const SCORE_PARAM = 'base_model.model.score.modules_to_save.weight';
export const SCORE_SAVED_KEY = 'base_model.model.score.weight';
