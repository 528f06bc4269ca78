// Activation memory, planned from the config and the largest batch shape before the first step: every
// buffer the forward (and, for training, the backward) needs, named and sized for a capacity of B rows
// and B·T tokens, allocated once and reused as a prefix by any smaller batch. For inference one set of
// layer buffers serves every layer; a training plan keeps one set per layer for the backward, or, with
// activation checkpointing, only each layer's input (the residual stream) and one set that the backward
// refills by recomputing each layer. LoRA dropout masks are not stored: the backward regenerates them
// from the seed. `layoutActivations` is the one sizing formula: the model allocates through it and the
// memory plan (train/memory-plan.ts) counts bytes through it.
// Activations and their gradients take the storage dtype (bf16 under bf16); rstd, lse, the logits chunk,
// losses, the scalars and the classification logits take the exact dtype (f32 under bf16).
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { DTYPE_BYTES, type DType, type ModelDTypes } from '../backend/dtype.ts';
import type { MistralConfig } from './config.ts';
import { loraInputGroups } from './lora.ts';
import { projectionShape, type Projection } from './weights.ts';

/** Default number of token rows whose logits are computed at once. */
export const LOGIT_ROWS = 512;

/** The batch shape of the current forward: B rows of T tokens; `training` saves per-layer activations. */
export interface CallShape {
  B: number;
  T: number;
  training: boolean;
}

/** LoRA rank and widths of one adapted projection (same in every layer), to size z = x·Aᵀ (and DoRA's buffers). */
export interface LoraPlan {
  proj: Projection;
  r: number;
  inDim: number;
  outDim: number;
  dropout: boolean;
  /** DoRA: the projection's output before the magnitude's scaling is kept, and its weight's norms need a scratch. */
  dora: boolean;
}

/** The capacity a plan is allocated for. */
export interface PlanShape extends CallShape {
  lora: readonly LoraPlan[];
  /**
   * Rows of logits computed at once by the LM head and cross-entropy; 0 for a plan that serves the classification
   * head alone, which has no logits chunk (nor, under bf16, its gradient's): the score head's (B, numLabels) is its own.
   */
  logitRows: number;
  /** Training keeps only each layer's input; the backward recomputes the layer (activation checkpointing). */
  checkpoint: boolean;
  /** Classes of the classification head (its scratch is planned when > 0). */
  numLabels: number;
}

/** The LoRA part of a plan shape for an adapter of rank r on `targets`. */
export function loraPlan(cfg: MistralConfig, spec: { r: number; dropout: number; targets: readonly Projection[]; useDora?: boolean }): LoraPlan[] {
  return spec.targets.map((p) => {
    const [outDim, inDim] = projectionShape(cfg, p);
    return { proj: p, r: spec.r, inDim, outDim, dropout: spec.dropout > 0, dora: spec.useDora === true };
  });
}

export interface LayerActs<Buf = DeviceBuffer> {
  ln1: Buf; // (N, C)
  rstd1: Buf; // (N)
  q: Buf; // (N, Hq·D) after RoPE
  k: Buf; // (N, Hkv·D) after RoPE
  v: Buf; // (N, Hkv·D)
  att: Buf; // (N, Hq·D)
  lse: Buf; // (B, Hq, T)
  mid: Buf; // (N, C) residual after attention
  ln2: Buf; // (N, C)
  rstd2: Buf; // (N)
  gate: Buf; // (N, I); the backward writes ∂L/∂gate over it (nothing reads gate after SwiGLU's backward)
  up: Buf; // (N, I); likewise ∂L/∂up
  h: Buf; // (N, I) silu(gate)·up
  /**
   * Per adapted projection: the (N, width) buffer that holds its z = drop(x)·Aᵀ (N, r) in the columns of its
   * slot, shared with the other adapted projections of its input (model/lora.ts, zSlots).
   */
  lora: Partial<Record<Projection, Buf>>;
  /** Per DoRA projection: its output before the magnitude's scaling, y0 = W·u + scaling·B·A·u (N, out), which ∂m reads. */
  dora: Partial<Record<Projection, Buf>>;
}

export interface GradScratch<Buf = DeviceBuffer> {
  dresid: Buf; // (N, C) gradient of the residual stream
  dln: Buf; // (N, C)
  dq: Buf; // (N, Hq·D)
  dk: Buf; // (N, Hkv·D)
  dv: Buf; // (N, Hkv·D)
  datt: Buf; // (N, Hq·D)
  dh: Buf; // (N, I)
  /** (N, widest z row) gradient of z for a LoRA projection, or of an input's z together; (N, maxIn) for a dropped input. */
  dz: Buf;
  dxDrop: Buf;
  /** (N, widest DoRA output) the gradient of a DoRA projection's y0 (its output's, scaled by m / norm); 1 element without DoRA. */
  ddora: Buf;
  /**
   * (logitRows, V) the logits' gradient in the storage dtype when that is narrower than the exact one (bf16),
   * so the LM head's backward products stay bf16; null when they are equal (the gradient overwrites the logits).
   */
  dlogits: Buf | null;
}

/** The classification head's work buffers for one micro-batch. */
export interface ClassScratch<Buf = DeviceBuffer> {
  labels: Buf; // (B) i32
  logits: Buf; // (B, numLabels), then its gradient
  losses: Buf; // (B)
  dpooled: Buf; // (B, C)
}

export interface ActivationBuffers<Buf = DeviceBuffer> {
  ids: Buf; // (N) i32
  positions: Buf; // (N) i32
  segments: Buf; // (N) i32
  targets: Buf; // (N) i32
  scoreIndex: Buf; // (B) i32
  /** Residual stream: resid[l] is the input of layer l, resid[L] the last layer's output (N, C). */
  resid: Buf[];
  /** One set per layer (training), or one shared set (inference, activation checkpointing). */
  layers: Array<LayerActs<Buf>>;
  lnf: Buf; // (N, C)
  rstdf: Buf; // (N)
  logits: Buf | null; // (logitRows, V); null in a plan without the LM head (logitRows 0)
  losses: Buf; // (N)
  pooled: Buf; // (B, C) classification: hidden state of the scored token
  /** DoRA: (widest out·in of a DoRA projection) W + scaling·B·A, whose row norms each forward takes; null without DoRA. */
  doraWeight: Buf | null;
  cls: ClassScratch<Buf> | null;
  /** (2) small results read back by the host: a loss sum, a squared norm. */
  scalar: Buf;
  grads: GradScratch<Buf> | null;
}

export interface Activations extends ActivationBuffers {
  capacity: PlanShape;
  /** The shape of the forward in flight (set by the model before each forward). */
  shape: CallShape;
  /** Total bytes, for the memory report. */
  bytes: number;
}

/** Every buffer of a plan for `shape`, each made by `alloc(elements, dtype)`: the one sizing formula. */
export function layoutActivations<Buf>(cfg: MistralConfig, shape: PlanShape, dtypes: ModelDTypes,
  alloc: (n: number, dtype: DType) => Buf): ActivationBuffers<Buf> {
  const float = dtypes.storage, exact = dtypes.exact;
  const { B, T, training } = shape;
  const N = B * T;
  const C = cfg.hiddenSize, I = cfg.intermediateSize, V = cfg.vocabSize;
  const QD = cfg.numHeads * cfg.headDim, KVD = cfg.numKvHeads * cfg.headDim;
  const rank = new Map(shape.lora.map((l) => [l.proj, l.r]));
  const zWidths = loraInputGroups([...rank.keys()]).map((projs) => ({ projs, width: projs.reduce((w, p) => w + rank.get(p)!, 0) }));
  const dora = shape.lora.filter((l) => l.dora);
  const layerActs = (): LayerActs<Buf> => {
    const lora: LayerActs<Buf>['lora'] = {};
    for (const width of zWidths) {
      const z = alloc(N * width.width, float);
      for (const p of width.projs) lora[p] = z;
    }
    const y0: LayerActs<Buf>['dora'] = {};
    for (const l of dora) y0[l.proj] = alloc(N * l.outDim, float);
    return {
      ln1: alloc(N * C, float), rstd1: alloc(N, exact), q: alloc(N * QD, float), k: alloc(N * KVD, float), v: alloc(N * KVD, float),
      att: alloc(N * QD, float), lse: alloc(B * cfg.numHeads * T, exact), mid: alloc(N * C, float), ln2: alloc(N * C, float),
      rstd2: alloc(N, exact), gate: alloc(N * I, float), up: alloc(N * I, float), h: alloc(N * I, float), lora, dora: y0,
    };
  };
  const L = cfg.numLayers;
  const layers = training && !shape.checkpoint ? Array.from({ length: L }, layerActs) : [layerActs()];
  const resid = Array.from({ length: training ? L + 1 : 2 }, () => alloc(N * C, float));
  const maxWidth = Math.max(1, ...zWidths.map((w) => w.width));
  const maxIn = Math.max(1, ...shape.lora.filter((l) => l.dropout).map((l) => l.inDim));
  const grads: GradScratch<Buf> | null = training
    ? {
      dresid: alloc(N * C, float), dln: alloc(N * C, float), dq: alloc(N * QD, float), dk: alloc(N * KVD, float),
      dv: alloc(N * KVD, float), datt: alloc(N * QD, float),
      dh: alloc(N * I, float), dz: alloc(N * maxWidth, float), dxDrop: alloc(N * maxIn, float),
      ddora: alloc(Math.max(1, N * Math.max(0, ...dora.map((l) => l.outDim))), float),
      dlogits: float !== exact && shape.logitRows > 0 ? alloc(Math.min(N, shape.logitRows) * V, float) : null,
    }
    : null;
  const cls: ClassScratch<Buf> | null = shape.numLabels > 0
    ? { labels: alloc(B, 'i32'), logits: alloc(B * shape.numLabels, exact), losses: alloc(B, exact), dpooled: alloc(B * C, exact) }
    : null;
  return {
    ids: alloc(N, 'i32'), positions: alloc(N, 'i32'), segments: alloc(N, 'i32'), targets: alloc(N, 'i32'),
    scoreIndex: alloc(B, 'i32'),
    resid, layers,
    lnf: alloc(N * C, float), rstdf: alloc(N, exact),
    logits: shape.logitRows > 0 ? alloc(Math.min(N, shape.logitRows) * V, exact) : null, losses: alloc(N, exact),
    pooled: alloc(B * C, float),
    doraWeight: dora.length > 0 ? alloc(Math.max(...dora.map((l) => l.outDim * l.inDim)), float) : null,
    cls,
    scalar: alloc(2, exact),
    grads,
  };
}

/** The LM head's logits chunk (logitRows, V) of a plan made for it (a forward for the 'lm' head). */
export function logitsChunk<Buf>(acts: Pick<ActivationBuffers<Buf>, 'logits'>): Buf {
  if (acts.logits === null) throw new Error('activation plan without the LM head\'s logits chunk (a forward for the classification head) used for token logits');
  return acts.logits;
}

/**
 * Bytes of a plan for `shape`, in all and of its logits chunk, without allocating anything. The layout is affine in
 * the number of layers (a set of buffers and a residual per layer, or one), so it is counted for 1 and 2 layers and
 * extended: a config.json of 10^9 layers is planned (and found not to fit) without laying out 10^9 sets.
 */
export function activationBytes(cfg: MistralConfig, shape: PlanShape, dtypes: ModelDTypes): { total: number; logitsChunk: number } {
  const count = (numLayers: number): { total: number; logitsChunk: number } => {
    let total = 0;
    const layout = layoutActivations({ ...cfg, numLayers }, shape, dtypes, (n, dtype) => {
      total += n * DTYPE_BYTES[dtype];
      return n * DTYPE_BYTES[dtype];
    });
    return { total, logitsChunk: layout.logits ?? 0 };
  };
  if (cfg.numLayers <= 2) return count(cfg.numLayers);
  const one = count(1), two = count(2);
  return { total: one.total + (cfg.numLayers - 1) * (two.total - one.total), logitsChunk: one.logitsChunk };
}

/** Allocates every activation buffer for `shape` in the model's dtypes. */
export function allocateActivations(backend: Backend, cfg: MistralConfig, shape: PlanShape, dtypes: ModelDTypes): Activations {
  let bytes = 0;
  const buffers = layoutActivations(cfg, shape, dtypes, (n, dtype) => {
    bytes += n * DTYPE_BYTES[dtype];
    return backend.alloc(dtype, n);
  });
  return { ...buffers, capacity: shape, shape: { B: shape.B, T: shape.T, training: shape.training }, bytes };
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
