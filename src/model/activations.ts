// Activation memory, planned from the config and the largest batch shape before the first step: every
// buffer the forward (and, for training, the backward) needs, named and sized for a capacity of B rows
// and B·T tokens, allocated once and reused as a prefix by any smaller batch. For inference one set of
// layer buffers serves every layer; a training plan keeps one set per layer for the backward.
// Activations and their gradients take the storage dtype (bf16 under bf16); rstd, lse, the logits chunk,
// losses, the scalars and the dropout masks take the exact dtype (f32 under bf16).
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { DTYPE_BYTES, type DType, type ModelDTypes } from '../backend/dtype.ts';
import type { MistralConfig } from './config.ts';
import type { Projection } from './weights.ts';

/** The batch shape of the current forward: B rows of T tokens; `training` saves per-layer activations. */
export interface CallShape {
  B: number;
  T: number;
  training: boolean;
}

/** The capacity a plan is allocated for. */
export interface PlanShape extends CallShape {
  /** LoRA rank and input width per adapted projection (same in every layer), to size z = x·Aᵀ. */
  lora: ReadonlyArray<{ proj: Projection; r: number; inDim: number; dropout: boolean }>;
  /** Rows of logits computed at once by the LM head and cross-entropy. */
  logitRows: number;
}

export interface LayerActs {
  ln1: DeviceBuffer; // (N, C)
  rstd1: DeviceBuffer; // (N)
  q: DeviceBuffer; // (N, Hq·D) after RoPE
  k: DeviceBuffer; // (N, Hkv·D) after RoPE
  v: DeviceBuffer; // (N, Hkv·D)
  att: DeviceBuffer; // (N, Hq·D)
  lse: DeviceBuffer; // (B, Hq, T)
  mid: DeviceBuffer; // (N, C) residual after attention
  ln2: DeviceBuffer; // (N, C)
  rstd2: DeviceBuffer; // (N)
  gate: DeviceBuffer; // (N, I)
  up: DeviceBuffer; // (N, I)
  h: DeviceBuffer; // (N, I) silu(gate)·up
  /** Per adapted projection: z = drop(x)·Aᵀ (N, r), and the dropout mask (N, in) when dropout > 0. */
  lora: Partial<Record<Projection, { z: DeviceBuffer; mask: DeviceBuffer | null }>>;
}

export interface GradScratch {
  dresid: DeviceBuffer; // (N, C) gradient of the residual stream
  dln: DeviceBuffer; // (N, C)
  dq: DeviceBuffer; // (N, Hq·D)
  dk: DeviceBuffer; // (N, Hkv·D)
  dv: DeviceBuffer; // (N, Hkv·D)
  datt: DeviceBuffer; // (N, Hq·D)
  dgate: DeviceBuffer; // (N, I)
  dup: DeviceBuffer; // (N, I)
  dh: DeviceBuffer; // (N, I)
  /** (N, maxRank) gradient of z for a LoRA projection; (N, maxIn) for a dropped input. */
  dz: DeviceBuffer;
  dxDrop: DeviceBuffer;
}

export interface Activations {
  capacity: PlanShape;
  /** The shape of the forward in flight (set by the model before each forward). */
  shape: CallShape;
  ids: DeviceBuffer; // (N) i32
  positions: DeviceBuffer; // (N) i32
  segments: DeviceBuffer; // (N) i32
  targets: DeviceBuffer; // (N) i32
  scoreIndex: DeviceBuffer; // (B) i32
  /** Residual stream: resid[l] is the input of layer l, resid[L] the last layer's output (N, C). */
  resid: DeviceBuffer[];
  layers: LayerActs[];
  lnf: DeviceBuffer; // (N, C)
  rstdf: DeviceBuffer; // (N)
  logits: DeviceBuffer; // (logitRows, V)
  losses: DeviceBuffer; // (N)
  pooled: DeviceBuffer; // (B, C) classification: hidden state of the scored token
  /** (2) small results read back by the host: a loss sum, a squared norm. */
  scalar: DeviceBuffer;
  grads: GradScratch | null;
  /** Total bytes, for the memory report. */
  bytes: number;
}

/** Allocates every activation buffer for `shape` in the model's dtypes. */
export function allocateActivations(backend: Backend, cfg: MistralConfig, shape: PlanShape, dtypes: ModelDTypes): Activations {
  const float = dtypes.storage, exact = dtypes.exact;
  const { B, T, training } = shape;
  const N = B * T;
  const C = cfg.hiddenSize, I = cfg.intermediateSize, V = cfg.vocabSize;
  const QD = cfg.numHeads * cfg.headDim, KVD = cfg.numKvHeads * cfg.headDim;
  let bytes = 0;
  const alloc = (n: number, dtype: DType = float): DeviceBuffer => {
    bytes += n * DTYPE_BYTES[dtype];
    return backend.alloc(dtype, n);
  };
  const layerActs = (): LayerActs => {
    const lora: LayerActs['lora'] = {};
    for (const l of shape.lora) {
      lora[l.proj] = { z: alloc(N * l.r), mask: training && l.dropout ? alloc(N * l.inDim, exact) : null };
    }
    return {
      ln1: alloc(N * C), rstd1: alloc(N, exact), q: alloc(N * QD), k: alloc(N * KVD), v: alloc(N * KVD),
      att: alloc(N * QD), lse: alloc(B * cfg.numHeads * T, exact), mid: alloc(N * C), ln2: alloc(N * C), rstd2: alloc(N, exact),
      gate: alloc(N * I), up: alloc(N * I), h: alloc(N * I), lora,
    };
  };
  const L = cfg.numLayers;
  const layers = training ? Array.from({ length: L }, layerActs) : [layerActs()];
  const resid = training ? Array.from({ length: L + 1 }, () => alloc(N * C)) : [alloc(N * C), alloc(N * C)];
  const maxRank = Math.max(1, ...shape.lora.map((l) => l.r));
  const maxIn = Math.max(1, ...shape.lora.filter((l) => l.dropout).map((l) => l.inDim));
  const grads: GradScratch | null = training
    ? {
      dresid: alloc(N * C), dln: alloc(N * C), dq: alloc(N * QD), dk: alloc(N * KVD), dv: alloc(N * KVD),
      datt: alloc(N * QD), dgate: alloc(N * I), dup: alloc(N * I), dh: alloc(N * I),
      dz: alloc(N * maxRank), dxDrop: alloc(N * maxIn),
    }
    : null;
  return {
    capacity: shape,
    shape: { B, T, training },
    ids: alloc(N, 'i32'), positions: alloc(N, 'i32'), segments: alloc(N, 'i32'), targets: alloc(N, 'i32'),
    scoreIndex: alloc(B, 'i32'),
    resid, layers,
    lnf: alloc(N * C), rstdf: alloc(N, exact),
    logits: alloc(Math.min(N, shape.logitRows) * V, exact), losses: alloc(N, exact),
    pooled: alloc(B * C),
    scalar: alloc(2, exact),
    grads,
    get bytes() {
      return bytes;
    },
  };
}

export function freeActivations(backend: Backend, acts: Activations): void {
  const seen = new Set<DeviceBuffer>();
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return;
    if ('dtype' in x && 'length' in x) {
      if (!seen.has(x as DeviceBuffer)) {
        seen.add(x as DeviceBuffer);
        backend.free(x as DeviceBuffer);
      }
      return;
    }
    for (const v of Object.values(x)) visit(v);
  };
  const { capacity: _capacity, shape: _shape, ...buffers } = acts;
  visit(buffers);
}
