// SwiGLU: out = silu(gate) · up with silu(g) = g · sigmoid(g), and its backward; elementwise over n,
// all buffers store_t, VEC elements a thread at a time where every pointer is 16-byte aligned.
#include "common.cuh"

__device__ __forceinline__ real silu_times(real g, real u) { return g / ((real)1 + r_exp(-g)) * u; }

extern "C" __global__ void swiglu_forward(store_t *out, const store_t *gate, const store_t *up, long long n) {
  const long long vectors = aligned16(out) && aligned16(gate) && aligned16(up) ? n / VEC : 0;
  FOR_EACH(v, vectors) {
    real g[VEC], u[VEC], o[VEC];
    ld_vec(gate, v * VEC, g);
    ld_vec(up, v * VEC, u);
#pragma unroll
    for (int j = 0; j < VEC; j++) o[j] = silu_times(g[j], u[j]);
    st_vec(out, v * VEC, o);
  }
  FOR_EACH_FROM(i, vectors * VEC, n) st(out, i, silu_times(ld(gate, i), ld(up, i)));
}

/** (∂gate, ∂up) of one element from dout, gate and up. */
__device__ __forceinline__ void swiglu_grads(real d, real g, real u, real &dg, real &du) {
  const real s = (real)1 / ((real)1 + r_exp(-g));
  du = d * g * s;
  dg = d * u * s * ((real)1 + g * ((real)1 - s));
}

/** dgate, dup (n) overwritten from dout (n); each thread reads its inputs before writing (dgate may be gate, dup up). */
extern "C" __global__ void swiglu_backward(store_t *dgate, store_t *dup, const store_t *dout, const store_t *gate, const store_t *up,
    long long n) {
  const bool vec = aligned16(dgate) && aligned16(dup) && aligned16(dout) && aligned16(gate) && aligned16(up);
  const long long vectors = vec ? n / VEC : 0;
  FOR_EACH(v, vectors) {
    real d[VEC], g[VEC], u[VEC], dg[VEC], du[VEC];
    ld_vec(dout, v * VEC, d);
    ld_vec(gate, v * VEC, g);
    ld_vec(up, v * VEC, u);
#pragma unroll
    for (int j = 0; j < VEC; j++) swiglu_grads(d[j], g[j], u[j], dg[j], du[j]);
    st_vec(dup, v * VEC, du);
    st_vec(dgate, v * VEC, dg);
  }
  FOR_EACH_FROM(i, vectors * VEC, n) {
    real dg, du;
    swiglu_grads(ld(dout, i), ld(gate, i), ld(up, i), dg, du);
    st(dup, i, du);
    st(dgate, i, dg);
  }
}
