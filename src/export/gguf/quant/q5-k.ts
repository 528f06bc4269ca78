// Q5_K, ggml's quantize_row_q5_K_ref (no importance matrix): the scales of qkx2.ts with 32 levels, then the low
// 4 bits of the quants packed in pairs 32 apart (qs) and their 5th bits in qh (176 bytes per super-block of 256).
// llama.cpp's Q4_K_M gives it to attn_v of a 70B-type model (tensors.ts).
import { kQuantScales } from './qkx2.ts';

const L_ = new Uint8Array(256);

/** Quantises x (length a multiple of 256) into out (176 bytes per super-block: d, dmin, scales[12], qh[32], qs[128]). */
export function quantizeQ5_K(x: Float32Array, out: Uint8Array): void {
  const L = L_;
  for (let b = 0; b < x.length / 256; b++) {
    const x0 = b * 256, o = b * 176, qh = o + 16;
    kQuantScales(x, x0, out, o, L, 31, -0.5, 15);
    out.fill(0, qh, qh + 32);
    let q = qh + 32, m1 = 1, m2 = 2;
    for (let n = 0; n < 256; n += 64) {
      for (let j = 0; j < 32; j++) {
        let l1 = L[n + j]!, l2 = L[n + j + 32]!;
        if (l1 > 15) {
          l1 -= 16;
          out[qh + j] = out[qh + j]! | m1;
        }
        if (l2 > 15) {
          l2 -= 16;
          out[qh + j] = out[qh + j]! | m2;
        }
        out[q + j] = l1 | (l2 << 4);
      }
      m1 <<= 2;
      m2 <<= 2;
      q += 32;
    }
  }
}
