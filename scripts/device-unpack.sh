#!/usr/bin/env bash
# On the GPU machine, after `source .device/env.sh`: unpacks what scripts/device-prepare.sh packed to fit the
# device tool's 64 MiB:
# - esbuild's native binary (11 MiB, 3.5 MiB as xz), which tsx runs for every test file: .device/esbuild.xz back to
#   node_modules/@esbuild/linux-x64/bin/esbuild;
# - dist/ (3.0 MB, 0.6 MB as xz), which the tests that run the CLI use: .device/dist.tar.xz laid out as dist/,
#   replacing any dist/ there (device-check.sh then checks .device/src.sha256 against src/ before using it).
# Idempotent; exit 1 naming the file when it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

packed=.device/esbuild.xz
binary=node_modules/@esbuild/linux-x64/bin/esbuild
if [ -f "$packed" ] && [ ! -x "$binary" ]; then
  tmp="$binary.unpacking.$$"
  xz -dc "$packed" >"$tmp" && chmod +x "$tmp" && mv -f "$tmp" "$binary" || {
    rm -f "$tmp"
    echo "device-unpack: cannot unpack $packed into $binary" >&2
    exit 1
  }
fi

packed=.device/dist.tar.xz
# dist/.unpacked holds the archive's hash: a warm machine keeps dist/ between calls, and a later call may carry another
if [ -f "$packed" ] && [ "$(cat dist/.unpacked 2>/dev/null)" != "$(sha256sum <"$packed")" ]; then
  tmp=".dist.unpacking.$$"
  rm -rf "$tmp" && mkdir "$tmp" && tar xJf "$packed" -C "$tmp" && [ -f "$tmp/dist/cli/main.js" ] &&
    sha256sum <"$packed" >"$tmp/dist/.unpacked" && rm -rf dist && mv "$tmp/dist" dist && rmdir "$tmp" || {
    rm -rf "$tmp"
    echo "device-unpack: cannot unpack $packed into dist/" >&2
    exit 1
  }
fi
