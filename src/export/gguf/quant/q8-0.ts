// Q8_0, ggml's quantize_row_q8_0_ref: blocks of 32, d = max|x|/127 as fp16, q = roundf(x/d) as int8.
import * as bits from './float-bits.ts';

// local bindings: an imported binding is a property read per call once tsx compiles the module, and these
// run a few hundred times per element
const fround = Math.fround, fp32ToFp16 = bits.fp32ToFp16;

/** roundf: half away from zero. */
function roundf(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Quantises x (length a multiple of 32) into out (34 bytes per block). */
export function quantizeQ8_0(x: Float32Array, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / 32; b++) {
    const x0 = b * 32, o = b * 34;
    let amax = 0;
    for (let j = 0; j < 32; j++) {
      const a = Math.abs(x[x0 + j]!);
      amax = amax > a ? amax : a; // C's MAX(amax, a), not Math.max: a NaN is kept only as the block's last value
    }
    const d = fround(amax / 127);
    const id = d !== 0 ? fround(1 / d) : 0; // C's d ? …: true for NaN
    view.setUint16(o, fp32ToFp16(d), true);
    for (let j = 0; j < 32; j++) view.setInt8(o + 2 + j, roundf(fround(x[x0 + j]! * id)));
  }
}
