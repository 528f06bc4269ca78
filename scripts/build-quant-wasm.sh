#!/usr/bin/env bash
# Builds the GGUF export's Q4_K/Q5_K/Q6_K/Q8_0 quantisers, src/export/gguf/quant/wasm/quant.c → quant.wasm (loaded by
# src/export/gguf/quant/wasm-quant.ts), with `clang` (Debian bookworm: clang 14; CLANG overrides) and wasm-ld
# (Debian: apt-get install clang lld). The .wasm is committed, so users and CI do not need clang; the build is
# reproducible (the same clang gives the same bytes; test/export/gguf-quant.test.ts rebuilds and compares
# where clang is installed). float32 exactly as C: -ffp-contract=off and no fast-math, so the bytes equal
# ggml's. Baseline SIMD only (simd128: Node ≥ 16.4). The module owns its memory (no import, never grows):
# its static buffers are the chunk in and out.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../src/export/gguf/quant/wasm" && pwd)"
"${CLANG:-clang}" --target=wasm32 -O3 -msimd128 -ffp-contract=off -nostdlib -fno-builtin -ffreestanding \
  -Wl,--no-entry -Wl,--export=quant_in -Wl,--export=quant_out -Wl,--export=quant_chunk -Wl,--export=quantize_q4_k -Wl,--export=quantize_q5_k \
  -Wl,--export=quantize_q6_k -Wl,--export=quantize_q8_0 -Wl,--strip-all -o "${OUT:-$dir/quant.wasm}" "$dir/quant.c"
ls -l "${OUT:-$dir/quant.wasm}"
