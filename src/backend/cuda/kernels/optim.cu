// The optimizer step on flat float32 parameters with no host round trip: the global gradient norm
// (multi-tensor sum of squares into a device scalar), torch's clip_grad_norm_ coefficient on the device,
// and one torch.optim.AdamW step reading that coefficient, optionally writing a bf16 copy of the params.
#include "common.cuh"

/** One tensor of the multi-tensor reduction: a device pointer and its length. */
struct TensorRef {
  const float *ptr;
  long long n;
};

/** *sumsq += Σ over tensors[blockIdx.y] of x²; grid.x blocks stride over each tensor. The caller zeroes *sumsq. */
extern "C" __global__ void sum_squares_multi(double *sumsq, const TensorRef *tensors, int count) {
  __shared__ double scratch[WARP];
  if ((int)blockIdx.y >= count) return;
  const TensorRef t = tensors[blockIdx.y];
  double acc = 0.0;
  FOR_EACH(i, t.n) {
    const double v = t.ptr[i];
    acc += v * v;
  }
  acc = block_sum_d(acc, scratch);
  if (threadIdx.x == 0) atomicAdd(sumsq, acc);
}

/** norm = sqrt(sumsq); coef = min(1, max_norm / (norm + 1e-6)) as torch's clip_grad_norm_ (1 when max_norm ≤ 0 = off). */
extern "C" __global__ void clip_coefficient(float *coef, float *norm, const double *sumsq, float max_norm) {
  if (blockIdx.x != 0 || threadIdx.x != 0) return;
  const double nrm = sqrt(*sumsq);
  *norm = (float)nrm;
  *coef = max_norm > 0.0f ? (float)fmin(1.0, (double)max_norm / (nrm + 1e-6)) : 1.0f;
}

/**
 * torch.optim.AdamW over n: g = grad · (*grad_scale when given); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * param = param · decay − step_size · m / (sqrt(v) / bc2_sqrt + eps), with decay = 1 − lr·wd,
 * step_size = lr / (1 − β1^t), bc2_sqrt = sqrt(1 − β2^t) computed on the host. param_bf16 (n), when
 * given, receives the updated parameters rounded to bf16.
 */
extern "C" __global__ void adamw(float *param, float *m, float *v, __nv_bfloat16 *param_bf16, const float *grad, const float *grad_scale,
    long long n, float beta1, float beta2, float eps, float decay, float step_size, float bc2_sqrt) {
  const float gs = grad_scale ? *grad_scale : 1.0f;
  FOR_EACH(i, n) {
    const float g = grad[i] * gs;
    const float mi = beta1 * m[i] + (1.0f - beta1) * g;
    const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const float p = param[i] * decay - step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
    param[i] = p;
    if (param_bf16) param_bf16[i] = __float2bfloat16_rn(p);
  }
}
