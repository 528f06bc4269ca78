// Q6_K, ggml's quantize_row_q6_K_ref: super-blocks of 256 = 16 sub-blocks of 16, each with an int8 scale
// (make_qx_quants, rmse_type 1), 6-bit quants split into low 4 bits (ql) and high 2 bits (qh); d as fp16.
// Every float operation is rounded to float32 in the C source's order, so the bytes equal ggml's.
//
// Speed (each Math.fround is two float conversions, which dominate): scratch allocated once, the sub-block in
// float64 scratch, its weights x·x and x·x·x kept, levels rounded in float64 (no conversion), and a step
// whose levels repeat the step before skipped (see makeQxQuants).
import * as bits from './float-bits.ts';

// local bindings: an imported binding is a property read per call once tsx compiles the module
const fround = Math.fround, fp16ToFp32 = bits.fp16ToFp32, fp32ToFp16 = bits.fp32ToFp16, nearestInt = bits.nearestInt;

const GROUP_MAX_EPS = fround(1e-15);
const TENTH = fround(0.1);
const MAGIC_DOUBLE = 6755399441055744; // 1.5·2^52: x + it − it rounds a float64 to an integer, ties to even

// scratch of one sub-block of 16 (float64 holding float32 values): x, its weight x·x, and weight·x; the
// functions read them through locals, as TurboFan reloads a module binding from its context on every use
const X_ = new Float64Array(16), W_ = new Float64Array(16), WX_ = new Float64Array(16);
const LEVELS_A = new Int8Array(16), LEVELS_B = new Int8Array(16);
/** the sums of the last pass */
let sumLX = 0, sumL2 = 0;

/**
 * The levels (−32…31) at `iscale` into `levels`; non-zero when they differ from `before`. |iscale·x| ≤ 33
 * here, where nearest_int is rounding to the nearest integer, ties to even (no range check, no call).
 */
function levelsAt(iscale: number, levels: Int8Array, before: Int8Array): number {
  const X = X_;
  let changed = 0;
  for (let i = 0; i < 16; i++) {
    let l = fround(iscale * X[i]!) + MAGIC_DOUBLE - MAGIC_DOUBLE;
    l = l < -32 ? -32 : l > 31 ? 31 : l;
    changed |= l ^ before[i]!;
    levels[i] = l;
  }
  return changed;
}

function sums(levels: Int8Array): void {
  const W = W_, WX = WX_;
  let lx = 0, l2 = 0;
  for (let i = 0; i < 16; i++) {
    const l = levels[i]!;
    lx = fround(lx + fround(WX[i]! * l));
    l2 = fround(l2 + fround(fround(W[i]! * l) * l));
  }
  sumLX = lx;
  sumL2 = l2;
}

/**
 * make_qx_quants(16, 32, X, L + lo, rmse_type = 1, qw = NULL): L[lo + i] = level + 32; returns the scale.
 * A step whose levels equal the previous step's has the same sums, and the same sums cannot pass the test a
 * second time with a different outcome (a step that passed set best from exactly these sums), so it is skipped.
 */
function makeQxQuants(L: Int8Array, lo: number): number {
  const X = X_, W = W_, WX = WX_;
  let max = 0, amax = 0;
  for (let i = 0; i < 16; i++) {
    const x = X[i]!, ax = Math.abs(x);
    if (ax > amax) {
      amax = ax;
      max = x;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + 16);
    return 0;
  }
  for (let i = 0; i < 16; i++) {
    const x = X[i]!, w = fround(x * x);
    W[i] = w;
    WX[i] = fround(w * x);
  }
  let prev = LEVELS_A, cur = LEVELS_B;
  levelsAt(fround(-32 / max), prev, cur);
  sums(prev);
  for (let i = 0; i < 16; i++) L[lo + i] = prev[i]! + 32;
  let scale = sumL2 ? fround(sumLX / sumL2) : 0;
  let best = fround(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    if (levelsAt(fround(-fround(32 + fround(TENTH * is)) / max), cur, prev) === 0) continue;
    const t = prev;
    prev = cur;
    cur = t;
    sums(prev);
    if (sumL2 > 0 && fround(sumLX * sumLX) > fround(best * sumL2)) {
      for (let i = 0; i < 16; i++) L[lo + i] = prev[i]! + 32;
      scale = fround(sumLX / sumL2);
      best = fround(scale * sumLX);
    }
  }
  return scale;
}

/** Quantises x (length a multiple of 256) into out (210 bytes per super-block). */
export function quantizeQ6_K(x: Float32Array, out: Uint8Array): void {
  const X = X_;
  const L = new Int8Array(256), scales = new Float32Array(16);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < x.length / 256; b++) {
    const xb = x.subarray(b * 256, b * 256 + 256);
    const o = b * 210;
    let maxScale = 0, maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      for (let i = 0; i < 16; i++) X[i] = xb[16 * ib + i]!;
      const scale = makeQxQuants(L, 16 * ib);
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
      if (d === 0) continue; // not !d: C's !d is false for NaN (d = inf · 0 when the fp16 d overflows)
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
