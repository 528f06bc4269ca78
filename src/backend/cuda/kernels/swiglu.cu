// SwiGLU: out = silu(gate) · up with silu(g) = g · sigmoid(g), and its backward; elementwise over n,
// all buffers store_t.
#include "common.cuh"

extern "C" __global__ void swiglu_forward(store_t *out, const store_t *gate, const store_t *up, long long n) {
  FOR_EACH(i, n) {
    const float g = ld(gate, i);
    st(out, i, g / (1.0f + expf(-g)) * ld(up, i));
  }
}

/** dgate, dup (n) overwritten from dout (n). */
extern "C" __global__ void swiglu_backward(store_t *dgate, store_t *dup, const store_t *dout, const store_t *gate, const store_t *up,
    long long n) {
  FOR_EACH(i, n) {
    const float g = ld(gate, i), u = ld(up, i), d = ld(dout, i);
    const float s = 1.0f / (1.0f + expf(-g));
    st(dup, i, d * g * s);
    st(dgate, i, d * u * s * (1.0f + g * (1.0f - s)));
  }
}
