// LoRA's backward through its up-projection from one read of dy, on tensor cores (MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1, a
// variant: lora-grad-up.ts decides which calls come here):
//   dz (N×r) = s·dy·B        ∂B (out×r) += s·dyᵀ·z
// dy is N×out (row stride ldy); z and dz N×r (row stride ldz: their slot of the z buffer); B out×r packed; ∂B f32,
// out×r packed. cuBLASLt ran them as two products, each reading all of dy (device run 1: ≈ 60 µs for gate's
// 2048×14336 at 1×2048, where reading dy once takes ≈ 20). A block takes LG_BO columns of dy and a span of
// rows_per_block rows, tile by tile of LG_BM rows: the tile of dy and its rows of z are copied to shared memory by
// cp.async (16 bytes, zeros past the span and past out and r), the block's LG_BO rows of B once. Per tile warp w
// multiplies its 16 rows of dy by B (mma.sync m16n8k16, fragments by ldmatrix) and adds that partial dz to dzacc
// (f32, N×rp packed, rp = r rounded up to 16) by two-float atomics, and multiplies its 32 columns of dy, transposed,
// by z into its share of ∂B in registers, which after the span's last tile it adds, times s, to ∂B by atomics.
// Without ∂B (dB null) the block reads no z and makes no ∂B products.
// lora_grad_up_finish then writes dz = s·dzacc rounded to bf16 and zeroes dzacc again: dzacc is zero between calls
// (the host zeroes it once). The host sends only bf16 dy, z, B and dz with r ≤ LG_MAX_R, and r, out, ldy and ldz
// multiples of 8 with dy, z and B 16-byte aligned (lora-grad-up.ts); the f32 and f64 variants trap. The atomics'
// order varies from run to run, so dz and ∂B may differ in their last f32 bits between runs (as the flash backward's
// dQ does).
#include "mma.cuh"
#include "tile_io.cuh"

#define LG_BO 128
#define LG_BM 64
#define LG_WARPS 4
#define LG_MAX_R 64
// shared rows padded by 8 bf16 (16 bytes): each ldmatrix's 8 rows fall in distinct banks
#define LG_DLD (LG_BO + 8)

/** The kernel for ranks up to RP (16, 32 or 64: its registers hold RP / 8 column tiles of dz and ∂B). */
template <int RP>
__device__ __forceinline__ void lora_grad_up_body(exact_t *dzacc, exact_t *dB, const store_t *dy, const store_t *z, const store_t *B, int N,
    int out, int r, int ldy, int ldz, int rows_per_block, real scaling) {
#if !defined(STORE_F32) && !defined(STORE_F64)
  __shared__ __align__(16) store_t dys[LG_BM][LG_DLD]; // dys[i][o] = dy(row0 + i, col0 + o)
  __shared__ __align__(16) store_t zs[LG_BM][RP + 8];  // zs[i][j] = z(row0 + i, j)
  __shared__ __align__(16) store_t bs[LG_BO][RP + 8];  // bs[o][j] = B(col0 + o, j)
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, g = lane / 4, t = lane % 4;
  const int col0 = blockIdx.x * LG_BO, first = blockIdx.y * rows_per_block, last = min(N, first + rows_per_block);
  const int rp = (r + 15) / 16 * 16, rv = rp / 8; // columns of z, dz and B in the products; 16-byte pieces of them
  if (first >= last) return;
  for (int i = tid; i < LG_BO * rv; i += LG_WARPS * 32) {
    const int o = i / rv, j = i % rv * 8;
    const bool in = col0 + o < out && j < r;
    cp_async16(&bs[o][j], B + (in ? (long long)(col0 + o) * r + j : 0), in);
  }
  // this warp's 32 columns (two m-tiles of 16) of dyᵀ·z, over every tile of the span
  float db[2][RP / 8][4];
#pragma unroll
  for (int mt = 0; mt < 2; mt++)
#pragma unroll
    for (int nt = 0; nt < RP / 8; nt++) db[mt][nt][0] = db[mt][nt][1] = db[mt][nt][2] = db[mt][nt][3] = 0.f;
  for (int row0 = first; row0 < last; row0 += LG_BM) {
    if (row0 > first) __syncthreads(); // every warp done with the last tile before it is overwritten
    for (int i = tid; i < LG_BM * (LG_BO / 8); i += LG_WARPS * 32) {
      const int ti = i / (LG_BO / 8), o = i % (LG_BO / 8) * 8;
      const bool in = row0 + ti < last && col0 + o < out;
      cp_async16(&dys[ti][o], dy + (in ? (long long)(row0 + ti) * ldy + col0 + o : 0), in);
    }
    for (int i = tid; dB && i < LG_BM * rv; i += LG_WARPS * 32) { // z only for ∂B
      const int ti = i / rv, j = i % rv * 8;
      const bool in = row0 + ti < last && j < r;
      cp_async16(&zs[ti][j], z + (in ? (long long)(row0 + ti) * ldz + j : 0), in);
    }
    cp_async_commit();
    cp_async_wait<0>();
    __syncthreads();
    // dz: the warp's 16 rows of the tile times B's LG_BO rows
    float dz[RP / 8][4];
#pragma unroll
    for (int nt = 0; nt < RP / 8; nt++) dz[nt][0] = dz[nt][1] = dz[nt][2] = dz[nt][3] = 0.f;
#pragma unroll
    for (int k0 = 0; k0 < LG_BO; k0 += 16) {
      unsigned a[4];
      ldsm_x4<false>(a, &dys[warp * 16 + (lane % 8) + 8 * ((lane / 8) % 2)][k0 + 8 * (lane / 16)]);
#pragma unroll
      for (int nt = 0; nt < RP / 8; nt += 2) {
        if (nt < rv) { // (uniform: the loops unroll with constant indices)
          unsigned b[4];
          ldsm_x4<true>(b, &bs[k0 + (lane % 8) + 8 * ((lane / 8) % 2)][nt * 8 + 8 * (lane / 16)]);
          mma16816(dz[nt], a, b[0], b[1]);
          mma16816(dz[nt + 1], a, b[2], b[3]);
        }
      }
    }
#pragma unroll
    for (int h = 0; h < 2; h++) {
      const int row = row0 + warp * 16 + g + 8 * h;
      if (row >= last) continue;
#pragma unroll
      for (int nt = 0; nt < RP / 8; nt++) {
        if (nt * 8 < r) atomic_add2(dzacc + (long long)row * rp + nt * 8 + 2 * t, dz[nt][2 * h], dz[nt][2 * h + 1]);
      }
    }
    // ∂B: the warp's 32 columns of dy (rows of dyᵀ) times the tile's rows of z; none without ∂B (uniform: dB is an argument)
    if (!dB) continue;
#pragma unroll
    for (int k0 = 0; k0 < LG_BM; k0 += 16) {
      unsigned a[2][4];
#pragma unroll
      for (int mt = 0; mt < 2; mt++)
        ldsm_x4<true>(a[mt], &dys[k0 + (lane % 8) + 8 * (lane / 16)][warp * 32 + mt * 16 + 8 * ((lane / 8) % 2)]);
#pragma unroll
      for (int nt = 0; nt < RP / 8; nt += 2) {
        if (nt < rv) {
          unsigned b[4];
          ldsm_x4<true>(b, &zs[k0 + (lane % 8) + 8 * ((lane / 8) % 2)][nt * 8 + 8 * (lane / 16)]);
#pragma unroll
          for (int mt = 0; mt < 2; mt++) {
            mma16816(db[mt][nt], a[mt], b[0], b[1]);
            mma16816(db[mt][nt + 1], a[mt], b[2], b[3]);
          }
        }
      }
    }
  }
  if (!dB) return;
#pragma unroll
  for (int mt = 0; mt < 2; mt++)
#pragma unroll
    for (int h = 0; h < 2; h++) {
      const int o = col0 + warp * 32 + mt * 16 + g + 8 * h;
      if (o >= out) continue;
#pragma unroll
      for (int nt = 0; nt < RP / 8; nt++) {
        if (nt * 8 < r) atomic_add2(dB + (long long)o * r + nt * 8 + 2 * t, scaling * db[mt][nt][2 * h], scaling * db[mt][nt][2 * h + 1]);
      }
    }
#else
  __trap();
#endif
}

extern "C" __global__ void __launch_bounds__(LG_WARPS * 32) lora_grad_up_r16(exact_t *dzacc, exact_t *dB, const store_t *dy, const store_t *z,
    const store_t *B, int N, int out, int r, int ldy, int ldz, int rows_per_block, real scaling) {
  lora_grad_up_body<16>(dzacc, dB, dy, z, B, N, out, r, ldy, ldz, rows_per_block, scaling);
}

extern "C" __global__ void __launch_bounds__(LG_WARPS * 32) lora_grad_up_r32(exact_t *dzacc, exact_t *dB, const store_t *dy, const store_t *z,
    const store_t *B, int N, int out, int r, int ldy, int ldz, int rows_per_block, real scaling) {
  lora_grad_up_body<32>(dzacc, dB, dy, z, B, N, out, r, ldy, ldz, rows_per_block, scaling);
}

extern "C" __global__ void __launch_bounds__(LG_WARPS * 32) lora_grad_up_r64(exact_t *dzacc, exact_t *dB, const store_t *dy, const store_t *z,
    const store_t *B, int N, int out, int r, int ldy, int ldz, int rows_per_block, real scaling) {
  lora_grad_up_body<64>(dzacc, dB, dy, z, B, N, out, r, ldy, ldz, rows_per_block, scaling);
}

/** dz (N×r, row stride ldz) = s·dzacc (N×rp packed, rp = r rounded up to 16), rounded once; dzacc zeroed. */
extern "C" __global__ void lora_grad_up_finish(store_t *dz, exact_t *dzacc, int N, int r, int ldz, real scaling) {
  const int rp = (r + 15) / 16 * 16;
  const long long n = (long long)N * r;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long row = i / r;
    const int j = (int)(i % r);
    exact_t *acc = dzacc + row * rp + j;
    st(dz, row * ldz + j, scaling * *acc);
    *acc = 0;
  }
}
