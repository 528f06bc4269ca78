#!/usr/bin/env bash
# npm run test:gpu [fp32|bf16 ...]: the backend-parametrised test files (those that take their backend from
# test/backend/device.ts) on the CUDA backend, at each precision named (default: fp32, then bf16 — as
# production runs, with the bf16 column of TOLERANCES). Without a GPU every test is skipped with the reason.
# Each test has its own time limit (TEST_TIMEOUT_MS, default 120000), so one hung test fails alone.
# TEST_GPU_EXCLUDE="FILE ..." leaves those test files out, each named in the output (device-check.sh's second bf16
# suite beside the first, on a GPU without room for two Mistral-7B-shaped runs at once).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(grep -rlE "from '(\./|\.\./)+(backend/)?device\.ts'" test --include='*.test.ts' | sort)
for excluded in ${TEST_GPU_EXCLUDE:-}; do
  grep -qxF "$excluded" <<<"$files" || { echo "test-gpu: TEST_GPU_EXCLUDE names $excluded, which is no test file of the suite" >&2; exit 2; }
  files=$(grep -vxF "$excluded" <<<"$files")
  echo "# left out: $excluded (TEST_GPU_EXCLUDE)"
done
precisions=("$@")
[ ${#precisions[@]} -gt 0 ] || precisions=(fp32 bf16)
status=0
for precision in "${precisions[@]}"; do
  case "$precision" in fp32|bf16) ;; *) echo "test-gpu: precision must be fp32 or bf16, not $precision" >&2; exit 2;; esac
  echo "# MISTRAL_TUNE_TEST_DEVICE=cuda MISTRAL_TUNE_TEST_PRECISION=$precision"
  # shellcheck disable=SC2086 # one word per test file
  MISTRAL_TUNE_TEST_DEVICE=cuda MISTRAL_TUNE_TEST_PRECISION=$precision \
    node --import tsx --test ${TEST_CONCURRENCY:+--test-concurrency="$TEST_CONCURRENCY"} --test-timeout="${TEST_TIMEOUT_MS:-120000}" $files || status=1
done
exit $status
