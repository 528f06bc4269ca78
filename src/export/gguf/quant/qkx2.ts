// The part Q4_K and Q5_K share, ggml's quantize_row_q4_K_ref / quantize_row_q5_K_ref up to the quants' packing:
// super-blocks of 256 = 8 sub-blocks of 32, each with a 6-bit scale and min (make_qkx2_quants; Q4_K: 16 levels,
// rmin −1, 20 steps; Q5_K: 32 levels, rmin −0.5, 15 steps), d and dmin as fp16, then each value's level against
// the packed scales. Every float operation is rounded to float32 in the C source's order, so the bytes equal ggml's.
//
// Speed (the search runs up to 22 passes over each sub-block; each Math.fround is two float conversions, which
// dominate): scratch allocated once, the sub-block in float64 scratch, x − min and max − min kept until min
// moves, levels rounded in float64 (no conversion), scale·l + min once per level, and two shortcuts that
// cannot change a result: a step whose levels equal the previous step's has the same sums, so the same
// error, which cannot beat the best (already ≤ that error); and the error, a float32 sum of non-negative
// terms, never decreases, so its loop stops once it reaches the best.
import * as bits from './float-bits.ts';

// local bindings: an imported binding is a property read per call once tsx compiles the module
const fround = Math.fround, fp16ToFp32 = bits.fp16ToFp32, fp32ToFp16 = bits.fp32ToFp16, nearestInt = bits.nearestInt;

const RDELTA = fround(0.1);
const MAGIC_DOUBLE = 6755399441055744; // 1.5·2^52: x + it − it rounds a float64 to an integer, ties to even

// scratch of one sub-block of 32 (float64 holding float32 values); the functions read them through locals,
// as TurboFan reloads a module binding from its context on every use in a loop
const X_ = new Float64Array(32), W_ = new Float64Array(32), XM_ = new Float64Array(32);
const LEVELS_A = new Uint8Array(32), LEVELS_B = new Uint8Array(32), FIT_ = new Float64Array(32);
/** make_qkx2_quants's second result (−min) */
let theMin = 0;

/**
 * make_qkx2_quants(32, nmax, X, W, L + lo, &theMin, Laux, rmin, rdelta = 0.1, nstep, use_mad = false);
 * returns the scale, sets theMin.
 */
function makeQkx2Quants(L: Uint8Array, lo: number, nmax: number, rmin: number, nstep: number): number {
  const X = X_, W = W_, XM = XM_, FIT = FIT_;
  let min = X[0]!, max = X[0]!, sumW = W[0]!, sumX = fround(sumW * X[0]!);
  for (let i = 1; i < 32; i++) {
    const x = X[i]!, w = W[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
    sumW = fround(sumW + w);
    sumX = fround(sumX + fround(w * x));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + 32);
    theMin = -min;
    return 0;
  }
  let range = fround(max - min);
  let iscale = fround(nmax / range);
  let scale = fround(1 / iscale);
  let bestError = 0, maxXM = 0;
  for (let i = 0; i < 32; i++) {
    const xm = fround(X[i]! - min);
    XM[i] = xm;
    if (Math.abs(xm) > maxXM) maxXM = Math.abs(xm);
    let l = nearestInt(fround(iscale * xm));
    l = l < 0 ? 0 : l > nmax ? nmax : l;
    L[lo + i] = l;
    const diff = fround(fround(fround(scale * l) + min) - X[i]!);
    bestError = fround(bestError + fround(W[i]! * fround(diff * diff)));
  }
  // |iscale·(x − min)| < (nmax + rmin + 0.1·nstep + 0.01)·max|x − min|/range (16.01 for Q4_K, 32.01 for Q5_K)
  // in every step: within nearest_int's ±4194303 this bound lets the hottest loop round in float64 inline
  // (+ 1.5·2^52), with no check and no call
  const bound = nmax + 2;
  let inRange = (bound / range) * maxXM < 4194303;
  let cur = LEVELS_A, prev = LEVELS_B, havePrev = false;
  for (let is = 0; is <= nstep; is++) {
    iscale = fround(fround(fround(rmin + fround(RDELTA * is)) + nmax) / range);
    let changed = havePrev ? 0 : 1;
    if (inRange) {
      for (let i = 0; i < 32; i++) {
        let l = fround(iscale * XM[i]!) + MAGIC_DOUBLE - MAGIC_DOUBLE;
        l = l < 0 ? 0 : l > nmax ? nmax : l;
        changed |= l ^ prev[i]!;
        cur[i] = l;
      }
    } else {
      // a min far below the values (C asserts this never happens): C's bits, as nearestInt gives them
      for (let i = 0; i < 32; i++) {
        let l = nearestInt(fround(iscale * XM[i]!));
        l = l < 0 ? 0 : l > nmax ? nmax : l;
        changed |= l ^ prev[i]!;
        cur[i] = l;
      }
    }
    if (changed === 0) continue; // same levels as the step before: nothing can change
    const t = prev;
    prev = cur;
    cur = t;
    havePrev = true;
    let sumL = 0, sumL2 = 0, sumXL = 0;
    for (let i = 0; i < 32; i++) {
      const l = prev[i]!, wl = fround(W[i]! * l);
      sumL = fround(sumL + wl);
      sumL2 = fround(sumL2 + fround(wl * l));
      sumXL = fround(sumXL + fround(wl * X[i]!));
    }
    const D = fround(fround(sumW * sumL2) - fround(sumL * sumL));
    if (!(D > 0)) continue;
    let thisScale = fround(fround(fround(sumW * sumXL) - fround(sumX * sumL)) / D);
    let thisMin = fround(fround(fround(sumL2 * sumX) - fround(sumL * sumXL)) / D);
    if (thisMin > 0) {
      thisMin = 0;
      thisScale = fround(sumXL / sumL2);
    }
    let curError = 0, i = 0;
    // scale·l + min for each of the 16 levels, then per element only what depends on it
    for (let l = 0; l <= nmax; l++) FIT[l] = fround(fround(thisScale * l) + thisMin);
    for (; i < 32; i++) {
      const diff = fround(FIT[prev[i]!]! - X[i]!);
      curError = fround(curError + fround(W[i]! * fround(diff * diff)));
      if (curError >= bestError) break;
    }
    if (i === 32 && curError < bestError) {
      for (let k = 0; k < 32; k++) L[lo + k] = prev[k]!; // not L.set: a builtin call costs more than 32 stores
      bestError = curError;
      scale = thisScale;
      if (thisMin !== min) {
        min = thisMin;
        // the C source reads min anew in each step (in max − min too)
        range = fround(max - min);
        maxXM = 0;
        for (let k = 0; k < 32; k++) {
          XM[k] = fround(X[k]! - min);
          if (Math.abs(XM[k]!) > maxXM) maxXM = Math.abs(XM[k]!);
        }
        inRange = (bound / range) * maxXM < 4194303;
      }
    }
  }
  theMin = -min;
  return scale;
}

const SCALES_ = new Float64Array(8), MINS_ = new Float64Array(8), SC_ = new Uint8Array(12);

/**
 * The first 16 bytes of the super-block of x at x0 into out at o (fp16 d, fp16 dmin, the 12 bytes of 6-bit
 * scales and mins) and the level (0..nmax) of each of its 256 values into L.
 */
export function kQuantScales(x: Float32Array, x0: number, out: Uint8Array, o: number, L: Uint8Array, nmax: number, rmin: number, nstep: number): void {
  const X = X_, W = W_, SCALES = SCALES_, MINS = MINS_, SC = SC_;
  let maxScale = 0, maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const s0 = x0 + 32 * j;
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) {
      const v = x[s0 + l]!;
      X[l] = v;
      sumX2 = fround(sumX2 + fround(v * v));
    }
    const avX = fround(Math.sqrt(fround(sumX2 / 32)));
    for (let l = 0; l < 32; l++) W[l] = fround(avX + Math.abs(X[l]!));
    const scale = makeQkx2Quants(L, 32 * j, nmax, rmin, nstep);
    SCALES[j] = scale;
    MINS[j] = theMin;
    if (scale > maxScale) maxScale = scale;
    if (theMin > maxMin) maxMin = theMin;
  }
  const invScale = maxScale > 0 ? fround(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? fround(63 / maxMin) : 0;
  SC.fill(0);
  for (let j = 0; j < 8; j++) {
    const ls = Math.min(63, nearestInt(fround(invScale * SCALES[j]!)) & 0xff);
    const lm = Math.min(63, nearestInt(fround(invMin * MINS[j]!)) & 0xff);
    if (j < 4) {
      SC[j] = ls;
      SC[j + 4] = lm;
    } else {
      SC[j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      SC[j - 4] = SC[j - 4]! | ((ls >> 4) << 6);
      SC[j] = SC[j]! | ((lm >> 4) << 6);
    }
  }
  const dBits = fp32ToFp16(fround(maxScale / 63)), dminBits = fp32ToFp16(fround(maxMin / 63));
  out[o] = dBits & 0xff;
  out[o + 1] = dBits >> 8;
  out[o + 2] = dminBits & 0xff;
  out[o + 3] = dminBits >> 8;
  out.set(SC, o + 4);
  const dAll = fp16ToFp32(dBits), dminAll = fp16ToFp32(dminBits);
  for (let j = 0; j < 8; j++) {
    // get_scale_min_k4: the 6-bit scale and min of sub-block j from the 12 packed bytes
    const s = j < 4 ? SC[j]! & 63 : (SC[j + 4]! & 0xf) | ((SC[j - 4]! >> 6) << 4);
    const m = j < 4 ? SC[j + 4]! & 63 : (SC[j + 4]! >> 4) | ((SC[j]! >> 6) << 4);
    const d = fround(dAll * s);
    if (d === 0) continue; // not !d: C's !d is false for NaN (d = inf · 0 when the fp16 d overflows)
    const dm = fround(dminAll * m);
    for (let ii = 0; ii < 32; ii++) {
      const l = nearestInt(fround(fround(x[x0 + 32 * j + ii]! + dm) / d));
      L[32 * j + ii] = l < 0 ? 0 : l > nmax ? nmax : l;
    }
  }
}
