// Rotary position embedding in HF's rotate_half layout, in place on x (N, H·D) store_t, by positions (N)
// int and invFreq (D/2) exact_t. The pair (x[i], x[i + D/2]) of each head rotates by pos · invFreq[i];
// the angle is rounded to float and its cos/sin computed in double then rounded to float, as the CPU
// backend does. `inverse` rotates by −angle: the backward of the forward rotation. One thread per (token, i),
// over the token's H heads: the angle depends on the token and i alone, so its double cos and sin are taken once
// for the heads (on the H200, run 1, one thread per (token, head, i) took 27.5 µs a call on average at 1×2048,
// where moving the bytes takes ~10).
#include "common.cuh"

extern "C" __global__ void rope(store_t *x, const int *positions, const exact_t *inv_freq, int N, int H, int D, int inverse) {
  const int half = D / 2;
  const long long total = (long long)N * half;
  FOR_EACH(idx, total) {
    const int i = (int)(idx % half);
    const long long t = idx / half;
    const float angle = (float)((double)positions[t] * (double)inv_freq[i]);
    const real c = (float)cos((double)angle);
    const real s = (inverse ? -1.0f : 1.0f) * (float)sin((double)angle);
    for (int h = 0; h < H; h++) {
      const long long o = (t * H + h) * D;
      const real a = ld(x, o + i), b = ld(x, o + i + half);
      st(x, o + i, a * c - b * s);
      st(x, o + i + half, b * c + a * s);
    }
  }
}
