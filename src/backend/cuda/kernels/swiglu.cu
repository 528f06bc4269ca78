// The gated MLP: out = act(gate) · up — SwiGLU's silu(g) = g · sigmoid(g) (Mistral's), or transformers' gelu (erf),
// its tanh form (gelu_new, gelu_pytorch_tanh) or relu, by the activation code `act` (GATE_ACTIVATION_CODE of
// kernel-table.ts) — and its backward; elementwise over n, all buffers store_t, math in real (f32 on bf16 storage),
// VEC elements a thread at a time where every pointer is 16-byte aligned. The CPU twin: cpu/kernels/swiglu.ts, whose
// float64 math these f32 forms follow closely: torch's 1 + erf(g/√2) and 1 + tanh(z) lose the small values of a
// negative g to cancellation in f32 (g = −4: ~1e-3 relative), so Φ(g) is taken as ½·erfc(−g/√2) and ½·(1 + tanh z)
// as sigmoid(2z), the same functions without the cancellation.
// `act` is the same for every thread of a launch, so its switch never diverges a warp.
// Not checked without a GPU: the device's erfcf and expf (CUDA documents at most 4 and 2 ulp) against the host libm
// the emulator runs; both far inside the kernel tests' f32 tolerance of 1e-6.
#include "common.cuh"

#define ACT_SILU 0
#define ACT_GELU 1
#define ACT_GELU_TANH 2
#define ACT_RELU 3

__device__ __forceinline__ float r_erfc(float x) { return erfcf(x); }
__device__ __forceinline__ double r_erfc(double x) { return erfc(x); }

#define SQRT1_2 ((real)0.70710678118654752440)      // 1/√2
#define INV_SQRT_2PI ((real)0.39894228040143267794) // 1/√(2π)
#define SQRT_2_OVER_PI ((real)0.79788456080286535588)
#define GELU_KAPPA ((real)0.044715)

/** sigmoid(x) = 1 / (1 + e^−x). */
__device__ __forceinline__ real sigmoid(real x) { return (real)1 / ((real)1 + r_exp(-x)); }
/** Φ(g), the standard normal's distribution: ½·(1 + erf(g/√2)) as ½·erfc(−g/√2). */
__device__ __forceinline__ real normal_cdf(real g) { return (real)0.5 * r_erfc(-g * SQRT1_2); }
/** gelu_tanh's 2z with z = √(2/π)·(g + 0.044715 g³) (torch's gelu(approximate="tanh")): ½·(1 ± tanh z) = sigmoid(±2z). */
__device__ __forceinline__ real gelu_tanh_2z(real g) { return (real)2 * SQRT_2_OVER_PI * (g + GELU_KAPPA * g * g * g); }

/** act(g). */
__device__ __forceinline__ real activation(int act, real g) {
  switch (act) {
    case ACT_GELU: return g * normal_cdf(g);
    case ACT_GELU_TANH: return g * sigmoid(gelu_tanh_2z(g));
    case ACT_RELU: return g > (real)0 ? g : (real)0;
    default: return g / ((real)1 + r_exp(-g));
  }
}

/** act(g) and act'(g) (relu's slope 0 at 0, as torch's backward). */
__device__ __forceinline__ void activation_slope(int act, real g, real &value, real &slope) {
  switch (act) {
    case ACT_GELU: {
      const real cdf = normal_cdf(g);
      value = g * cdf;
      slope = cdf + g * INV_SQRT_2PI * r_exp((real)-0.5 * g * g);
      return;
    }
    case ACT_GELU_TANH: { // ½·(1 − tanh² z) = 2·s·s̄ with s = sigmoid(2z), s̄ = 1 − s taken as sigmoid(−2z) (1 − s cancels)
      const real z2 = gelu_tanh_2z(g), s = sigmoid(z2), s_bar = sigmoid(-z2);
      value = g * s;
      slope = s + (real)2 * g * s * s_bar * SQRT_2_OVER_PI * ((real)1 + (real)3 * GELU_KAPPA * g * g);
      return;
    }
    case ACT_RELU:
      value = g > (real)0 ? g : (real)0;
      slope = g > (real)0 ? (real)1 : (real)0;
      return;
    default: {
      const real s = sigmoid(g);
      value = g * s;
      slope = s * ((real)1 + g * ((real)1 - s));
    }
  }
}

extern "C" __global__ void swiglu_forward(store_t *out, const store_t *gate, const store_t *up, long long n, int act) {
  const long long vectors = aligned16(out) && aligned16(gate) && aligned16(up) ? n / VEC : 0;
  FOR_EACH(v, vectors) {
    real g[VEC], u[VEC], o[VEC];
    ld_vec(gate, v * VEC, g);
    ld_vec(up, v * VEC, u);
#pragma unroll
    for (int j = 0; j < VEC; j++) o[j] = activation(act, g[j]) * u[j];
    st_vec(out, v * VEC, o);
  }
  FOR_EACH_FROM(i, vectors * VEC, n) st(out, i, activation(act, ld(gate, i)) * ld(up, i));
}

/** (∂gate, ∂up) of one element from dout, gate and up. */
__device__ __forceinline__ void swiglu_grads(int act, real d, real g, real u, real &dg, real &du) {
  real value, slope;
  activation_slope(act, g, value, slope);
  du = d * value;
  dg = d * u * slope;
}

/** dgate, dup (n) overwritten from dout (n); each thread reads its inputs before writing (dgate may be gate, dup up). */
extern "C" __global__ void swiglu_backward(store_t *dgate, store_t *dup, const store_t *dout, const store_t *gate, const store_t *up,
    long long n, int act) {
  const bool vec = aligned16(dgate) && aligned16(dup) && aligned16(dout) && aligned16(gate) && aligned16(up);
  const long long vectors = vec ? n / VEC : 0;
  FOR_EACH(v, vectors) {
    real d[VEC], g[VEC], u[VEC], dg[VEC], du[VEC];
    ld_vec(dout, v * VEC, d);
    ld_vec(gate, v * VEC, g);
    ld_vec(up, v * VEC, u);
#pragma unroll
    for (int j = 0; j < VEC; j++) swiglu_grads(act, d[j], g[j], u[j], dg[j], du[j]);
    st_vec(dup, v * VEC, du);
    st_vec(dgate, v * VEC, dg);
  }
  FOR_EACH_FROM(i, vectors * VEC, n) {
    real dg, du;
    swiglu_grads(act, ld(dout, i), ld(gate, i), ld(up, i), dg, du);
    st(dup, i, du);
    st(dgate, i, dg);
  }
}
