#!/usr/bin/env bash
# The checks that need the GPU machine, in one call (see issue [9]); each step has its own timeout and its
# log under $OUT, and the whole run stays well inside 8 minutes:
#   source .device/env.sh && bash scripts/device-check.sh
# Steps: the CUDA bindings smoke test, `npm run test:gpu` when package.json has it, bench/gpu.ts (the full
# 32-layer Mistral-7B shape through train() with `model: {config, init: random}`, its weights drawn on the
# GPU; 1×2048, 2×2048 and 4×2048 with activation checkpointing, beside HF PEFT, MFU; its own --budget-s
# stops it inside the step's limit with a partial table; BENCH_LAYERS and BENCH_CASES override), and
# scripts/hf-check (our exports loaded by HF transformers + PEFT). The step limits add up to 7 min 30 s.
# Exit status: the number of failed steps (0 = all passed); a summary is printed at the end and written to
# $OUT/summary.txt.
set -uo pipefail
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/.."
OUT="${OUT:?set OUT to the folder for the logs}"
mkdir -p "$OUT"
summary="$OUT/summary.txt"
: >"$summary"
failures=0
start=$(date +%s)

step() { # step NAME TIMEOUT_S COMMAND...: runs with a timeout, logs to $OUT/NAME.log, records the outcome
  local name="$1" limit="$2" t0 rc
  shift 2
  t0=$(date +%s)
  echo "=== $name (timeout ${limit}s): $*"
  timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.log" 2>&1
  rc=$?
  tail -n 40 "$OUT/$name.log"
  local verdict=passed
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then verdict="TIMED OUT"; elif [ $rc -ne 0 ]; then verdict="FAILED (exit $rc)"; fi
  [ "$verdict" = passed ] || failures=$((failures + 1))
  printf '%-10s %-16s %4ss\n' "$name" "$verdict" "$(($(date +%s) - t0))" | tee -a "$summary"
}

has_script() { node -e "process.exit(require('./package.json').scripts?.['$1'] ? 0 : 1)"; }

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 || true
  echo "node: $(node --version)"
} | tee "$OUT/environment.txt"

step smoke 40 node --import tsx scripts/cuda-smoke.ts
if has_script test:gpu; then step test-gpu 170 npm run test:gpu; else echo "test-gpu   skipped: no test:gpu script in package.json" | tee -a "$summary"; fi
if [ -f bench/gpu.ts ]; then step bench-gpu 180 node --import tsx bench/gpu.ts --cases "${BENCH_CASES:-1x2048,2x2048,4x2048:ckpt}" \
  --layers "${BENCH_LAYERS:-32}" --steps 3 --warmup 1 --budget-s 165
else echo "bench-gpu  skipped: no bench/gpu.ts" | tee -a "$summary"; fi
step hf-check 60 bash -c 'node --import tsx scripts/hf-check/make-exports.ts "$OUT/hfc" && python3 scripts/hf-check/check_exports.py "$OUT/hfc"'
rm -rf "$OUT/hfc" # the exported models: too many files to bring back; the log has the comparison

echo "total $(($(date +%s) - start))s, $failures failed" | tee -a "$summary"
exit $failures
