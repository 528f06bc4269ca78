// Cross-entropy of logits (N, V) store_t against targets (N) int, fused with the gradient: one block per
// row, chunked over the vocabulary (three passes: max, Σexp, write). losses (N) float; target −100 =
// ignored (loss 0, gradient 0); a target outside [0, V) gives a NaN loss and a zero gradient.
// dlogits (N, V) store_t, may be null, may alias logits: gradScale · (softmax − onehot).
#include "common.cuh"

extern "C" __global__ void cross_entropy(float *losses, store_t *dlogits, const store_t *logits, const int *targets, int N, int V,
    float grad_scale) {
  __shared__ float scratch[WARP];
  const long long row = blockIdx.x;
  if (row >= N) return;
  const long long o = row * V;
  const int y = targets[row];
  if (y == IGNORE_INDEX || y < 0 || y >= V) {
    if (threadIdx.x == 0) losses[row] = y == IGNORE_INDEX ? 0.0f : __int_as_float(0x7fc00000);
    if (dlogits) for (int v = threadIdx.x; v < V; v += blockDim.x) st(dlogits, o + v, 0.0f);
    return;
  }
  float m = NEG_INF;
  for (int v = threadIdx.x; v < V; v += blockDim.x) m = fmaxf(m, ld(logits, o + v));
  m = block_max(m, scratch);
  float z = 0.0f;
  for (int v = threadIdx.x; v < V; v += blockDim.x) z += expf(ld(logits, o + v) - m);
  z = block_sum(z, scratch);
  const float logit_y = ld(logits, o + y); // read by every thread before any write below
  if (threadIdx.x == 0) losses[row] = m + logf(z) - logit_y;
  if (!dlogits) return;
  __syncthreads();
  const float inv = grad_scale / z;
  for (int v = threadIdx.x; v < V; v += blockDim.x) {
    st(dlogits, o + v, expf(ld(logits, o + v) - m) * inv - (v == y ? grad_scale : 0.0f));
  }
}
