// Q4_K, ggml's quantize_row_q4_K_ref (no importance matrix): super-blocks of 256 = 8 sub-blocks of 32,
// each with a 6-bit scale and min (make_qkx2_quants), 4-bit quants; d and dmin as fp16. Every float
// operation is rounded to float32 in the C source's order, so the bytes equal ggml's.
import * as bits from './float-bits.ts';

// local bindings: an imported binding is a property read per call once tsx compiles the module, and these
// run a few hundred times per element
const fround = Math.fround, fp16ToFp32 = bits.fp16ToFp32, fp32ToFp16 = bits.fp32ToFp16, nearestInt = bits.nearestInt;

/** make_qkx2_quants(32, nmax, x, weights, L, &min, Laux, rmin, rdelta, nstep, use_mad = false). */
function makeQkx2Quants(x: Float32Array, w: Float32Array, nmax: number, L: Uint8Array, Laux: Uint8Array, rmin: number, rdelta: number, nstep: number): [scale: number, theMin: number] {
  const n = x.length;
  let min = x[0]!, max = x[0]!, sumW = w[0]!, sumX = fround(sumW * x[0]!);
  for (let i = 1; i < n; i++) {
    if (x[i]! < min) min = x[i]!;
    if (x[i]! > max) max = x[i]!;
    sumW = fround(sumW + w[i]!);
    sumX = fround(sumX + fround(w[i]! * x[i]!));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0);
    return [0, -min];
  }
  let iscale = fround(nmax / fround(max - min));
  let scale = fround(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const l = Math.max(0, Math.min(nmax, nearestInt(fround(iscale * fround(x[i]! - min)))));
    L[i] = l;
    let diff = fround(fround(fround(scale * l) + min) - x[i]!);
    diff = fround(diff * diff);
    bestError = fround(bestError + fround(w[i]! * diff));
  }
  if (nstep < 1) return [scale, -min];
  for (let is = 0; is <= nstep; is++) {
    // min may have moved in an earlier step: the C source reads it anew in each step, so do we
    iscale = fround(fround(fround(rmin + fround(rdelta * is)) + nmax) / fround(max - min));
    let sumL = 0, sumL2 = 0, sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(fround(iscale * fround(x[i]! - min)))));
      Laux[i] = l;
      const wl = fround(w[i]! * l);
      sumL = fround(sumL + wl);
      sumL2 = fround(sumL2 + fround(wl * l));
      sumXL = fround(sumXL + fround(wl * x[i]!));
    }
    const D = fround(fround(sumW * sumL2) - fround(sumL * sumL));
    if (D > 0) {
      let thisScale = fround(fround(fround(sumW * sumXL) - fround(sumX * sumL)) / D);
      let thisMin = fround(fround(fround(sumL2 * sumX) - fround(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fround(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        let diff = fround(fround(fround(thisScale * Laux[i]!) + thisMin) - x[i]!);
        diff = fround(diff * diff);
        curError = fround(curError + fround(w[i]! * diff));
      }
      if (curError < bestError) {
        L.set(Laux.subarray(0, n));
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return [scale, -min];
}

/** get_scale_min_k4: the 6-bit scale and min of sub-block j from the 12 packed bytes. */
function scaleMinK4(j: number, q: Uint8Array): [number, number] {
  if (j < 4) return [q[j]! & 63, q[j + 4]! & 63];
  return [(q[j + 4]! & 0xf) | ((q[j - 4]! >> 6) << 4), (q[j + 4]! >> 4) | ((q[j]! >> 6) << 4)];
}

/** Quantises x (length a multiple of 256) into out (144 bytes per super-block). */
export function quantizeQ4_K(x: Float32Array, out: Uint8Array): void {
  const L = new Uint8Array(256), Laux = new Uint8Array(32), weights = new Float32Array(32);
  const mins = new Float32Array(8), scales = new Float32Array(8);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / 256; b++) {
    const xb = x.subarray(b * 256, b * 256 + 256);
    const o = b * 144;
    const sc = out.subarray(o + 4, o + 16);
    sc.fill(0);
    let maxScale = 0, maxMin = 0;
    for (let j = 0; j < 8; j++) {
      const xs = xb.subarray(32 * j, 32 * j + 32);
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = fround(sumX2 + fround(xs[l]! * xs[l]!));
      const avX = fround(Math.sqrt(fround(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = fround(avX + Math.abs(xs[l]!));
      const [scale, min] = makeQkx2Quants(xs, weights, 15, L.subarray(32 * j, 32 * j + 32), Laux, -1, fround(0.1), 20);
      scales[j] = scale;
      mins[j] = min;
      if (scales[j]! > maxScale) maxScale = scales[j]!;
      if (mins[j]! > maxMin) maxMin = mins[j]!;
    }
    const invScale = maxScale > 0 ? fround(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? fround(63 / maxMin) : 0;
    for (let j = 0; j < 8; j++) {
      const ls = Math.min(63, nearestInt(fround(invScale * scales[j]!)) & 0xff);
      const lm = Math.min(63, nearestInt(fround(invMin * mins[j]!)) & 0xff);
      if (j < 4) {
        sc[j] = ls;
        sc[j + 4] = lm;
      } else {
        sc[j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
        sc[j - 4] = sc[j - 4]! | ((ls >> 4) << 6);
        sc[j] = sc[j]! | ((lm >> 4) << 6);
      }
    }
    const dBits = fp32ToFp16(fround(maxScale / 63)), dminBits = fp32ToFp16(fround(maxMin / 63));
    view.setUint16(o, dBits, true);
    view.setUint16(o + 2, dminBits, true);
    const dAll = fp16ToFp32(dBits), dminAll = fp16ToFp32(dminBits);
    for (let j = 0; j < 8; j++) {
      const [s, m] = scaleMinK4(j, sc);
      const d = fround(dAll * s);
      if (!d) continue;
      const dm = fround(dminAll * m);
      for (let ii = 0; ii < 32; ii++) {
        L[32 * j + ii] = Math.max(0, Math.min(15, nearestInt(fround(fround(xb[32 * j + ii]! + dm) / d))));
      }
    }
    let q = o + 16;
    for (let j = 0; j < 256; j += 64) {
      for (let l = 0; l < 32; l++) out[q + l] = L[j + l]! | (L[j + l + 32]! << 4);
      q += 32;
    }
  }
}
