// The ggml tensor types a GGUF export writes: their ids in the GGUF tensor info, block size (elements)
// and block bytes, as ggml.h / ggml-common.h define them.
export type GgmlType = 'F32' | 'F16' | 'BF16' | 'Q5_0' | 'Q5_1' | 'Q8_0' | 'Q4_K' | 'Q5_K' | 'Q6_K';

export interface GgmlTypeInfo {
  id: number;
  blockSize: number;
  blockBytes: number;
}

export const GGML_TYPES: Record<GgmlType, GgmlTypeInfo> = {
  F32: { id: 0, blockSize: 1, blockBytes: 4 },
  F16: { id: 1, blockSize: 1, blockBytes: 2 },
  Q5_0: { id: 6, blockSize: 32, blockBytes: 22 }, // fp16 d, uint32 qh, qs[16]
  Q5_1: { id: 7, blockSize: 32, blockBytes: 24 }, // fp16 d, fp16 m, uint32 qh, qs[16]
  Q8_0: { id: 8, blockSize: 32, blockBytes: 34 }, // fp16 d, int8 qs[32]
  Q4_K: { id: 12, blockSize: 256, blockBytes: 144 }, // fp16 d, fp16 dmin, scales[12], qs[128]
  Q5_K: { id: 13, blockSize: 256, blockBytes: 176 }, // fp16 d, fp16 dmin, scales[12], qh[32], qs[128]
  Q6_K: { id: 14, blockSize: 256, blockBytes: 210 }, // ql[128], qh[64], int8 scales[16], fp16 d
  BF16: { id: 30, blockSize: 1, blockBytes: 2 },
};

/** Bytes of a row of `n` elements (n a multiple of the block size). */
export function rowBytes(type: GgmlType, n: number): number {
  const t = GGML_TYPES[type];
  return (n / t.blockSize) * t.blockBytes;
}
