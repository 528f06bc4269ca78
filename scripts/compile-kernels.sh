#!/usr/bin/env bash
# Compiles every CUDA kernel (src/backend/cuda/kernels/*.cu) to PTX with nvcc, for sm_90a, in each storage variant
# VARIANTS names (by default all three: bf16, the default, -DSTORE_F32 and -DSTORE_F64), in parallel; fails on any
# error or warning. Needs nvcc, not a GPU. CUDA_HOME (default /usr/local/cuda); NVCC (default: nvcc on the PATH, else $CUDA_HOME/bin/nvcc);
# KERNELS_DIR (default src/backend/cuda/kernels); JOBS (default: the number of CPUs); VARIANTS (default
# "bf16 STORE_F32 STORE_F64": the storage variants to compile).
set -euo pipefail
cd "$(dirname "$0")/.."
CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
NVCC="${NVCC:-$(command -v nvcc || echo "$CUDA_HOME/bin/nvcc")}"
KERNELS_DIR="${KERNELS_DIR:-src/backend/cuda/kernels}"
JOBS="${JOBS:-$(nproc)}"
read -r -a variants <<< "${VARIANTS:-bf16 STORE_F32 STORE_F64}"
# a typo would compile bf16 under a meaningless -D and say "ok", a blank one nothing at all
bad=$(( ${#variants[@]} == 0 ))
for v in "${variants[@]+"${variants[@]}"}"; do case "$v" in bf16|STORE_F32|STORE_F64) ;; *) bad=1 ;; esac; done
[ "$bad" = 0 ] || { echo "compile-kernels: VARIANTS must name one or more of bf16, STORE_F32, STORE_F64; got \"$VARIANTS\"" >&2; exit 2; }
[ -x "$NVCC" ] || { echo "compile-kernels: nvcc not found (set NVCC or CUDA_HOME)" >&2; exit 127; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
compile() { # $1 = .cu file, $2 = variant flag or "bf16"; prints one line, the log on failure
  local cu="$1" variant="$2" name flag=""
  name="$(basename "$cu" .cu).$variant"
  [ "$variant" = bf16 ] || flag="-D$variant"
  if "$NVCC" -std=c++17 --ptx -arch=sm_90a -I"$CUDA_HOME/include" -I"$(dirname "$cu")" -Werror all-warnings $flag \
      -o "$out/$name.ptx" "$cu" >"$out/$name.log" 2>&1 && [ ! -s "$out/$name.log" ]; then
    echo "ok   $cu ($variant)"
  else
    echo "FAIL $cu ($variant)"
    cat "$out/$name.log"
    return 1
  fi
}
export -f compile
export NVCC CUDA_HOME out
shopt -s nullglob
files=("$KERNELS_DIR"/*.cu)
[ ${#files[@]} -gt 0 ] || { echo "compile-kernels: no .cu files in $KERNELS_DIR" >&2; exit 1; }
for cu in "${files[@]}"; do for v in "${variants[@]}"; do printf '%s\0%s\0' "$cu" "$v"; done; done \
  | xargs -0 -n 2 -P "$JOBS" bash -c 'compile "$1" "$2"' _
