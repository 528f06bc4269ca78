#!/usr/bin/env bash
# The test files `npm test` runs: the longest first, then the rest in name order. scripts/run-tests.ts starts them
# in this order, two at a time (node --test FILE... would sort them by path), so a long file started near the end
# runs alone while the other core idles; started first, it runs beside the short ones. LONGEST: the files that took longest on the 2-core
# machine (2026-12-01), longest first. A file named here that is gone is left out; a file missing here still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
LONGEST=(
  test/backend/cuda/emulated-kernels.test.ts
  test/train/resume.test.ts
  test/train/run-folder.test.ts
  test/cli/eval.test.ts
  test/export/gguf-llama-lora.test.ts
  test/export/gguf-llama-tokenizer.test.ts
  test/cli/generate-eval.test.ts
  test/backend/cuda/compile-kernels.test.ts
  test/backend/cuda/nvrtc-compile.test.ts
)
{ for f in "${LONGEST[@]}"; do if [ -f "$f" ]; then echo "$f"; fi; done; find test -name '*.test.ts' | sort; } | awk '!seen[$0]++'
