// SIMD kernels of the CPU backend, compiled to WebAssembly (wasm32 + simd128) by scripts/build-wasm.sh.
// The TypeScript kernels are the reference; test/backend/wasm.test.ts checks these against them.
// Memory: the module imports a shared memory (the backend's arena, arena.ts); the host passes byte
// offsets into it. Worker threads (pool.ts) instantiate the same module on the same memory, each with its
// own stack (__stack_pointer is exported for that); every kernel here only touches the rows or columns
// it is given, so the host can split a call across threads.
// One translation unit: the kernel files below are compiled together, in this order, so clang inlines and lays
// out the module as it did when they were one file (the same .wasm bytes).
#include "kernels/cross-entropy.c"
#include "kernels/swiglu.c"
#include "kernels/attention-softmax.c"
#include "kernels/sgemm.c"
#include "kernels/rmsnorm.c"
#include "kernels/adamw.c"
