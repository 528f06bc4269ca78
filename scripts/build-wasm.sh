#!/usr/bin/env bash
# Builds the CPU backend's WebAssembly SIMD kernels (src/backend/cpu/wasm/kernels.c → kernels.wasm).
# Needs clang and wasm-ld (Debian: apt-get install clang lld); the .wasm is committed, so users and CI
# do not need them. The build is reproducible: the same clang gives the same bytes. The memory is imported
# and shared (env.memory, up to 4 GiB): the backend's float32 buffers live in it (arena.ts).
set -euo pipefail
dir="$(cd "$(dirname "$0")/../src/backend/cpu/wasm" && pwd)"
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -mmutable-globals -nostdlib -fno-builtin -ffreestanding \
  -Wl,--no-entry -Wl,--export=cross_entropy -Wl,--export=swiglu_forward -Wl,--export=swiglu_backward -Wl,--export=masked_softmax -Wl,--export=probs_from_lse -Wl,--export=attn_dscores -Wl,--export=sgemm -Wl,--export=rmsnorm_forward -Wl,--export=rmsnorm_backward -Wl,--export=adamw -Wl,--export=__heap_base -Wl,--export=__stack_pointer \
  -Wl,--import-memory -Wl,--shared-memory -Wl,--initial-memory=1114112 -Wl,--max-memory=4294967296 -Wl,--strip-all \
  -o "$dir/kernels.wasm" "$dir/kernels.c"
ls -l "$dir/kernels.wasm"
