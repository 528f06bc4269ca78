#!/usr/bin/env bash
# npm run test:gpu-emulated [fp32|bf16 ...]: `npm run test:gpu`'s backend-parametrised tests on the CUDA backend
# WITHOUT a GPU: the stand-in CUDA libraries (test/backend/cuda/fixtures/fake-cuda.c) with the kernel emulator
# (test/backend/cuda/emulator/: every .cu module compiled for the host by g++, each CUDA
# thread a fiber). The real bindings, planning, launches and kernels run; cuBLASLt is the stand-in's reference
# GEMM in double (f32, bf16 and f64 operands). Slow (minutes); numbers, not speed. MISTRAL_TUNE_CUDA_ATTENTION=flash
# (bf16) or gemm runs the attention tests through those paths, the flash kernels included.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/mt-gpu-emulated-XXXXXX)
trap 'rm -rf "$work"' EXIT
node --import tsx -e "
const b = await import('./test/backend/cuda/emulator/build.ts');
b.buildStandIn('$work'); b.buildKernelEmulator('$work/kernels');"
export LD_LIBRARY_PATH="$work/lib" CUDA_HOME="$work" MISTRAL_TUNE_CACHE="$work/cache" MT_FAKE_CUDA_KERNELS="$work/kernels"
# emulated kernels are slow (a file of CLI runs, test/export/export.test.ts, takes ~3 min here): a limit for hangs, not speed
export TEST_TIMEOUT_MS="${TEST_TIMEOUT_MS:-900000}"
bash scripts/test-gpu.sh "$@"
