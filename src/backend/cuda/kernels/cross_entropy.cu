// Cross-entropy of logits (N, V) against targets (N) int, fused with the gradient: one block per row, chunked
// over the vocabulary (three passes: max, Σexp, write). losses (N) exact_t. A target of −100 or outside [0, V) is
// ignored: loss 0 and a zero gradient row (the host validates targets; a kernel never reads out of bounds). dlogits
// (N, V) store_t, may be null, may alias logits where the two have one type: grad_scale · (softmax − onehot).
// cross_entropy reads exact logits (the LM head multiplies into f32 by default); cross_entropy_stored reads them in
// the storage type (a bf16 step's bf16 logits, MISTRAL_TUNE_BF16_LOGITS, written into dlogits' own buffer and
// overwritten by their gradient here), so they need no f32 staging copy. Neither is staged in the model's calls.
#include "common.cuh"

__device__ __forceinline__ real logit_at(const exact_t *p, long long i) { return p[i]; }
#ifndef STORE_IS_NATIVE
__device__ __forceinline__ real logit_at(const store_t *p, long long i) { return ld(p, i); }
#endif

template <typename logit_t>
__device__ __forceinline__ void cross_entropy_row(exact_t *losses, store_t *dlogits, const logit_t *logits, const int *targets,
    int N, int V, real grad_scale) {
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
  for (int v = threadIdx.x; v < V; v += blockDim.x) m = r_max(m, logit_at(logits, o + v));
  m = block_max(m, scratch);
  real z = 0;
  for (int v = threadIdx.x; v < V; v += blockDim.x) z += r_exp(logit_at(logits, o + v) - m);
  z = block_sum(z, scratch);
  const real logit_y = logit_at(logits, o + y); // read by every thread before any write below
  if (threadIdx.x == 0) losses[row] = (m - logit_y) + r_log(z); // m − logit_y first: no cancellation against a large m
  if (!dlogits) return;
  __syncthreads();
  const real inv = grad_scale / z;
  for (int v = threadIdx.x; v < V; v += blockDim.x) {
    st(dlogits, o + v, r_exp(logit_at(logits, o + v) - m) * inv - (v == y ? grad_scale : (real)0));
  }
}

extern "C" __global__ void cross_entropy(exact_t *losses, store_t *dlogits, const exact_t *logits, const int *targets, int N, int V,
    real grad_scale) {
  cross_entropy_row(losses, dlogits, logits, targets, N, V, grad_scale);
}

extern "C" __global__ void cross_entropy_stored(exact_t *losses, store_t *dlogits, const store_t *logits, const int *targets, int N,
    int V, real grad_scale) {
  cross_entropy_row(losses, dlogits, logits, targets, N, V, grad_scale);
}
