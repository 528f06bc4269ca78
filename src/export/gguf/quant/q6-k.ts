// Q6_K, ggml's quantize_row_q6_K_ref: super-blocks of 256 = 16 sub-blocks of 16, each with an int8 scale
// (make_qx_quants, rmse_type 1), 6-bit quants split into low 4 bits (ql) and high 2 bits (qh); d as fp16.
// Every float operation is rounded to float32 in the C source's order, so the bytes equal ggml's.
import * as bits from './float-bits.ts';

// local bindings: an imported binding is a property read per call once tsx compiles the module, and these
// run a few hundred times per element
const fround = Math.fround, fp16ToFp32 = bits.fp16ToFp32, fp32ToFp16 = bits.fp32ToFp16, nearestInt = bits.nearestInt;

const GROUP_MAX_EPS = fround(1e-15);

/** make_qx_quants(n, nmax, x, L, rmse_type = 1, qw = NULL): L[i] = level + nmax. */
function makeQxQuants(x: Float32Array, nmax: number, L: Int8Array): number {
  const n = x.length;
  let max = 0, amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[i]!);
    if (ax > amax) {
      amax = ax;
      max = x[i]!;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0);
    return 0;
  }
  const pass = (iscale: number, store: boolean): [number, number] => {
    let sumlx = 0, suml2 = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(fround(iscale * x[i]!))));
      if (store) L[i] = l + nmax;
      const w = fround(x[i]! * x[i]!);
      sumlx = fround(sumlx + fround(fround(w * x[i]!) * l));
      suml2 = fround(suml2 + fround(fround(w * l) * l));
    }
    return [sumlx, suml2];
  };
  let [sumlx, suml2] = pass(fround(-nmax / max), true);
  let scale = suml2 ? fround(sumlx / suml2) : 0;
  let best = fround(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    const iscale = fround(-fround(nmax + fround(fround(0.1) * is)) / max);
    [sumlx, suml2] = pass(iscale, false);
    if (suml2 > 0 && fround(sumlx * sumlx) > fround(best * suml2)) {
      pass(iscale, true);
      scale = fround(sumlx / suml2);
      best = fround(scale * sumlx);
    }
  }
  return scale;
}

/** Quantises x (length a multiple of 256) into out (210 bytes per super-block). */
export function quantizeQ6_K(x: Float32Array, out: Uint8Array): void {
  const L = new Int8Array(256), scales = new Float32Array(16);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / 256; b++) {
    const xb = x.subarray(b * 256, b * 256 + 256);
    const o = b * 210;
    let maxScale = 0, maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      const scale = makeQxQuants(xb.subarray(16 * ib, 16 * ib + 16), 32, L.subarray(16 * ib, 16 * ib + 16));
      scales[ib] = scale;
      const abs = Math.abs(scales[ib]!);
      if (abs > maxAbsScale) {
        maxAbsScale = abs;
        maxScale = scales[ib]!;
      }
    }
    out.fill(0, o, o + 210);
    if (maxAbsScale < GROUP_MAX_EPS) continue; // d = +0 (all bytes zero)
    const iscale = fround(-128 / maxScale);
    const dBits = fp32ToFp16(fround(1 / iscale));
    view.setUint16(o + 208, dBits, true);
    const dAll = fp16ToFp32(dBits);
    for (let ib = 0; ib < 16; ib++) view.setInt8(o + 192 + ib, Math.min(127, nearestInt(fround(iscale * scales[ib]!))));
    for (let j = 0; j < 16; j++) {
      const d = fround(dAll * view.getInt8(o + 192 + j));
      if (!d) continue;
      for (let ii = 0; ii < 16; ii++) {
        L[16 * j + ii] = Math.max(-32, Math.min(31, nearestInt(fround(xb[16 * j + ii]! / d)))) + 32;
      }
    }
    let ql = o, qh = o + 128;
    for (let j = 0; j < 256; j += 128) {
      for (let l = 0; l < 32; l++) {
        const q1 = L[j + l]! & 0xf, q2 = L[j + l + 32]! & 0xf, q3 = L[j + l + 64]! & 0xf, q4 = L[j + l + 96]! & 0xf;
        out[ql + l] = q1 | (q3 << 4);
        out[ql + l + 32] = q2 | (q4 << 4);
        out[qh + l] = (L[j + l]! >> 4) | ((L[j + l + 32]! >> 4) << 2) | ((L[j + l + 64]! >> 4) << 4) | ((L[j + l + 96]! >> 4) << 6);
      }
      ql += 64;
      qh += 32;
    }
  }
}
