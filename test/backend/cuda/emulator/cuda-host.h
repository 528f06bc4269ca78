// The CUDA C++ the kernels use, on the host (g++), for the kernel emulator (runtime.cpp): every CUDA thread is a
// fiber of one OS thread, so __syncthreads and the warp-collective operations (shuffles, mma, ldmatrix) are fiber
// barriers and atomics are plain updates.
// Included before each kernel file (g++ -include); the kernel files compile unchanged but for "extern __shared__",
// which the build turns into "extern" (the dynamic shared memory is one host buffer, smem_bytes).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <cstdio>

struct uint3 { unsigned x, y, z; };
struct alignas(16) uint4 { unsigned x, y, z, w; };
struct dim3 { unsigned x, y, z; };
extern uint3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;
/** Bytes of the one dynamic shared memory buffer (runtime.cpp's smem_bytes): what a launch may ask for. */
constexpr unsigned MT_SMEM_BYTES = 256 * 1024;
extern "C" unsigned char smem_bytes[];

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))
#define __restrict__ __restrict
#define __launch_bounds__(...)

void __syncthreads();
/** __syncthreads that also returns, to every thread, whether predicate was non-zero in every thread of the block. */
int __syncthreads_and(int predicate);
/** Exchanges 8 bytes with lane (own lane ^ m) of the calling warp. */
uint64_t mt_shfl_xor(uint64_t v, int m);
template <typename T> inline T __shfl_xor_sync(unsigned, T v, int m) {
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(T));
  b = mt_shfl_xor(b, m);
  T r;
  std::memcpy(&r, &b, sizeof(T));
  return r;
}
[[noreturn]] inline void __trap() { std::abort(); }

/** Set here only: the kernels' stand-ins for inline PTX (mma.cuh's mma16816, tile_io.cuh's ldsm_x4 and cp_async*) are chosen by it. */
#define MT_HOST_EMULATOR 1
/** The calling thread's lane in its warp. */
int mt_lane();
/** Every lane of the calling warp gives `bytes` (at most 64) from `mine`; `all` gets the 32 in lane order. */
void mt_warp_gather(const void *mine, unsigned bytes, void *all);
/**
 * PTX ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16 for the calling warp: lanes 8j..8j+7 give the addresses of
 * the 8 rows of matrix j (16 bytes each, 16-byte aligned, else the emulator aborts); r[j] gets this lane's two
 * elements of matrix j: row lane / 4, columns 2·(lane % 4) and the next — or with `trans` rows 2·(lane % 4) and
 * the next of column lane / 4 — the lower one in the low half.
 */
inline void mt_ldmatrix_x4(unsigned r[4], const void *row, bool trans) {
  const unsigned char *all[32];
  if ((uintptr_t)row % 16 != 0) { std::fprintf(stderr, "emulator: ldmatrix row address %p not 16-byte aligned\n", row); std::abort(); }
  mt_warp_gather(&row, sizeof row, all);
  const int l = mt_lane();
  auto at = [&](int j, int rowIndex, int col) { uint16_t v; std::memcpy(&v, all[8 * j + rowIndex] + 2 * col, 2); return (unsigned)v; };
  for (int j = 0; j < 4; j++) {
    const unsigned lo = trans ? at(j, 2 * (l % 4), l / 4) : at(j, l / 4, 2 * (l % 4));
    const unsigned hi = trans ? at(j, 2 * (l % 4) + 1, l / 4) : at(j, l / 4, 2 * (l % 4) + 1);
    r[j] = lo | (hi << 16);
  }
}

/**
 * PTX mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32, D = A·B + C, for the calling warp: each lane gives
 * its fragments (layouts in mma.cuh's header; the lower index in the low half of each word) and gets
 * its four elements of D. The products are exact (bf16 × bf16 fits an f32); they are summed in double and added
 * to C once (the hardware's order is unspecified; tests compare within bf16 tolerances).
 */
inline void mt_mma_m16n8k16_bf16(float c[4], const unsigned a[4], unsigned b0, unsigned b1) {
  struct Frag { unsigned a[4], b[2]; };
  const Frag mine = {{a[0], a[1], a[2], a[3]}, {b0, b1}};
  Frag all[32];
  mt_warp_gather(&mine, sizeof mine, all);
  auto lo = [](unsigned w) { uint32_t u = w << 16; float f; std::memcpy(&f, &u, 4); return f; };
  auto hi = [](unsigned w) { uint32_t u = w & 0xffff0000u; float f; std::memcpy(&f, &u, 4); return f; };
  float A[16][16], B[16][8];
  for (int l = 0; l < 32; l++) {
    const int g = l / 4, t = l % 4;
    const Frag &f = all[l];
    A[g][2 * t] = lo(f.a[0]); A[g][2 * t + 1] = hi(f.a[0]);
    A[g + 8][2 * t] = lo(f.a[1]); A[g + 8][2 * t + 1] = hi(f.a[1]);
    A[g][2 * t + 8] = lo(f.a[2]); A[g][2 * t + 9] = hi(f.a[2]);
    A[g + 8][2 * t + 8] = lo(f.a[3]); A[g + 8][2 * t + 9] = hi(f.a[3]);
    B[2 * t][g] = lo(f.b[0]); B[2 * t + 1][g] = hi(f.b[0]);
    B[2 * t + 8][g] = lo(f.b[1]); B[2 * t + 9][g] = hi(f.b[1]);
  }
  const int g = mt_lane() / 4, t = mt_lane() % 4;
  for (int e = 0; e < 4; e++) {
    const int row = g + 8 * (e / 2), col = 2 * t + (e % 2);
    double sum = 0;
    for (int k = 0; k < 16; k++) sum += (double)A[row][k] * (double)B[k][col];
    c[e] = (float)((double)c[e] + sum);
  }
}

/**
 * PTX cp.async.{ca,cg}.shared.global of `size` bytes (4, 8 or 16) for the calling thread (both addresses aligned to
 * it, else the emulator aborts), the last size − srcBytes of them zeros. The source is read now; when the bytes land in shared memory depends
 * on MT_EMULATOR_SCHEDULE (runtime.cpp): at once under serial, as late as the PTX allows (at the thread's
 * cp.async.wait_group that covers it) otherwise — so a kernel that reads a tile before waiting for it, or refills
 * one that is still being read, gets another result under one of the schedules.
 */
void mt_cp_async(void *dst, const void *src, unsigned size, unsigned srcBytes);
/** PTX cp.async.commit_group for the calling thread. */
void mt_cp_async_commit();
/** PTX cp.async.wait_group n for the calling thread: its copies land but those of its newest n groups. */
void mt_cp_async_wait(int n);

inline float atomicAdd(float *p, float v) { const float o = *p; *p = o + v; return o; }
inline double atomicAdd(double *p, double v) { const double o = *p; *p = o + v; return o; }
struct alignas(8) float2 { float x, y; };
inline float2 make_float2(float x, float y) { return float2{x, y}; }
/** sm_90's vector atomic: p must be 8-byte aligned (a GPU faults otherwise; so does this). */
inline float2 atomicAdd(float2 *p, float2 v) {
  if (reinterpret_cast<uintptr_t>(p) % 8 != 0) { std::fprintf(stderr, "atomicAdd(float2 *): misaligned address %p\n", (void *)p); std::abort(); }
  const float2 o = *p;
  *p = float2{o.x + v.x, o.y + v.y};
  return o;
}

inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
inline double __longlong_as_double(long long i) { double f; std::memcpy(&f, &i, 8); return f; }
inline long long __double_as_longlong(double f) { long long i; std::memcpy(&i, &f, 8); return i; }
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((uint64_t)a * b) >> 32); }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __dsqrt_rn(double a) { return std::sqrt(a); }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
using std::exp; using std::log; using std::sqrt; using std::sin; using std::cos; using std::ceil; using std::fmax; using std::fmin;
inline float expf(float x) { return std::exp(x); }
inline float logf(float x) { return std::log(x); }
inline float sqrtf(float x) { return std::sqrt(x); }
inline float fmaxf(float a, float b) { return std::fmax(a, b); }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }

struct __nv_bfloat16 { uint16_t x; };
struct __nv_bfloat162 { __nv_bfloat16 x, y; };
struct __half { uint16_t x; };
inline float __bfloat162float(__nv_bfloat16 h) { uint32_t u = (uint32_t)h.x << 16; float f; std::memcpy(&f, &u, 4); return f; }
inline __nv_bfloat16 __float2bfloat16_rn(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return __nv_bfloat16{(uint16_t)((u >> 16) | 0x40)}; // NaN stays NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return __nv_bfloat16{(uint16_t)(u >> 16)};
}
inline __nv_bfloat162 __floats2bfloat162_rn(float a, float b) { return __nv_bfloat162{__float2bfloat16_rn(a), __float2bfloat16_rn(b)}; }
inline float __half2float(__half h) {
  const uint32_t s = (h.x >> 15) & 1, e = (h.x >> 10) & 31, m = h.x & 1023;
  float v = e == 0 ? std::ldexp((float)m, -24) : e == 31 ? (m ? NAN : INFINITY) : std::ldexp((float)(m | 1024), (int)e - 25);
  return s ? -v : v;
}
inline __half __float2half_rn(float f) {
  // round to nearest even through the f16 grid (normal and subnormal), saturating to infinity
  if (std::isnan(f)) return __half{0x7e00};
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  float a = std::fabs(f);
  if (a >= 65520.f) return __half{(uint16_t)(sign | 0x7c00)};
  int e;
  std::frexp(a, &e); // a = m · 2^e, m in [0.5, 1)
  const int exp = e - 1 < -14 ? -14 : e - 1; // the binade (subnormals share -14)
  const float q = std::nearbyint(std::ldexp(a, 10 - exp)); // the significand in units of the last place
  uint32_t bits = q >= 2048.f ? (uint32_t)((exp + 1 + 15) << 10) : (q >= 1024.f ? (uint32_t)((exp + 15) << 10) | ((uint32_t)q - 1024) : (uint32_t)q);
  return __half{(uint16_t)(sign | bits)};
}
