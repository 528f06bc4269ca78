// RMSNorm forward and backward.
#include "simd-math.h"

// ---- RMSNorm (the same float64 arithmetic as the TypeScript kernel, so the results are bit-identical) ----
// out (N, C) = w · x · r, rstd (N) = r = 1 / sqrt(mean(x²) + eps), the sum of squares in order.
void rmsnorm_forward(f32 *out, f32 *rstd, const f32 *x, const f32 *w, int N, int C, f64 eps) {
  for (int t = 0; t < N; t++) {
    const f32 *xr = x + (long)t * C;
    f32 *o = out + (long)t * C;
    f64 ss = 0;
    for (int c = 0; c < C; c++) ss += (f64)xr[c] * (f64)xr[c];
    f64 r = 1.0 / __builtin_sqrt(ss / C + eps);
    rstd[t] = (f32)r;
    for (int c = 0; c < C; c++) o[c] = (f32)((f64)w[c] * ((f64)xr[c] * r));
  }
}

// One chunk of the backward: dx += r·(w·dy) − x·r³/C · Σ(w·dy·x) for rows [r0, r1) (rows independent), and
// dw (C) += Σ_t dout·x·r for columns [c0, c1), summed over all N rows in order as the TypeScript kernel
// does (columns independent); dw = 0: no dw. The host gives each thread a band of rows and one of columns.
void rmsnorm_backward(f32 *dx, f32 *dw, const f32 *dout, const f32 *x, const f32 *w, const f32 *rstd, int N, int C,
                      int r0, int r1, int c0, int c1) {
  for (int t = r0; t < r1; t++) {
    long o = (long)t * C;
    f64 r = rstd[t], dot = 0;
    for (int c = 0; c < C; c++) dot += (f64)w[c] * (f64)dout[o + c] * (f64)x[o + c];
    f64 k = (dot * r * r * r) / C;
    for (int c = 0; c < C; c++) dx[o + c] = (f32)((f64)dx[o + c] + (r * (f64)w[c] * (f64)dout[o + c] - k * (f64)x[o + c]));
  }
  if (!dw) return;
  for (int t = 0; t < N; t++) {
    long o = (long)t * C;
    f64 r = rstd[t];
    for (int c = c0; c < c1; c++) dw[c] = (f32)((f64)dw[c] + (f64)dout[o + c] * (f64)x[o + c] * r);
  }
}
