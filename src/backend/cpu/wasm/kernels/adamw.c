// The AdamW update over a range of the flat parameters.
#include "simd-math.h"

// ---- AdamW (torch.optim.AdamW, the TypeScript kernel's float64 arithmetic) ----
static void adamw_range(f32 *param, const f32 *grad, f32 *m, f32 *v, int lo, int hi, f64 b1, f64 omb1, f64 b2, f64 omb2,
                        f64 stepSize, f64 bc2Sqrt, f64 eps, f64 decay) {
  for (int i = lo; i < hi; i++) {
    f64 g = grad[i];
    f64 mi = b1 * (f64)m[i] + omb1 * g;
    f64 vi = b2 * (f64)v[i] + omb2 * g * g;
    m[i] = (f32)mi;
    v[i] = (f32)vi;
    param[i] = (f32)((f64)param[i] * decay - (stepSize * mi) / (__builtin_sqrt(vi) / bc2Sqrt + eps));
  }
}

// Elements [lo, hi) of the flat parameters: decayIn inside the sorted spans (S, 2) = [start, end), decayOut
// in the gaps; spans = 0: decayIn everywhere. The host validates the spans and splits [0, n) across threads.
void adamw(f32 *param, const f32 *grad, f32 *m, f32 *v, int lo, int hi, const int *spans, int S, f64 b1, f64 omb1,
           f64 b2, f64 omb2, f64 stepSize, f64 bc2Sqrt, f64 eps, f64 decayIn, f64 decayOut) {
  if (!spans) {
    adamw_range(param, grad, m, v, lo, hi, b1, omb1, b2, omb2, stepSize, bc2Sqrt, eps, decayIn);
    return;
  }
  int s = 0, i = lo;
  while (i < hi) {
    while (s < S && spans[2 * s + 1] <= i) s++;
    int inside = s < S && spans[2 * s] <= i;
    int end = inside ? spans[2 * s + 1] : s < S ? spans[2 * s] : hi;
    if (end > hi) end = hi;
    adamw_range(param, grad, m, v, i, end, b1, omb1, b2, omb2, stepSize, bc2Sqrt, eps, inside ? decayIn : decayOut);
    i = end;
  }
}
