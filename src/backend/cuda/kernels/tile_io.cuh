// Moving tiles between global and shared memory and the registers of mma.sync (bf16 storage only): ldmatrix and
// cp.async as device functions, and the two-float atomic add of f32 accumulators — each with the kernel emulator's
// stand-in under MT_HOST_EMULATOR (test/backend/cuda/emulator/cuda-host.h). Shared by the flash kernels (flash.cuh)
// and lora_grad_up.cu.
#pragma once
#include "common.cuh"

#if !defined(STORE_F32) && !defined(STORE_F64)

/**
 * ldmatrix.sync.aligned.m8n8.x4 (.trans with `T`): four 8×8 bf16 matrices from shared memory, the rows of matrix j
 * at the addresses lanes 8j..8j+7 give (16-byte aligned); r[j] gets this lane's two elements of matrix j — row
 * lane / 4, columns 2·(lane % 4) and the next, or with .trans rows 2·(lane % 4) and the next of column lane / 4:
 * an mma A or B fragment straight from a row-major tile (B from its transpose with .trans).
 */
template <bool T>
__device__ __forceinline__ void ldsm_x4(unsigned r[4], const store_t *row) {
#ifdef MT_HOST_EMULATOR
  mt_ldmatrix_x4(r, row, T);
#else
  unsigned a;
  asm("{ .reg .u64 u; cvta.to.shared.u64 u, %1; cvt.u32.u64 %0, u; }" : "=r"(a) : "l"(row));
  if (T) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
  } else {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
  }
#endif
}

/**
 * cp.async.cg: 16 bytes from global memory at src to shared memory at dst (both 16-byte aligned: the tensors by
 * flashRefusal, shared rows of D + 8 or 64 + 8 bf16 from an aligned base, offsets multiples of 8) without passing
 * through registers, zeros instead where !valid (src-size 0: nothing is read). The copy lands some time before this
 * thread's cp_async_wait that covers its group; readers in other threads also need a barrier after that wait.
 */
__device__ __forceinline__ void cp_async16(store_t *dst, const store_t *src, bool valid) {
#ifdef MT_HOST_EMULATOR
  mt_cp_async(dst, src, 16, valid ? 16 : 0);
#else
  unsigned a;
  asm("{ .reg .u64 u; cvta.to.shared.u64 u, %1; cvt.u32.u64 %0, u; }" : "=r"(a) : "l"(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(a), "l"(src), "r"(valid ? 16 : 0) : "memory");
#endif
}

/** cp.async.ca of one 4-byte word (both addresses 4-byte aligned), as cp_async16. */
__device__ __forceinline__ void cp_async4(int *dst, const int *src) {
#ifdef MT_HOST_EMULATOR
  mt_cp_async(dst, src, 4, 4);
#else
  unsigned a;
  asm("{ .reg .u64 u; cvta.to.shared.u64 u, %1; cvt.u32.u64 %0, u; }" : "=r"(a) : "l"(dst));
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4;\n" :: "r"(a), "l"(src) : "memory");
#endif
}

/** Closes this thread's group of cp.async copies issued since the last commit (an empty group where none were). */
__device__ __forceinline__ void cp_async_commit() {
#ifdef MT_HOST_EMULATOR
  mt_cp_async_commit();
#else
  asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

/** Waits until at most N of this thread's committed cp.async groups (the newest) are still in flight. */
template <int N>
__device__ __forceinline__ void cp_async_wait() {
#ifdef MT_HOST_EMULATOR
  mt_cp_async_wait(N);
#else
  asm volatile("cp.async.wait_group %0;\n" :: "n"(N) : "memory");
#endif
}

/**
 * p[0] += a, p[1] += b, atomically for each (p 8-byte aligned: two neighbouring f32 accumulators). Hopper (sm_90+)
 * adds both in one vector atomic (red.global.add.v2.f32): half the atomic instructions and L2 requests of dQ, dK, dV.
 */
__device__ __forceinline__ void atomic_add2(float *p, float a, float b) {
#if defined(MT_HOST_EMULATOR) || (defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900)
  atomicAdd(reinterpret_cast<float2 *>(p), make_float2(a, b));
#else
  atomicAdd(p, a);
  atomicAdd(p + 1, b);
#endif
}

#endif
