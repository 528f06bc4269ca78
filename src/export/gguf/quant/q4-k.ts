// Q4_K, ggml's quantize_row_q4_K_ref (no importance matrix): the scales of qkx2.ts with 16 levels, then the
// 4-bit quants packed in pairs 32 apart (144 bytes per super-block of 256).
import { kQuantScales } from './qkx2.ts';

const L_ = new Uint8Array(256);

/** Quantises x (length a multiple of 256) into out (144 bytes per super-block). */
export function quantizeQ4_K(x: Float32Array, out: Uint8Array): void {
  const L = L_;
  for (let b = 0; b < x.length / 256; b++) {
    const x0 = b * 256, o = b * 144;
    kQuantScales(x, x0, out, o, L, 15, -1, 20);
    let q = o + 16;
    for (let j = 0; j < 256; j += 64) {
      for (let l = 0; l < 32; l++) out[q + l] = L[j + l]! | (L[j + l + 32]! << 4);
      q += 32;
    }
  }
}
