#!/usr/bin/env bash
# The test files `npm test` runs: the longest first, then the rest in name order. scripts/run-tests.ts starts them
# in this order, two at a time (node --test FILE... would sort them by path), so a long file started near the end
# runs alone while the other core idles; started first, it runs beside the short ones. LONGEST: the files whose tests
# took 10 s or more on the 2-core machine, longest first (2026-12-05, .ci/run on a fresh clone of ae99256f: npm test
# 484 s; before, 700 s, when resume, run-folder and the GGUF, merge and nonfinite files each spawned a process per
# CLI run where most now run it in the test's process: test/cli/in-process-cli.ts). A file named here that is gone
# is left out; a file missing here still runs.
set -euo pipefail
cd "$(dirname "$0")/.."
LONGEST=(
  test/backend/cuda/emulated-kernels.test.ts
  test/cli/stop-signal.test.ts
  test/dashboard/browser-states.test.ts
  test/cli/command-thread.test.ts
  test/dashboard/browser.test.ts
  test/backend/cuda/compile-kernels.test.ts
  test/backend/cuda/fake-libs.test.ts
  test/cli/train-dashboard.test.ts
  test/dashboard/browser-layout.test.ts
  test/backend/cuda/nvrtc-compile.test.ts
  test/data/prepare-safety.test.ts
  test/cli/generate-eval.test.ts
  test/dashboard/server-files.test.ts
  test/train/resume.test.ts
  test/backend/attention.test.ts
  test/model/save-tokenizer.test.ts
  test/export/gguf-llama-logits.test.ts
  test/backend/wasm-build.test.ts
  test/cli/quickstart-folder.test.ts
  test/export/export.test.ts
)
{ for f in "${LONGEST[@]}"; do if [ -f "$f" ]; then echo "$f"; fi; done; find test -name '*.test.ts' | sort; } | awk '!seen[$0]++'
