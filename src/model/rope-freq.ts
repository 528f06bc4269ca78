// Rotary inverse frequencies, computed in float32 step by step as transformers 5.17 does (modeling_rope_utils: torch
// float32 tensors; a Python number meets them as a float32; `x / t` is t.reciprocal() · x), so the angles match HF
// bit for bit — plain rope 1 / θ^(2i/D), and the linear, dynamic (within max_position_embeddings), yarn, longrope
// and llama3 scalings of it.
import type { RopeConfig } from './rope-config.ts';

const f = Math.fround;

export interface RopeFrequencies {
  /** (D/2) float32 inverse frequencies: the angle of position p in pair i is p · invFreq[i]. */
  invFreq: Float32Array;
  /** transformers' attention_scaling: cos and sin are multiplied by it (yarn, longrope; 1 otherwise). */
  attentionScaling: number;
  /** longrope: the frequencies of a batch whose positions reach past `after` (its original context); else null. */
  long: { invFreq: Float32Array; after: number } | null;
}

/** θ^(2i/D) for each pair (the exponent and the power rounded to float32). */
function wavelengthBase(theta: number, D: number): Float32Array {
  const out = new Float32Array(D / 2);
  for (let i = 0; i < D / 2; i++) out[i] = f(Math.pow(theta, f((2 * i) / D)));
  return out;
}

/** Plain rope: 1 / θ^(2i/D). */
function plainInvFreq(theta: number, D: number): Float32Array {
  return wavelengthBase(theta, D).map((x) => f(1 / x));
}

/** longrope: 1 / (factor_i · θ^(2i/D)). */
function longropeInvFreq(theta: number, D: number, factors: readonly number[]): Float32Array {
  return wavelengthBase(theta, D).map((x, i) => f(1 / f(f(factors[i]!) * x)));
}

export function ropeFrequencies(rope: RopeConfig, D: number): RopeFrequencies {
  const base = plainInvFreq(rope.theta, D);
  const s = rope.scaling;
  const fixed = (invFreq: Float32Array, attentionScaling = 1): RopeFrequencies => ({ invFreq, attentionScaling, long: null });
  if (s === null) return fixed(base);
  switch (s.type) {
    case 'linear': return fixed(base.map((x) => f(x / f(s.factor))));
    // dynamic NTK at and below max_position_embeddings (the only lengths run): θ · ((factor · L / L) − (factor − 1))^(D/(D−2))
    // with L = max_position_embeddings, computed as transformers does (in doubles: 1, or a hair from it)
    case 'dynamic': {
      const L = s.maxPositionEmbeddings;
      return fixed(plainInvFreq(rope.theta * Math.pow((s.factor * L) / L - (s.factor - 1), D / (D - 2)), D));
    }
    case 'llama3': return fixed(llama3InvFreq(base, s.factor, s.lowFreqFactor, s.highFreqFactor, s.originalMaxPositionEmbeddings));
    case 'yarn': return fixed(yarnInvFreq(rope.theta, D, s.factor, s.betaFast, s.betaSlow, s.originalMaxPositionEmbeddings, s.truncate), s.attentionFactor);
    case 'longrope': return {
      invFreq: longropeInvFreq(rope.theta, D, s.shortFactor), attentionScaling: s.attentionFactor,
      long: { invFreq: longropeInvFreq(rope.theta, D, s.longFactor), after: s.originalMaxPositionEmbeddings },
    };
  }
}

/**
 * llama3: wavelengths above original/low_freq_factor are divided by factor, those below original/high_freq_factor
 * kept, and those between blended by a smooth factor.
 */
function llama3InvFreq(inv: Float32Array, factorIn: number, low: number, high: number, original: number): Float32Array {
  const factor = f(factorIn);
  const lowWavelen = f(original / low);
  const highWavelen = f(original / high);
  const twoPi = f(2 * Math.PI);
  const out = new Float32Array(inv.length);
  for (let i = 0; i < inv.length; i++) {
    const wavelen = f(f(1 / inv[i]!) * twoPi);
    let x = wavelen > lowWavelen ? f(inv[i]! / factor) : inv[i]!;
    if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
      const smooth = f(f(f(f(1 / wavelen) * f(original)) - f(low)) / f(high - low));
      x = f(f(f(f(1 - smooth) * x) / factor) + f(smooth * x));
    }
    out[i] = x;
  }
  return out;
}

/** yarn's correction dimension of `rotations` turns over the original context (before truncation and clamping). */
export function yarnCorrectionDim(theta: number, D: number, original: number, rotations: number): number {
  return (D * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
}

/**
 * yarn: a linear ramp over the pairs between the correction dimensions of beta_fast and beta_slow rotations blends
 * interpolated (1 / (factor · θ^(2i/D))) and extrapolated (1 / θ^(2i/D)) frequencies.
 */
function yarnInvFreq(theta: number, D: number, factorIn: number, betaFast: number, betaSlow: number, original: number, truncate: boolean): Float32Array {
  const factor = f(factorIn);
  let low = yarnCorrectionDim(theta, D, original, betaFast);
  let high = yarnCorrectionDim(theta, D, original, betaSlow);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, D - 1);
  if (low === high) high += 0.001; // transformers: "prevent singularity"
  const out = new Float32Array(D / 2);
  for (let i = 0; i < D / 2; i++) {
    const posFreq = f(Math.pow(theta, f((2 * i) / D)));
    const extrapolation = f(1 / posFreq);
    const interpolation = f(1 / f(factor * posFreq));
    const ramp = Math.min(1, Math.max(0, f(f(i - f(low)) / f(high - low))));
    const extrapolationFactor = f(1 - ramp);
    out[i] = f(f(interpolation * f(1 - extrapolationFactor)) + f(extrapolation * extrapolationFactor));
  }
  return out;
}

/**
 * The factor of q·k in attention: head_dim^-0.5 (transformers' scaling), times attention_scaling² for yarn and longrope —
 * transformers multiplies cos and sin, so the rotated q and k, by attention_scaling (a float32); the same product
 * is formed here from the plainly rotated q and k, and the gradients follow through the scale.
 */
export function attentionScale(cfg: { headDim: number; ropeScaling: RopeConfig['scaling'] }): number {
  const r = cfg.ropeScaling;
  const s = r?.type === 'yarn' || r?.type === 'longrope' ? f(r.attentionFactor) : 1;
  return (s * s) / Math.sqrt(cfg.headDim);
}
