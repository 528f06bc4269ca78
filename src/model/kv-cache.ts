// The KV cache for generation: per layer, the keys (after RoPE) and values of every position so far,
// (maxLen, Hkv·D) each, so each new token costs one layer pass instead of re-running the prompt.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import type { DType } from '../backend/dtype.ts';
import type { MistralConfig } from './config.ts';

export interface KvCache {
  k: DeviceBuffer[];
  v: DeviceBuffer[];
  /** (maxLen) i32, all 0: one segment. */
  segments: DeviceBuffer;
  /** Positions filled. */
  length: number;
  maxLen: number;
}

export function createKvCache(backend: Backend, cfg: MistralConfig, maxLen: number, dtype: DType): KvCache {
  const n = maxLen * cfg.numKvHeads * cfg.headDim;
  const segments = backend.alloc('i32', maxLen);
  backend.fill(segments, 0);
  return {
    k: Array.from({ length: cfg.numLayers }, () => backend.alloc(dtype, n)),
    v: Array.from({ length: cfg.numLayers }, () => backend.alloc(dtype, n)),
    segments, length: 0, maxLen,
  };
}

export function freeKvCache(backend: Backend, cache: KvCache): void {
  for (const b of [...cache.k, ...cache.v, cache.segments]) backend.free(b);
}
