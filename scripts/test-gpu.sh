#!/usr/bin/env bash
# npm run test:gpu: the backend-parametrised test files (those that take their backend from
# test/backend/device.ts) on the CUDA backend. Without a GPU every test is skipped with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(grep -rlE "from '(\./|\.\./)+(backend/)?device\.ts'" test --include='*.test.ts' | sort)
MISTRAL_TUNE_TEST_DEVICE=cuda exec node --import tsx --test $files
