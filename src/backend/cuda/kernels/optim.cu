// The optimizer step over one flat buffer of every trainable parameter, with no host round trip: torch's
// clip_grad_norm_ coefficient from the device Σ g², and one torch.optim.AdamW step with weight decay only
// inside the decayed spans (norm weights are the gaps between them).
#include "common.cuh"

/** coef[0] = min(1, max_norm / (sqrt(sumsq[0]) + 1e-6)), in double, as torch's clip_grad_norm_ (and the CPU backend). */
extern "C" __global__ void clip_coefficient(exact_t *coef, const exact_t *sumsq, double max_norm) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  const double c = max_norm / (sqrt((double)*sumsq) + 1e-6);
  *coef = (exact_t)(c >= 1.0 ? 1.0 : c); // a NaN norm stays NaN (fmin would hide it), as the CPU's Math.min
}

/** Whether element i lies in one of the S sorted, disjoint spans [start, end) of spans (S, 2): a binary search. */
__device__ __forceinline__ bool in_spans(const int *spans, int S, long long i) {
  int lo = 0, hi = S - 1;
  while (lo <= hi) {
    const int mid = (lo + hi) / 2;
    if (i < spans[2 * mid]) hi = mid - 1;
    else if (i >= spans[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * torch.optim.AdamW over n: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * param = param · d − step_size · m / (sqrt(v) / bc2_sqrt + eps), where d = decay (= 1 − lr·wd) inside a
 * span of spans (S, 2) — everywhere when spans is null — and 1 elsewhere; step_size = lr / (1 − β1^t) and
 * bc2_sqrt = sqrt(1 − β2^t) come from the host.
 */
extern "C" __global__ void adamw(store_t *param, store_t *m, store_t *v, const store_t *grad, const int *spans, int S, long long n,
    double beta1, double beta2, real eps, real decay, real step_size, real bc2_sqrt) {
  // 1 − β in double before rounding, as torch's (1 − β) scalars: float(1 − 0.999) is 0.001, 1 − float(0.999) is not
  const real b1 = (real)beta1, b2 = (real)beta2, c1 = (real)(1.0 - beta1), c2 = (real)(1.0 - beta2);
  // every operation rounded once, in the CPU backend's order and with no FMA: NVRTC contracted the expression
  // differently in the spans and no-spans paths (1 ulp apart on an H200), and the CPU never contracts
  FOR_EACH(i, n) {
    const real g = ld(grad, i);
    const real mi = r_add(r_mul(b1, ld(m, i)), r_mul(c1, g));
    const real vi = r_add(r_mul(b2, ld(v, i)), r_mul(r_mul(c2, g), g));
    st(m, i, mi);
    st(v, i, vi);
    const real d = spans == nullptr || in_spans(spans, S, i) ? decay : (real)1;
    const real denom = r_add(r_div(r_sqrt(vi), bc2_sqrt), eps);
    st(param, i, r_sub(r_mul(ld(param, i), d), r_div(r_mul(step_size, mi), denom)));
  }
}
