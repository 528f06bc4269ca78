// Counter-based normal random numbers: out[i] = std · √(−2 ln u1) · cos(2π u2) with (u1, u2) from
// Philox4x32-10 of the counter offset + i under the key seed. The same steps as the CPU reference
// (src/backend/cpu/kernels/random-normal.ts) in the same order, in double with the __d*_rn intrinsics
// (never contracted into FMAs), and ln and cos from series of +, −, ·, /: the double value is the CPU's
// bit for bit, and so are its roundings to float and then bf16.
#include "common.cuh"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/** Philox4x32-10: the four words of counter c under key (k0, k1), in c. */
__device__ __forceinline__ void philox4x32(unsigned int c[4], unsigned int k0, unsigned int k1) {
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += PHILOX_W0;
      k1 += PHILOX_W1;
    }
    const unsigned int hi0 = __umulhi(PHILOX_M0, c[0]), lo0 = PHILOX_M0 * c[0];
    const unsigned int hi1 = __umulhi(PHILOX_M1, c[2]), lo1 = PHILOX_M1 * c[2];
    const unsigned int n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
  }
}

/** ln x for x in (0, 1]: x = m · 2^e with m in [√½, √2), ln m = 2 atanh((m − 1)/(m + 1)) as a series. */
__device__ __forceinline__ double ln_unit(double x) {
  const double atanh_c[11] = {1.0 / 21.0, 1.0 / 19.0, 1.0 / 17.0, 1.0 / 15.0, 1.0 / 13.0, 1.0 / 11.0, 1.0 / 9.0, 1.0 / 7.0,
                              1.0 / 5.0, 1.0 / 3.0, 1.0};
  double e = 0.0;
  while (x < 0.7071067811865476) {
    x = __dmul_rn(x, 2.0);
    e = __dsub_rn(e, 1.0);
  }
  const double s = __ddiv_rn(__dsub_rn(x, 1.0), __dadd_rn(x, 1.0)), s2 = __dmul_rn(s, s);
  double p = atanh_c[0];
  for (int k = 1; k < 11; k++) p = __dadd_rn(__dmul_rn(p, s2), atanh_c[k]);
  return __dadd_rn(__dmul_rn(e, 0.6931471805599453), __dmul_rn(__dmul_rn(2.0, s), p));
}

/** cos(2π u) for u in [0, 1) a multiple of 2^-32, reduced exactly to [0, π/2], as a Taylor series. */
__device__ __forceinline__ double cos_turns(double u) {
  const double cos_c[12] = {-1.0 / 1.1240007277776077e21, 1.0 / 2432902008176640000.0, -1.0 / 6402373705728000.0,
                            1.0 / 20922789888000.0, -1.0 / 87178291200.0, 1.0 / 479001600.0, -1.0 / 3628800.0,
                            1.0 / 40320.0, -1.0 / 720.0, 1.0 / 24.0, -1.0 / 2.0, 1.0};
  double v = u < 0.5 ? u : __dsub_rn(1.0, u);
  double sign = 1.0;
  if (v > 0.25) {
    v = __dsub_rn(0.5, v);
    sign = -1.0;
  }
  const double x = __dmul_rn(v, 6.283185307179586), x2 = __dmul_rn(x, x);
  double p = cos_c[0];
  for (int k = 1; k < 12; k++) p = __dadd_rn(__dmul_rn(p, x2), cos_c[k]);
  return __dmul_rn(sign, p);
}

/** out[i] = normal(seed, offset + i) · std, i < n, rounded once to the storage type (float, then bf16). */
extern "C" __global__ void random_normal(store_t *out, unsigned long long seed, unsigned long long offset, double std_dev, long long n) {
  FOR_EACH(i, n) {
    const unsigned long long ctr = offset + (unsigned long long)i;
    unsigned int c[4] = {(unsigned int)ctr, (unsigned int)(ctr >> 32), 0u, 0u};
    philox4x32(c, (unsigned int)seed, (unsigned int)(seed >> 32));
    const double u1 = __dmul_rn(__dadd_rn((double)c[0], 0.5), 2.3283064365386963e-10);
    const double u2 = __dmul_rn((double)c[1], 2.3283064365386963e-10);
    const double z = __dmul_rn(__dmul_rn(__dsqrt_rn(__dmul_rn(-2.0, ln_unit(u1))), cos_turns(u2)), std_dev);
#ifdef STORE_F64
    out[i] = z;
#else
    st(out, i, (float)z);
#endif
  }
}
