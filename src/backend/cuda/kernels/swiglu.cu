// SwiGLU: out = silu(gate) · up with silu(g) = g · sigmoid(g), and its backward; elementwise over n,
// all buffers store_t.
#include "common.cuh"

extern "C" __global__ void swiglu_forward(store_t *out, const store_t *gate, const store_t *up, long long n) {
  FOR_EACH(i, n) {
    const real g = ld(gate, i);
    st(out, i, g / ((real)1 + r_exp(-g)) * ld(up, i));
  }
}

/** dgate, dup (n) overwritten from dout (n); each thread reads its inputs before writing (dgate may be gate, dup up). */
extern "C" __global__ void swiglu_backward(store_t *dgate, store_t *dup, const store_t *dout, const store_t *gate, const store_t *up,
    long long n) {
  FOR_EACH(i, n) {
    const real g = ld(gate, i), u = ld(up, i), d = ld(dout, i);
    const real s = (real)1 / ((real)1 + r_exp(-g));
    st(dup, i, d * g * s);
    st(dgate, i, d * u * s * ((real)1 + g * ((real)1 - s)));
  }
}
