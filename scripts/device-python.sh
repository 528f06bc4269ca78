# Sourced by scripts/device-check.sh on the GPU machine, after `source .device/env.sh`: which python3 the HF steps
# (hf-check, the bench's HF peer) run, found out while the first steps run. The caller defines note (a line on stdout
# and in summary.txt), calls python_probe_start early and python_for_hf in each shell that runs an HF step.
# env.sh put the CUDA toolkit's lib folders on LD_LIBRARY_PATH, and a library there can shadow the one torch's wheels
# bring (an "undefined symbol" on import). Whether torch imports so is found out first, and only where it does not,
# whether it imports without the toolkit folders (rc=1: the HF steps' python3, a wrapper first on PATH, runs so) or
# not at all (rc=2: no torch, transformers or peft; summary.txt says so, and the HF steps fail on it).
toolkit_free_path() { # LD_LIBRARY_PATH less the CUDA toolkit's folders that env.sh adds
  local clean="" d dirs
  IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
  for d in "${dirs[@]}"; do
    case "$d" in /usr/local/cuda/lib64|/usr/local/cuda/targets/x86_64-linux/lib|"") ;; *) clean="${clean:+$clean:}$d";; esac
  done
  printf '%s' "$clean"
}
pyimport='import torch, transformers, peft; print("torch", torch.__version__, "cuda", torch.version.cuda)'
python_probe_start() { # in the background: the probe's output, then rc=0, 1 or 2, in $pyprobe
  pyprobe=$(mktemp)
  ( if timeout 120 python3 -c "$pyimport" >"$pyprobe" 2>&1; then echo rc=0
    elif timeout 60 env LD_LIBRARY_PATH="$(toolkit_free_path)" python3 -c "$pyimport" >/dev/null 2>&1; then echo rc=1
    else echo rc=2; fi >>"$pyprobe" ) &
}
python_for_hf() { # in the main shell or a step's own (so it reads the probe's file rather than wait for it); noted once
  local real wrap why
  while ! grep -q '^rc=' "$pyprobe"; do sleep 1; done
  why=$(grep -v '^rc=' "$pyprobe" | grep . | tail -n 1 | cut -c1-160)
  if grep -q '^rc=1$' "$pyprobe"; then
    real=$(command -v python3) wrap=$(mktemp -d)
    printf '#!/usr/bin/env bash\nLD_LIBRARY_PATH=%q exec %q "$@"\n' "$(toolkit_free_path)" "$real" >"$wrap/python3"
    chmod +x "$wrap/python3"
    export PATH="$wrap:$PATH"
  fi
  [ ! -e "$pyprobe.noted" ] || return 0
  : >"$pyprobe.noted"
  case "$(grep '^rc=' "$pyprobe")" in
    rc=0) note "python: $why" ;;
    rc=1) note "python: torch did not import with env.sh's LD_LIBRARY_PATH ($why); it does without the toolkit folders, as the HF steps run" ;;
    *) note "python: the HF steps cannot run: python3 does not import torch, transformers and peft, with or without env.sh's toolkit folders ($why)" ;;
  esac
}
