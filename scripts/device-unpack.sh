#!/usr/bin/env bash
# On the GPU machine, after `source .device/env.sh`: unpacks what scripts/device-prepare.sh packed to fit the
# device tool's 64 MiB. Today that is esbuild's native binary (11 MiB, 3.5 MiB as xz), which tsx runs for every
# test file: .device/esbuild.xz back to node_modules/@esbuild/linux-x64/bin/esbuild. Idempotent; exit 1 naming
# the file when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
packed=.device/esbuild.xz
binary=node_modules/@esbuild/linux-x64/bin/esbuild
[ -f "$packed" ] || exit 0
[ -x "$binary" ] && exit 0
tmp="$binary.unpacking.$$"
xz -dc "$packed" >"$tmp" && chmod +x "$tmp" && mv -f "$tmp" "$binary" || {
  rm -f "$tmp"
  echo "device-unpack: cannot unpack $packed into $binary" >&2
  exit 1
}
