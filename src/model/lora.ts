// LoRA adapters as PEFT defines them: y = W·x + scaling · B·(A·drop(x)), A (r, in), B (out, r),
// scaling = alpha / r (alpha / √r with rsLoRA); with DoRA (use_dora) also a magnitude m (out) per projection,
// which rescales each output by m / ‖W + scaling·B·A‖ of its row (model/dora.ts). This file holds the adapter's
// spec and weights on a backend; reading and writing PEFT's files is in peft.ts and peft-save.ts.
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
  /** Weight-decomposed LoRA (PEFT's use_dora): a trained magnitude per output of each adapted projection (absent: false). */
  useDora?: boolean;
  /**
   * PEFT's bias (absent: "none"): "all" and "lora_only" train the biases of the base and adapted linears, which Mistral's
   * have none of, so it changes nothing computed; an adapter loaded and saved again keeps it, as PEFT's does.
   */
  bias?: LoraBias;
  /**
   * PEFT's init_lora_weights of an adapter loaded (absent: true, as createAdapter initialises): how its factors were first
   * drawn, which changes nothing computed from them; an adapter loaded and saved again keeps it, as PEFT's does.
   */
  initLoraWeights?: boolean | string | number | null;
}

export type LoraBias = 'none' | 'all' | 'lora_only';
export const LORA_BIASES: readonly LoraBias[] = ['none', 'all', 'lora_only'];

/**
 * Projections that read the same input, in PROJECTIONS order. Their adapters' z = x·Aᵀ share one (N, width)
 * buffer, a projection's z in its own r columns, so that where their factors A lie together in memory (the
 * optimizer's flat buffers, model/mistral.ts's parameter order) one GEMM computes every z of the input, one
 * its ∂A and one its contribution to ∂x (model/shared-input.ts).
 */
export const QKV: readonly Projection[] = ['q_proj', 'k_proj', 'v_proj'];
export const GATE_UP: readonly Projection[] = ['gate_proj', 'up_proj'];
export const SHARED_INPUTS: readonly (readonly Projection[])[] = [QKV, ['o_proj'], GATE_UP, ['down_proj']];

/** Where an adapted projection's z (N, r) sits: columns [col, col + r) of rows `width` wide. */
export interface ZSlot {
  col: number;
  width: number;
}

/** The adapted projections of each input (groups without one left out), in PROJECTIONS order. */
export function loraInputGroups(targets: readonly Projection[]): Projection[][] {
  return SHARED_INPUTS.map((g) => g.filter((p) => targets.includes(p))).filter((g) => g.length > 0);
}

/** Each adapted projection's z slot for rank r. */
export function zSlots(targets: readonly Projection[], r: number): Partial<Record<Projection, ZSlot>> {
  const slots: Partial<Record<Projection, ZSlot>> = {};
  for (const g of loraInputGroups(targets)) g.forEach((p, i) => { slots[p] = { col: i * r, width: g.length * r }; });
  return slots;
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
  /** DoRA's part (null for plain LoRA). */
  dora: DoraPart | null;
}

/** A DoRA projection's magnitude (out) with its gradient, and the row norms of W + scaling·B·A the last forward computed. */
export interface DoraPart {
  magnitude: DeviceBuffer;
  dMagnitude: DeviceBuffer | null;
  norm: DeviceBuffer;
  /** The norms hold for good: a frozen adapter's (no gradients, nothing changes its factors), once its first forward took them. */
  normKept?: boolean;
}

export interface LoraAdapter {
  spec: LoraSpec;
  scaling: number;
  /** layers[i][proj] for every adapted projection of layer i. */
  layers: Array<Partial<Record<Projection, LoraPair>>>;
}

/**
 * Allocates an adapter with zeroed factors (the caller initialises or loads them). An allocation that fails (a GPU out
 * of memory) frees the buffers already made, which nothing else points at, before it throws.
 */
export function allocateLora(backend: Backend, cfg: MistralConfig, spec: LoraSpec, dtype: DType, withGrads: boolean): LoraAdapter {
  for (const t of spec.targets) {
    if (!PROJECTIONS.includes(t)) throw new Error(`unknown LoRA target "${t}" (use ${PROJECTIONS.join(', ')})`);
  }
  const made: DeviceBuffer[] = [];
  const zeroed = (n: number): DeviceBuffer => {
    const b = zeros(backend, dtype, n);
    made.push(b);
    return b;
  };
  const layers: LoraAdapter['layers'] = [];
  try {
    for (let i = 0; i < cfg.numLayers; i++) {
      const layer: Partial<Record<Projection, LoraPair>> = {};
      for (const p of spec.targets) {
        const [out, inDim] = projectionShape(cfg, p);
        layer[p] = {
          A: zeroed(spec.r * inDim), B: zeroed(out * spec.r),
          dA: withGrads ? zeroed(spec.r * inDim) : null, dB: withGrads ? zeroed(out * spec.r) : null,
          dora: spec.useDora ? { magnitude: zeroed(out), dMagnitude: withGrads ? zeroed(out) : null, norm: zeroed(out) } : null,
        };
      }
      layers.push(layer);
    }
  } catch (e) {
    for (const b of made) backend.free(b);
    throw e;
  }
  return { spec, scaling: loraScaling(spec), layers };
}

/** Frees an adapter's factors and gradients. */
export function freeLora(backend: Backend, adapter: LoraAdapter): void {
  for (const layer of adapter.layers) for (const pair of Object.values(layer)) freePair(backend, pair);
}

/** Frees one projection's factors, gradients and DoRA part. */
export function freePair(backend: Backend, pair: LoraPair): void {
  const d = pair.dora;
  for (const b of [pair.A, pair.B, pair.dA, pair.dB, d?.magnitude, d?.dMagnitude, d?.norm]) if (b) backend.free(b);
}
