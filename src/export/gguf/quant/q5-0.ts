// Q5_0, ggml's quantize_row_q5_0_ref: blocks of 32, d = (the value of largest magnitude)/−16 as fp16,
// 5-bit quants (low 4 bits packed in pairs in qs, the 5th bits in the 32-bit qh). llama.cpp's Q4_K_M uses it
// for matrices whose rows are not a multiple of 256.
import * as bits from './float-bits.ts';

// local bindings (see qkx2.ts)
const fround = Math.fround, fp32ToFp16 = bits.fp32ToFp16, truncInt32 = bits.truncInt32;

/** (int8_t)f: only a block whose 1/d overflows (|x| below ~5e-38) reaches past the int8 range. */
function toInt8(f: number): number {
  return (truncInt32(f) << 24) >> 24;
}

/** Quantises x (length a multiple of 32) into out (22 bytes per block: d, qh[4], qs[16]). */
export function quantizeQ5_0(x: Float32Array, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / 32; b++) {
    const x0 = b * 32, o = b * 22;
    let amax = 0, max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[x0 + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fround(max / -16);
    const id = d ? fround(1 / d) : 0;
    view.setUint16(o, fp32ToFp16(d), true);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      // MIN(31, (int8_t)(x·id + 16.5f))
      const xi0 = Math.min(31, toInt8(fround(fround(x[x0 + j]! * id) + 16.5)));
      const xi1 = Math.min(31, toInt8(fround(fround(x[x0 + 16 + j]! * id) + 16.5)));
      out[o + 6 + j] = (xi0 & 0x0f) | ((xi1 & 0x0f) << 4);
      qh |= ((xi0 & 0x10) >>> 4) << j;
      qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
    }
    view.setUint32(o + 2, qh >>> 0, true);
  }
}
