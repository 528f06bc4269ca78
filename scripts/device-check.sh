#!/usr/bin/env bash
# The checks that need the GPU machine, in one call (issue [9]). Prepared here by scripts/device-prepare.sh,
# which builds dist/, lays .device/ (Node.js, the slim node_modules, the HF + PEFT baseline) and checks that
# what travels stays under the device tool's 64 MiB; then the call, carrying .device (dist/ packed in it):
#   run(carry: [".device"], command: "source .device/env.sh && bash scripts/device-check.sh", timeout_s: 480)
# Steps, each with its own time limit and its log under $OUT (written as it runs, so a step that times out
# keeps what it printed); a failed or timed-out step does not stop the later ones. In order:
#   dist           dist/ for the tests that run the CLI: built when typescript is here, else the unpacked
#                  dist/ is stamped current when .device/src.sha256 shows it was built from this very src/
#   smoke          scripts/cuda-smoke.ts: the bindings, every kernel module compiled (into the disk cache the
#                  later steps share) and loaded, GEMMs vs the CPU
# then side by side (the GPU machine has 16 cores and room on the GPU for all; they wait on the CPU oracle most):
#   bindings       test/backend/cuda/headers.test.ts and nvrtc-compile.test.ts where the CUDA 13 headers and
#                  libraries are (nvrtc.h, cublasLt.h, `nm -D` of the libraries; NVRTC compiling every module),
#                  which a machine without the toolkit skips
#   test-gpu-fp32  `npm run test:gpu` at fp32, and test-gpu-bf16 at bf16 (one precision per step, 5 test files at a
#                  time each, on the default attention path: flash — the tensor-core kernels at bf16, head dims 64 and
#                  128; cuBLASLt's path at other head dims; at fp32 the attention kernels; bf16 also runs the Mistral-7B-shaped checks of
#                  test/model/mistral-7b-gpu.test.ts: 10 LoRA steps at 2×2048, 32 greedy tokens: 180 s, the longest
#                  step of the group, each test file 120 s at most — run 1's 60 s cut that file on the attention kernels)
#   attn-variants  the attention and model parity tests on CUDA on the other paths: MISTRAL_TUNE_CUDA_ATTENTION=gemm
#                  (fp32, bf16) and =kernel (bf16; its fp32 is test-gpu-fp32's), then LoRA's products and a LoRA step
#                  with MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 and MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 (bench's +small-k and
#                  +lora-grad-up: gemm-skinny, lora-grad-up, odd-shapes, dora-parity, bf16-lora's r = 8 steps at bf16), and the attention tests and flash-head-dims with MISTRAL_TUNE_CUDA_FLASH_BWD128=1
#                  (bench's +flash-bwd128, bf16), then with MISTRAL_TUNE_CUDA_FLASH_FWD128=1 (+flash-fwd128); every
#                  variant runs, the step fails if one did. Beside them, from the step's start, the whole bf16 test:gpu
#                  suite with every CANDIDATES variant on at once (less the 7B-shaped file on a GPU under 120 GiB: two at once would not fit; its output last in the log, as far as it got where the step is cut), so that the bench's
#                  cases with all of them (1x2048+flash-fwd128+...) are timed in a call where test:gpu passed on them
#   hf-check       scripts/hf-check: our exports loaded by HF transformers + PEFT, logits compared (python3 with
#                  env.sh's LD_LIBRARY_PATH, or without its toolkit folders where torch does not import so: checked
#                  in the background from the start; the bench's HF peer runs with the same python3)
# and last, alone on the GPU:
#   bench-gpu      bench/gpu.ts: the 32-layer Mistral-7B shape through train(), the cases that matter most first
#                  (each case gets what is left, at most 60 s; the last ones are lost if time runs short): 1×2048,
#                  2×2048 and 4×2048 with activation checkpointing on the default path (flash attention: issue [10]'s
#                  targets), then the same with the optimisation variants being measured (bench/gpu-plan.ts VARIANTS,
#                  `+name`): the CANDIDATES all together at the three shapes, each candidate alone at 1×2048 and 2×2048
#                  (+flash-fwd128: the flash forward in blocks of 128 queries, 32 a warp; +flash-bwd128: the flash
#                  backward in blocks of 128 keys, 8 warps — together FlashAttention-2's shapes; +small-k: LoRA's products
#                  of the rank's k on our gemm_small_k; +bf16-logits: the step's logits in bf16 as HF's; +lora-grad-up: LoRA's
#                  dz and ∂B from one read of dy, on our lora_grad_up, alone at 2×2048 only), 1×2048 and
#                  2×2048 profiled (GPU time by operation class, MISTRAL_TUNE_CUDA_PROFILE), then the A/Bs of what
#                  landed on by default (+no-splitk runs every product whole, +no-gemm-tune takes cuBLASLt's heuristic's
#                  first algorithm untimed, +flash-masked masks every flash tile), 1×2048 profiled with both flash
#                  variants, 1×2048 with attention through cuBLASLt (:gemm-attn), then DoRA at 1×2048 (:dora, no HF
#                  ratio), beside HF PEFT; its --budget-s ends it inside the step's limit with a partial table (the
#                  last cases are those lost when time runs short)
#                  (BENCH_LAYERS and BENCH_CASES override)
# All of it ends within TOTAL_S (default 420 s, kill grace included: 7 min, the bench getting what the others
# left, up to 240 s); a step is cut to what is left, and skipped when under 10 s are left. The files under $OUT:
# summary.txt (environment, one line per step, the total) and one NAME.log per step — 8 files at most, the tool's
# limit. stdout shows each step's last lines once it ended (a group's, once the whole group ended).
# CONFIRM=NAME,NAME... (bench/gpu-plan.ts VARIANTS, the bench's +NAME) is the call that makes those switches count as a
# default path: every step runs with their environment variables (summary.txt names them), ONLY defaults to smoke,
# test-gpu-fp32, test-gpu-bf16 and bench-gpu, and BENCH_CASES to issue [10]'s three shapes with them (1x2048+NAME...,
# 2x2048+..., 4x2048:ckpt+...) beside HF — test:gpu passing on the very kernels timed, in one call, e.g. after a first
# call's table showed a variant meeting a target the default missed:
#   run(carry: [".device"], command: "source .device/env.sh && CONFIRM=flash-fwd128,flash-bwd128 TOTAL_S=300 bash scripts/device-check.sh")
# ONLY=NAME,NAME... runs those steps alone (a rerun of what failed; with TOTAL_S=... to fit what is left of the
# session's device time). Exit status: the number of failed steps (0 = all passed). A kernel fault or a wrong
# result: scripts/device-sanitize.sh runs compute-sanitizer (memcheck, racecheck, synccheck) over the kernel and
# attention tests in another call.
#   bash scripts/device-check.sh --src-hash   prints the hash of src/ that .device/src.sha256 holds
set -uo pipefail
cd "$(dirname "$0")/.."

src_files() { # the files of src/ that travel to the device (tracked and untracked-not-ignored), as ./path, NUL-separated
  if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard -- src | while IFS= read -r -d '' f; do [ -f "$f" ] && printf './%s\0' "${f#src/}"; done
  else
    (cd src && find . -type f -print0)
  fi
}
src_hash() { src_files | LC_ALL=C sort -z | (cd src && xargs -0 sha256sum) | sha256sum | cut -d' ' -f1; }
if [ "${1:-}" = "--src-hash" ]; then src_hash; exit 0; fi
STEPS="dist smoke bindings test-gpu-fp32 test-gpu-bf16 attn-variants hf-check bench-gpu" # every step, in order
# ONLY=NAME,NAME...: a comma-separated list of step names, run alone (a rerun of what failed, in what time is left);
# a name that is no step would leave every step "not selected" and the call "0 failed": refused before anything runs
ONLY="${ONLY:-}" ONLY="${ONLY// /}"
for s in ${ONLY//,/ }; do
  [[ " $STEPS " == *" $s "* ]] || { echo "device-check: ONLY names $s, which is no step (steps: ${STEPS// /,})" >&2; exit 2; }
done
bash scripts/device-unpack.sh || exit 1 # esbuild's binary (tsx runs it) and dist/, packed by device-prepare.sh

export PYTHONUNBUFFERED=1
# the GPU tests fail, rather than skip, where the CUDA backend does not start: a suite skipped whole is no pass
export MISTRAL_TUNE_TEST_REQUIRE_DEVICE=1
OUT="${OUT:?set OUT to the folder for the logs}"
mkdir -p "$OUT"
summary="$OUT/summary.txt"
: >"$summary"
failures=0
start=$(date +%s)
TOTAL_S="${TOTAL_S:-420}"
KILL_GRACE=5

note() { echo "$*" | tee -a "$summary"; }

variant_env() { # variant_env VAR: bench/variant-env.ts's KEY=VALUE lines for the variants $VAR names, in $variant_lines;
  # an unknown name: its line on stderr and in summary.txt (which it would else leave empty), exit 2
  local err
  err=$(mktemp)
  if ! variant_lines=$(node --import tsx bench/variant-env.ts "${!1}" 2>"$err"); then
    note "device-check: $1=${!1}: $(cat "$err")" >&2
    rm -f "$err"
    exit 2
  fi
  cat "$err" >&2
  rm -f "$err"
}

CONFIRM="${CONFIRM:-}"
# the variants that may become the default path (bench/gpu-plan.ts VARIANTS; all bf16-only, so test-gpu-fp32 covers them
# at fp32): attn-variants runs the bf16 suite with all of them on, and the bench times the three shapes with all of them
CANDIDATES="${CANDIDATES:-flash-fwd128,flash-bwd128,small-k,bf16-logits,lora-grad-up}"
variant_env CANDIDATES
export CANDIDATES_ENV="$(echo $variant_lines)" # one line, KEY=VALUE words, for env in the step's shell
all="+${CANDIDATES//,/+}"
if [ -n "$CONFIRM" ]; then
  variant_env CONFIRM
  confirm_env=$variant_lines
  while IFS= read -r kv; do export "${kv?}"; done <<<"$confirm_env"
  ONLY="${ONLY:-smoke,test-gpu-fp32,test-gpu-bf16,bench-gpu}"
  suffix="+${CONFIRM//,/+}"
  BENCH_CASES="${BENCH_CASES:-1x2048$suffix,2x2048$suffix,4x2048:ckpt$suffix}"
fi

verdicts=$(mktemp -d) # one file per step that ran or was skipped: NAME.failed or NAME.passed (background steps too)

selected() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; } # selected NAME: the step runs in this call
run_step() { # run_step NAME LIMIT_S COMMAND...: runs with a time limit, logs to $OUT/NAME.log, records the outcome
  local name="$1" limit="$2" t0 rc left verdict
  shift 2
  if ! selected "$name"; then
    printf '%-14s %-16s\n' "$name" "not selected" >>"$summary"
    return
  fi
  left=$((start + TOTAL_S - $(date +%s) - KILL_GRACE))
  [ "$limit" -le "$left" ] || limit=$left
  if [ "$limit" -lt 10 ]; then
    printf '%-14s %-16s\n' "$name" "SKIPPED (out of time)" >>"$summary"
    : >"$verdicts/$name.failed"
    return
  fi
  t0=$(date +%s)
  echo "=== $name (limit ${limit}s): $*" >"$verdicts/$name.header"
  STEP_LIMIT_S=$limit timeout --kill-after=$KILL_GRACE "$limit" "$@" >"$OUT/$name.log" 2>&1 </dev/null
  rc=$?
  verdict=passed
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then verdict="TIMED OUT"; elif [ $rc -ne 0 ]; then verdict="FAILED (exit $rc)"; fi
  if [ "$verdict" = passed ]; then : >"$verdicts/$name.passed"; else : >"$verdicts/$name.failed"; fi
  # one short line, one write: steps that run side by side append to summary.txt without mixing their lines
  printf '%-14s %-16s %4ss\n' "$name" "$verdict" "$(($(date +%s) - t0))" >>"$summary"
}

show_step() { # show_step NAME: what the step printed last, then its summary line, on stdout
  [ -f "$verdicts/$1.header" ] && { cat "$verdicts/$1.header"; tail -n 30 "$OUT/$1.log" 2>/dev/null; }
  grep -E "^$1 " "$summary" | tail -n 1
}

step() { # step NAME LIMIT_S COMMAND...: one step alone
  run_step "$@"
  show_step "$1"
}

group=() group_pids=()
step_bg() { # step_bg NAME LIMIT_S COMMAND...: a step that runs beside the others started so, until wait_steps
  run_step "$@" &
  group+=("$1") group_pids+=($!)
}
step_bg_hf() { # step_bg for a step that runs the HF python3 (python_for_hf first, in the step's own shell, if it runs)
  { ! selected "$1" || python_for_hf; run_step "$@"; } &
  group+=("$1") group_pids+=($!)
}
wait_steps() { # waits for the steps started side by side, then shows each, in the order they were started
  local pid name
  for pid in "${group_pids[@]}"; do wait "$pid"; done
  for name in "${group[@]}"; do show_step "$name"; done
  group=() group_pids=()
}

# python3 for the HF steps (hf-check, the bench's peer): its probe starts in the background now, python_for_hf reads it
source scripts/device-python.sh
python_probe_start

note "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
note "commit: $(git rev-parse --short HEAD 2>/dev/null || cat .device/commit 2>/dev/null || echo unknown)"
note "gpu: $(timeout 15 nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv,noheader 2>&1 | head -n 2)"
note "node: $(node --version 2>&1)"
[ -z "$CONFIRM" ] || note "confirm: $CONFIRM on every step ($(echo $confirm_env)); steps $ONLY"
# the candidates where a step that runs uses them: attn-variants (its suite with all on), the bench (its default cases)
uses=""
! selected attn-variants || uses="attn-variants runs the bf16 suite with all on"
! selected bench-gpu || [ -n "${BENCH_CASES:-}" ] || uses="${uses:+$uses, }the bench times 1x2048$all and the other two shapes"
[ -z "$uses" ] || note "candidates: $CANDIDATES ($CANDIDATES_ENV): $uses"

if node -e "require.resolve('typescript/package.json')" >/dev/null 2>&1; then
  ONLY= step dist 30 node --import tsx scripts/build.ts # a prerequisite: run under ONLY too
elif [ -f dist/cli/main.js ] && [ -f .device/src.sha256 ] && [ "$(cat .device/src.sha256)" = "$(src_hash)" ]; then
  touch dist/.built # copies need not keep mtimes: the hash says this dist/ was built from this src/
  note "dist           unpacked from .device, built from this src/ (hash matches)"
else
  note "dist           MISSING or stale (no typescript here, and no dist/ built from this src/): the tests that run the CLI will fail"
  failures=$((failures + 1))
fi

# smoke alone first: it compiles every kernel module into the disk cache that the tests beside each other then share
step smoke 30 node --import tsx scripts/cuda-smoke.ts
# the correctness steps side by side (16 cores, one GPU with room for all; the CPU oracle's work is what they
# wait on most): the group takes as long as its longest step, the bf16 suite with the 7B-shaped checks. About 16 test
# processes at once (5 + 5 + 3 + 3 files, the HF check): OpenBLAS's threads, a core each in every process by default,
# are held to 2 a process (npm test likewise gives each of its processes its share of the cores)
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-2}"
# the candidates' suite beside the default one: both would run test/model/mistral-7b-gpu.test.ts at once (about 32 GiB
# each at 2×2048, run 1 on the H200), more than an 80 GiB H100 holds beside the other test processes: there the
# candidates' suite leaves that file out (the bench still trains the 7B shape with the candidates on; CONFIRM's call runs
# the file with them in test-gpu-bf16)
export CANDIDATES_EXCLUDE=""
if selected attn-variants; then # noted only where the step runs
  gpu_mib=$(timeout 15 nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits 2>/dev/null | head -n 1 | tr -dc 0-9 || true)
  if [ -z "$gpu_mib" ] || [ "$gpu_mib" -lt 120000 ]; then
    CANDIDATES_EXCLUDE=test/model/mistral-7b-gpu.test.ts
    note "attn-variants: the candidates' bf16 suite leaves out $CANDIDATES_EXCLUDE (GPU memory ${gpu_mib:-unknown} MiB: no room for two 7B-shaped runs at once)"
  fi
fi
step_bg bindings 60 node --import tsx --test test/backend/cuda/headers.test.ts test/backend/cuda/nvrtc-compile.test.ts
step_bg test-gpu-fp32 120 env TEST_TIMEOUT_MS=60000 TEST_CONCURRENCY=5 bash scripts/test-gpu.sh fp32
step_bg test-gpu-bf16 180 env TEST_TIMEOUT_MS=120000 TEST_CONCURRENCY=5 bash scripts/test-gpu.sh bf16
step_bg attn-variants 180 bash -c 'rc=0; parity="test/backend/attention.test.ts test/model/forward-parity.test.ts test/model/gradcheck.test.ts"; \
  all=$(mktemp); trap "echo \"# cut at the step limit: the CANDIDATES suite as far as it got\"; cat $all; exit 143" TERM; ( echo "# $CANDIDATES_ENV precision bf16 (the CANDIDATES all on: the whole bf16 test:gpu suite)"; \
  env $CANDIDATES_ENV TEST_GPU_EXCLUDE="$CANDIDATES_EXCLUDE" TEST_TIMEOUT_MS=120000 TEST_CONCURRENCY=3 bash scripts/test-gpu.sh bf16; echo "rc=$?" ) >"$all" 2>&1 & \
  for vp in gemm:fp32 gemm:bf16 kernel:bf16; do echo "# MISTRAL_TUNE_CUDA_ATTENTION=${vp%:*} precision ${vp#*:}"; files=$parity; \
  MISTRAL_TUNE_CUDA_ATTENTION=${vp%:*} MISTRAL_TUNE_TEST_DEVICE=cuda MISTRAL_TUNE_TEST_PRECISION=${vp#*:} node --import tsx --test --test-concurrency=3 \
  --test-timeout=20000 $files || rc=1; done; \
  echo "# MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 precision bf16 (the +small-k and +lora-grad-up variants: LoRA products of the rank k on gemm_small_k, dz and dB on lora_grad_up)"; \
  MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1 MISTRAL_TUNE_TEST_DEVICE=cuda MISTRAL_TUNE_TEST_PRECISION=bf16 node --import tsx --test --test-concurrency=3 \
  --test-timeout=20000 test/backend/gemm-skinny.test.ts test/backend/lora-grad-up.test.ts test/model/odd-shapes.test.ts test/model/dora-parity.test.ts test/model/bf16-lora.test.ts || rc=1; \
  echo "# MISTRAL_TUNE_CUDA_FLASH_BWD128=1 precision bf16 (the +flash-bwd128 variant: the flash backward in blocks of 128 keys)"; \
  MISTRAL_TUNE_CUDA_FLASH_BWD128=1 MISTRAL_TUNE_TEST_DEVICE=cuda MISTRAL_TUNE_TEST_PRECISION=bf16 node --import tsx --test --test-concurrency=3 \
  --test-timeout=20000 test/backend/attention.test.ts test/model/flash-head-dims.test.ts || rc=1; \
  echo "# MISTRAL_TUNE_CUDA_FLASH_FWD128=1 precision bf16 (the +flash-fwd128 variant: the flash forward in blocks of 128 queries)"; \
  MISTRAL_TUNE_CUDA_FLASH_FWD128=1 MISTRAL_TUNE_TEST_DEVICE=cuda MISTRAL_TUNE_TEST_PRECISION=bf16 node --import tsx --test --test-concurrency=3 \
  --test-timeout=20000 test/backend/attention.test.ts test/model/flash-head-dims.test.ts || rc=1; \
  wait; cat "$all"; tail -n 1 "$all" | grep -qx "rc=0" || rc=1; exit $rc'
hfc=$(mktemp -d) # the exported models: too many files to bring back (the log has the comparison), so not under $OUT
step_bg_hf hf-check 90 bash -c 'node --import tsx scripts/hf-check/make-exports.ts "$1" && python3 scripts/hf-check/check_exports.py "$1"' hf-check "$hfc"
wait_steps
rm -rf "$hfc"
# the benchmark alone, on an idle GPU, with what is left
! selected bench-gpu || python_for_hf
export BENCH_CASES="${BENCH_CASES:-1x2048,2x2048,4x2048:ckpt,1x2048$all,2x2048$all,4x2048:ckpt$all,1x2048+flash-fwd128,2x2048+flash-fwd128,1x2048+flash-bwd128,2x2048+flash-bwd128,1x2048+small-k,2x2048+small-k,2x2048+lora-grad-up,1x2048+bf16-logits,2x2048+bf16-logits,1x2048:profile,2x2048:profile,2x2048+flash-fwd128+flash-bwd128,4x2048:ckpt+flash-bwd128,1x2048+no-splitk,2x2048+no-splitk,1x2048+no-gemm-tune,2x2048+no-gemm-tune,1x2048+flash-masked,1x2048:profile+flash-fwd128+flash-bwd128,1x2048:gemm-attn,1x2048:dora}" BENCH_LAYERS="${BENCH_LAYERS:-32}"
step bench-gpu 240 bash -c 'exec node --import tsx bench/gpu.ts --cases "$BENCH_CASES" --layers "$BENCH_LAYERS" --steps 3 --warmup 1 --budget-s $((STEP_LIMIT_S - 10))'

failures=$((failures + $(find "$verdicts" -name '*.failed' | wc -l)))
note "total $(($(date +%s) - start))s, $failures failed"
exit $failures
