#!/usr/bin/env bash
# npm run test:gpu: the backend-parametrised test files (those that take their backend from
# test/backend/device.ts) on the CUDA backend, twice: fp32, then bf16 (as production runs, with the bf16
# column of TOLERANCES). Without a GPU every test is skipped with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(grep -rlE "from '(\./|\.\./)+(backend/)?device\.ts'" test --include='*.test.ts' | sort)
status=0
for precision in fp32 bf16; do
  echo "# MISTRAL_TUNE_TEST_DEVICE=cuda MISTRAL_TUNE_TEST_PRECISION=$precision"
  MISTRAL_TUNE_TEST_DEVICE=cuda MISTRAL_TUNE_TEST_PRECISION=$precision node --import tsx --test $files || status=1
done
exit $status
