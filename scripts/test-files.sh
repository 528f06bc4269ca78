#!/usr/bin/env bash
# The test files `npm test` runs: the longest first, then the rest in name order. scripts/run-tests.ts starts them
# in this order, two at a time (node --test FILE... would sort them by path), so a long file started near the end
# runs alone while the other core idles; started first, it runs beside the short ones. LONGEST: the files that took
# 14 s or more on the 2-core machine (2026-12-02, the mean of two full runs), longest first; on 2026-12-04 eval.test
# left the list and generate-eval moved down, their eval, generate and classify now run in the test's process (45.8 ->
# 5.4 and 68.5 -> 21.3 CPU-s); prepare-safety's, prepare-cli's and train-config's runs followed once a thread found
# the preloads after a chdir (compiled, one file alone: 39.0 -> 34.5, 23.9 -> 13.2, 24.3 -> 17.8 CPU-s; left in place
# here, not timed in a full run). A file named here that is gone is left out; a file missing here still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
LONGEST=(
  test/train/resume.test.ts
  test/backend/cuda/emulated-kernels.test.ts
  test/train/run-folder.test.ts
  test/backend/cuda/compile-kernels.test.ts
  test/cli/quickstart-folder.test.ts
  test/cli/generate-eval.test.ts
  test/backend/cuda/nvrtc-compile.test.ts
  test/cli/train-config.test.ts
  test/cli/stop-signal.test.ts
  test/data/prepare-safety.test.ts
  test/cli/nonfinite.test.ts
  test/dashboard/browser-states.test.ts
  test/backend/wasm-build.test.ts
  test/export/gguf-llama-lora.test.ts
  test/train/disk-full.test.ts
  test/train/random-model.test.ts
  test/export/gguf-llama-tokenizer.test.ts
  test/model/variant-parity.test.ts
  test/data/prepare-cli.test.ts
  test/package/tarball.test.ts
  test/model/save-tokenizer.test.ts
  test/train/multistep-parity.test.ts
  test/cli/command-thread.test.ts
  test/dashboard/browser.test.ts
  test/train/run-lock.test.ts
  test/export/gguf-llama-logits.test.ts
  test/export/merged-dtype.test.ts
)
{ for f in "${LONGEST[@]}"; do if [ -f "$f" ]; then echo "$f"; fi; done; find test -name '*.test.ts' | sort; } | awk '!seen[$0]++'
