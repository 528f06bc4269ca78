#!/usr/bin/env bash
# Builds the CPU backend's WebAssembly SIMD kernels from src/backend/cpu/wasm/kernels.c (which includes kernels/*.c):
#   kernels.wasm          baseline SIMD (simd128), by `clang` (Debian bookworm: clang 14);
#   kernels-relaxed.wasm  the same source with -DRELAXED_SIMD: the GEMM's multiply-add is f32x4.relaxed_madd
#                         (one FMA), by a clang that knows the final relaxed-SIMD opcodes: `clang-16` by default
#                         (clang 14 emits the proposal's older opcodes, which V8 rejects; clang-19 crashes on this
#                         file), CLANG_RELAXED overrides. wasm-kernels.ts uses it where the engine accepts it.
# Needs clang, clang-16 and their wasm-ld (Debian: apt-get install clang lld clang-16 lld-16); the .wasm files are
# committed, so users and CI do not need them. The build is reproducible: the same clang gives the same bytes.
# The memory is imported and shared (env.memory, up to 4 GiB): the backend's float32 buffers live in it (arena.ts).
set -euo pipefail
dir="$(cd "$(dirname "$0")/../src/backend/cpu/wasm" && pwd)"
build() { # build COMPILER OUTPUT [FLAGS...]
  local cc="$1" out="$2"
  shift 2
  "$cc" --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -mmutable-globals -nostdlib -fno-builtin -ffreestanding "$@" \
    -Wl,--no-entry -Wl,--export=cross_entropy -Wl,--export=swiglu_forward -Wl,--export=swiglu_backward -Wl,--export=masked_softmax -Wl,--export=probs_from_lse -Wl,--export=attn_dscores -Wl,--export=sgemm -Wl,--export=rmsnorm_forward -Wl,--export=rmsnorm_backward -Wl,--export=adamw -Wl,--export=__heap_base -Wl,--export=__stack_pointer \
    -Wl,--import-memory -Wl,--shared-memory -Wl,--initial-memory=1114112 -Wl,--max-memory=4294967296 -Wl,--strip-all \
    -o "$dir/$out" "$dir/kernels.c"
  ls -l "$dir/$out"
}
build clang kernels.wasm
build "${CLANG_RELAXED:-clang-16}" kernels-relaxed.wasm -mrelaxed-simd -DRELAXED_SIMD
