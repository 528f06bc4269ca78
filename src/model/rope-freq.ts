// Rotary inverse frequencies 1 / theta^(2i/D), computed in float32 exactly as transformers does
// (arange → float32, pow in float32, reciprocal in float32), so angles match HF bit for bit.

export function ropeInvFreq(theta: number, D: number): Float32Array {
  const out = new Float32Array(D / 2);
  for (let i = 0; i < D / 2; i++) {
    const exponent = Math.fround((2 * i) / D);
    out[i] = Math.fround(1 / Math.fround(Math.pow(theta, exponent)));
  }
  return out;
}
