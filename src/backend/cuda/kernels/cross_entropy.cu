// Cross-entropy of logits (N, V) exact_t against targets (N) int, fused with the gradient: one block per
// row, chunked over the vocabulary (three passes: max, Σexp, write). losses (N) exact_t. A target of −100
// or outside [0, V) is ignored: loss 0 and a zero gradient row (the host validates targets; a kernel never
// reads out of bounds). dlogits (N, V) store_t, may be null, may alias logits (in the variants where the two
// types are one; elsewhere the host stages it): grad_scale · (softmax − onehot). The model's logits are exact
// (the LM head multiplies into f32) and its dlogits stored (bf16 under bf16): neither is staged then.
#include "common.cuh"

extern "C" __global__ void cross_entropy(exact_t *losses, store_t *dlogits, const exact_t *logits, const int *targets, int N, int V,
    real grad_scale) {
  __shared__ real scratch[WARP];
  const long long row = blockIdx.x;
  if (row >= N) return;
  const long long o = row * V;
  const int y = targets[row];
  if (y < 0 || y >= V) {
    if (threadIdx.x == 0) losses[row] = 0;
    if (dlogits) for (int v = threadIdx.x; v < V; v += blockDim.x) st(dlogits, o + v, (real)0);
    return;
  }
  real m = NEG_INF;
  for (int v = threadIdx.x; v < V; v += blockDim.x) m = r_max(m, (real)logits[o + v]);
  m = block_max(m, scratch);
  real z = 0;
  for (int v = threadIdx.x; v < V; v += blockDim.x) z += r_exp((real)logits[o + v] - m);
  z = block_sum(z, scratch);
  const real logit_y = (real)logits[o + y]; // read by every thread before any write below
  if (threadIdx.x == 0) losses[row] = (m - logit_y) + r_log(z); // m − logit_y first: no cancellation against a large m
  if (!dlogits) return;
  __syncthreads();
  const real inv = grad_scale / z;
  for (int v = threadIdx.x; v < V; v += blockDim.x) {
    st(dlogits, o + v, r_exp((real)logits[o + v] - m) * inv - (v == y ? grad_scale : (real)0));
  }
}
