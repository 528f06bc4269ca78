// Rotary position embedding in HF's rotate_half layout, in place on x (N, H·D) store_t, by positions (N)
// int and invFreq (D/2) float. The pair (x[i], x[i + D/2]) of each head rotates by pos · invFreq[i];
// the angle is rounded to float and its cos/sin computed in double then rounded, as the CPU backend does.
// `inverse` rotates by −angle: the backward of the forward rotation. One thread per (token, head, i).
#include "common.cuh"

extern "C" __global__ void rope(store_t *x, const int *positions, const float *inv_freq, int N, int H, int D, int inverse) {
  const int half = D / 2;
  const long long total = (long long)N * H * half;
  FOR_EACH(idx, total) {
    const int i = (int)(idx % half);
    const long long th = idx / half; // token · H + head
    const long long t = th / H;
    const float angle = (float)positions[t] * inv_freq[i];
    const float c = (float)cos((double)angle);
    const float s = (inverse ? -1.0f : 1.0f) * (float)sin((double)angle);
    const long long o = th * D;
    const float a = ld(x, o + i), b = ld(x, o + i + half);
    st(x, o + i, a * c - b * s);
    st(x, o + i + half, b * c + a * s);
  }
}
