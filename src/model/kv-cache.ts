// The KV cache for generation: per layer, the keys (after RoPE) and values of every position so far,
// (maxLen, Hkv·D) each, so each new token costs one layer pass instead of re-running the prompt. It is reserved for the
// positions a call expects and grows (reserveKvCache) where generation runs past them.
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
  /** Positions reserved. */
  maxLen: number;
  /** Elements a position takes in each k and v buffer (Hkv·D), and their dtype. */
  rowWidth: number;
  dtype: DType;
}

function reserve(backend: Backend, layers: number, rowWidth: number, maxLen: number, dtype: DType): Pick<KvCache, 'k' | 'v' | 'segments'> {
  const segments = backend.alloc('i32', maxLen);
  backend.fill(segments, 0);
  return {
    k: Array.from({ length: layers }, () => backend.alloc(dtype, maxLen * rowWidth)),
    v: Array.from({ length: layers }, () => backend.alloc(dtype, maxLen * rowWidth)),
    segments,
  };
}

export function createKvCache(backend: Backend, cfg: MistralConfig, maxLen: number, dtype: DType): KvCache {
  const rowWidth = cfg.numKvHeads * cfg.headDim;
  return { ...reserve(backend, cfg.numLayers, rowWidth, maxLen, dtype), length: 0, maxLen, rowWidth, dtype };
}

/**
 * Makes room in `cache` for `needed` positions: where it has fewer, moves it into buffers of twice its positions (at
 * least `needed`, at most `limit`: the most a call can ask for), the positions filled copied over.
 */
export function reserveKvCache(backend: Backend, cache: KvCache, needed: number, limit: number): void {
  if (needed <= cache.maxLen) return;
  const maxLen = Math.max(needed, Math.min(limit, 2 * cache.maxLen));
  const next = reserve(backend, cache.k.length, cache.rowWidth, maxLen, cache.dtype);
  const filled = cache.length * cache.rowWidth;
  if (filled > 0) {
    for (let l = 0; l < cache.k.length; l++) {
      backend.copy(next.k[l]!, cache.k[l]!, filled);
      backend.copy(next.v[l]!, cache.v[l]!, filled);
    }
  }
  freeKvCache(backend, cache);
  Object.assign(cache, next, { maxLen });
}

export function freeKvCache(backend: Backend, cache: KvCache): void {
  for (const b of [...cache.k, ...cache.v, cache.segments]) backend.free(b);
}
