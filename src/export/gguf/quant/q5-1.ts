// Q5_1, ggml's quantize_row_q5_1_ref: blocks of 32, d = (max − min)/31 and m = min as fp16, 5-bit quants of
// x − min (low 4 bits packed in pairs in qs, the 5th bits in the 32-bit qh). llama.cpp falls back to it from
// Q5_K for matrices whose rows are not a multiple of 256.
import * as bits from './float-bits.ts';

// local bindings (see qkx2.ts)
const fround = Math.fround, fp32ToFp16 = bits.fp32ToFp16, truncInt32 = bits.truncInt32;

/** Quantises x (length a multiple of 32) into out (24 bytes per block: d, m, qh[4], qs[16]). */
export function quantizeQ5_1(x: Float32Array, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / 32; b++) {
    const x0 = b * 32, o = b * 24;
    let min = 3.4028234663852886e38, max = -3.4028234663852886e38; // FLT_MAX
    for (let j = 0; j < 32; j++) {
      const v = x[x0 + j]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const d = fround(fround(max - min) / 31);
    const id = d ? fround(1 / d) : 0;
    view.setUint16(o, fp32ToFp16(d), true);
    view.setUint16(o + 2, fp32ToFp16(min), true);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      // (uint8_t)((x − min)·id + 0.5f): the low byte of the truncation
      const xi0 = truncInt32(fround(fround(fround(x[x0 + j]! - min) * id) + 0.5)) & 0xff;
      const xi1 = truncInt32(fround(fround(fround(x[x0 + 16 + j]! - min) * id) + 0.5)) & 0xff;
      out[o + 8 + j] = (xi0 & 0x0f) | ((xi1 & 0x0f) << 4);
      qh |= ((xi0 & 0x10) >>> 4) << j;
      qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
    }
    view.setUint32(o + 4, qh >>> 0, true);
  }
}
