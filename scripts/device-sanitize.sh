#!/usr/bin/env bash
# compute-sanitizer over the kernel and attention tests on the GPU machine: what the kernel emulator cannot see
# (out-of-bounds or misaligned device accesses, shared-memory races between warps, barriers in divergent code).
# Not part of scripts/device-check.sh (the sanitizer slows kernels 10–100×): run it when that check shows a kernel
# fault or a wrong result, or when device time is left over. Prepared like the check:
#   run(carry: [".device"], command: "source .device/env.sh && bash scripts/device-sanitize.sh", timeout_s: 300)
# Runs memcheck, racecheck and synccheck, each over test/backend/kernels.test.ts and test/backend/attention.test.ts
# at bf16 with the flash attention kernels and with the default ones (small shapes: T ≤ 90), each run at most
# RUN_S seconds (default 45); logs under $OUT, one per run, and summary.txt. Exit status: the number of runs that
# failed (a hazard found, a test failed, or out of time); 2 when no compute-sanitizer is found. The device tool's
# KINDS.md (2026-11-04): compute-sanitizer worked on the Firecracker machines and refused the device on gVisor ones
# ("Device not supported"): on such a machine every run here fails at its first allocation, saying so in its log.
set -uo pipefail
export MISTRAL_TUNE_TEST_REQUIRE_DEVICE=1 # fail, not skip, where the CUDA backend does not start
cd "$(dirname "$0")/.."
bash scripts/device-unpack.sh || exit 1 # esbuild's binary (tsx runs it) and dist/, packed by device-prepare.sh
OUT="${OUT:?set OUT to the folder for the logs}"
mkdir -p "$OUT"
RUN_S="${RUN_S:-45}"
summary="$OUT/summary.txt"
: >"$summary"

san=$(command -v compute-sanitizer || ls "${CUDA_HOME:-/usr/local/cuda}"/bin/compute-sanitizer /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -n 1)
if [ -z "$san" ]; then
  echo "device-sanitize: no compute-sanitizer on PATH, in \$CUDA_HOME/bin or /usr/local/cuda*/bin" | tee -a "$summary"
  exit 2
fi
echo "sanitizer: $san ($("$san" --version 2>&1 | tail -n 1))" | tee -a "$summary"

failures=0
for tool in memcheck racecheck synccheck; do
  for attention in flash kernel; do
    log="$OUT/$tool-$attention.log"
    t0=$(date +%s)
    # node --test runs each file in a child process: the sanitizer follows them (--target-processes all)
    timeout --kill-after=5 "$RUN_S" "$san" --tool "$tool" --target-processes all --error-exitcode 99 --print-limit 20 \
      env MISTRAL_TUNE_CUDA_ATTENTION="$attention" MISTRAL_TUNE_TEST_DEVICE=cuda MISTRAL_TUNE_TEST_PRECISION=bf16 \
      node --import tsx --test --test-timeout=$((RUN_S * 1000)) test/backend/kernels.test.ts test/backend/attention.test.ts \
      >"$log" 2>&1 </dev/null
    rc=$?
    verdict=passed
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then verdict="TIMED OUT"; elif [ $rc -ne 0 ]; then verdict="FAILED (exit $rc)"; fi
    [ "$verdict" = passed ] || failures=$((failures + 1))
    hazards=$(grep -cE '^========= (Invalid|Race|Barrier|Error|.*hazard)' "$log")
    printf '%-10s %-7s %-16s %4ss  %s sanitizer reports\n' "$tool" "$attention" "$verdict" "$(($(date +%s) - t0))" "$hazards" | tee -a "$summary"
  done
done
echo "$failures failed" | tee -a "$summary"
exit $failures
