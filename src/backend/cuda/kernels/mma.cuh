// mma.sync m16n8k16 on bf16 fragments with f32 accumulators, and the packing of two floats into a bf16 pair (with the
// kernel emulator's stand-in under MT_HOST_EMULATOR): what the flash kernels (flash.cuh) and gemm_small_k.cu share.
// Fragment layouts (PTX ISA, mma.m16n8k16 .bf16): with g = lane / 4 and t = lane % 4, A (16×16, row-major)
// a0 = (g, 2t..2t+1), a1 = (g+8, 2t..), a2 = (g, 2t+8..), a3 = (g+8, 2t+8..); B (16×8) b0 = (k 2t..2t+1, n g),
// b1 = (k 2t+8.., n g); C (16×8) c0, c1 = (g, 2t..2t+1), c2, c3 = (g+8, 2t..2t+1); the lower index in the low half.
// bf16 storage only (the f32 and f64 variants define nothing here).
#pragma once
#include "common.cuh"

#if !defined(STORE_F32) && !defined(STORE_F64)

__device__ __forceinline__ unsigned pack2(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<unsigned *>(&v);
}

__device__ __forceinline__ void mma16816(float c[4], const unsigned a[4], unsigned b0, unsigned b1) {
#ifdef MT_HOST_EMULATOR // the kernel emulator of the tests (test/backend/cuda/emulator): the warp's fragments on the host
  mt_mma_m16n8k16_bf16(c, a, b0, b1);
#else
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
}

#endif
