// LoRA adapters as PEFT defines them: y = W·x + scaling · B·(A·drop(x)), A (r, in), B (out, r),
// scaling = alpha / r (alpha / √r with rsLoRA). This file holds the adapter's spec and weights on a
// backend; reading and writing PEFT's files is in peft.ts.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { zeros } from '../backend/buffers.ts';
import type { DType } from '../backend/dtype.ts';
import type { MistralConfig } from './config.ts';
import { PROJECTIONS, projectionShape, type Projection } from './weights.ts';

export interface LoraSpec {
  r: number;
  alpha: number;
  dropout: number;
  targets: readonly Projection[];
  useRslora: boolean;
}

export function loraScaling(spec: LoraSpec): number {
  return spec.useRslora ? spec.alpha / Math.sqrt(spec.r) : spec.alpha / spec.r;
}

/** One adapted projection: its low-rank factors and, when training, their gradients. */
export interface LoraPair {
  A: DeviceBuffer; // (r, in)
  B: DeviceBuffer; // (out, r)
  dA: DeviceBuffer | null;
  dB: DeviceBuffer | null;
  /** Working copies of A and B in the storage dtype for the products, when training under bf16 (Param.workingCopy). */
  Acopy?: DeviceBuffer;
  Bcopy?: DeviceBuffer;
}

export interface LoraAdapter {
  spec: LoraSpec;
  scaling: number;
  /** layers[i][proj] for every adapted projection of layer i. */
  layers: Array<Partial<Record<Projection, LoraPair>>>;
}

/** Allocates an adapter with zeroed factors (the caller initialises or loads them). */
export function allocateLora(backend: Backend, cfg: MistralConfig, spec: LoraSpec, dtype: DType, withGrads: boolean): LoraAdapter {
  for (const t of spec.targets) {
    if (!PROJECTIONS.includes(t)) throw new Error(`unknown LoRA target "${t}" (use ${PROJECTIONS.join(', ')})`);
  }
  const layers: LoraAdapter['layers'] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const layer: Partial<Record<Projection, LoraPair>> = {};
    for (const p of spec.targets) {
      const [out, inDim] = projectionShape(cfg, p);
      layer[p] = {
        A: zeros(backend, dtype, spec.r * inDim), B: zeros(backend, dtype, out * spec.r),
        dA: withGrads ? zeros(backend, dtype, spec.r * inDim) : null, dB: withGrads ? zeros(backend, dtype, out * spec.r) : null,
      };
    }
    layers.push(layer);
  }
  return { spec, scaling: loraScaling(spec), layers };
}

/** Frees an adapter's factors and gradients. */
export function freeLora(backend: Backend, adapter: LoraAdapter): void {
  for (const layer of adapter.layers) {
    for (const pair of Object.values(layer)) {
      for (const b of [pair.A, pair.B, pair.dA, pair.dB]) if (b) backend.free(b);
    }
  }
}
