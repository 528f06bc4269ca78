// Model FLOPs of a training step (issue [10]'s definition, MFU's numerator): the matmuls forward (2·N per
// token, N = matmul parameters) and backward to their inputs (2·N), plus the weights' own gradients (2·N)
// when every weight trains, plus attention over the causal (windowed) query–key pairs — Q·Kᵀ and P·V,
// 4·D per pair and head forward, twice that backward. Recomputation (activation checkpointing) and the LoRA
// factors' own products are not counted: MFU measures the useful work of a step, not the work done.
import { layerWindows } from '../model/layer-types.ts';
import type { MistralConfig } from '../model/config.ts';

/** Matmul parameters: the 7 projections of every layer and the head of `headRows` outputs (the LM head: the vocabulary; the embedding is a gather). */
export function matmulParams(cfg: MistralConfig, headRows: number = cfg.vocabSize): number {
  const C = cfg.hiddenSize, I = cfg.intermediateSize, q = cfg.numHeads * cfg.headDim, kv = cfg.numKvHeads * cfg.headDim;
  return cfg.numLayers * (C * q + 2 * C * kv + q * C + 3 * C * I) + headRows * C;
}

/** Query–key pairs a causal mask with an optional sliding window keeps in a sequence of T: Σ_i min(i + 1, W). */
export function causalPairs(T: number, window: number | null): number {
  const W = window === null ? T : Math.min(T, window);
  return (W * (W + 1)) / 2 + (T - W) * W;
}

export interface StepFlopsOptions {
  /** Every weight trains (full fine-tuning): the backward also forms the weights' gradients, 2·N more per token. */
  weightGrads?: boolean;
  /** Outputs of the head (default: the vocabulary; a classification head's label count). */
  headRows?: number;
}

/** Model FLOPs of one step over B rows of T positions. */
export function stepFlops(cfg: MistralConfig, B: number, T: number, opts: StepFlopsOptions = {}): number {
  const pairs = layerWindows(cfg).reduce<number>((sum, window) => sum + causalPairs(T, window), 0); // every layer, its own window
  const attention = 3 * 4 * pairs * cfg.numHeads * cfg.headDim * B;
  return (opts.weightGrads ? 6 : 4) * matmulParams(cfg, opts.headRows) * B * T + attention;
}
