#!/usr/bin/env bash
# Prepares the GPU machine's call of scripts/device-check.sh, here, from the project root:
#   bash scripts/device-prepare.sh [SHARED_DEVICE_DIR]   (default ../shared/device)
# 1. builds dist/ (the device has no TypeScript compiler: its native binary alone is 27 MB) and records the
#    hash of src/ it was built from in .device/src.sha256, which device-check.sh compares before using it, and
#    the commit in .device/commit (with "+" for uncommitted changes), which its summary.txt names;
# 2. lays .device/ with SHARED_DEVICE_DIR/prepare.sh --slim (Node.js, env.sh, the HF + PEFT baseline, the
#    production node_modules plus tsx; npm's archive is emptied, nothing there runs npm);
# 3. trims .device/node_modules of what no run there reads: TypeScript sources and declarations, source
#    maps, docs, koffi's vendored C sources and musl build, zod's CommonJS copy (nothing requires it), and esbuild's
#    second copy of its binary (a hard link in npm's install, copied twice by the slim set; tsx runs
#    @esbuild/linux-x64's), then packs it as .device/node_modules.tar.xz (17 MiB → 4.3 MiB, esbuild's binary the
#    most of it; scripts/device-unpack.sh, run by the device scripts, lays it out as node_modules/ there);
# 4. packs dist/ as .device/dist.tar.xz (3.0 MB → 0.6 MB; scripts/device-unpack.sh puts it back there), so that
#    dist/ itself need not travel;
# 5. adds up what the call sends (tracked and untracked-not-ignored files, .device) and fails when it is over the
#    device tool's 64 MiB, naming the largest parts.
# Then: run(carry: [".device"], command: "source .device/env.sh && bash scripts/device-check.sh").
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared/device}"
[ -f "$shared/prepare.sh" ] || { echo "device-prepare: $shared/prepare.sh not found (pass the shared device folder)" >&2; exit 2; }

npm run build >/dev/null
bash "$shared/prepare.sh" --slim >/dev/null
bash scripts/device-check.sh --src-hash >.device/src.sha256
# the commit prepared, for summary.txt there (the copy that travels has no .git); "+" when the tree differs from it
echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!.device' ':!dist' || echo +)" >.device/commit

# npm is not used there (device-check.sh runs node and bash only): an empty archive keeps env.sh quiet
rm -f .device/npm.tar.xz && tar cJf .device/npm.tar.xz -T /dev/null
nm=.device/node_modules
rm -f "$nm/esbuild/bin/esbuild" .device/esbuild.xz
[ -f "$nm/@esbuild/linux-x64/bin/esbuild" ] || { echo "device-prepare: no esbuild binary in $nm/@esbuild/linux-x64 (tsx runs it)" >&2; exit 1; }
rm -rf "$nm/zod/src" "$nm/koffi/vendor" "$nm/koffi/doc" "$nm"/@koromix/koffi-*/musl_*
find "$nm" -type f \( -name '*.d.ts' -o -name '*.d.cts' -o -name '*.d.mts' -o -name '*.map' -o -name '*.md' -o -name '*.ts.map' \) -delete
# zod's CommonJS copy (1.2 MiB): dist/ and the tests import it as an ES module (its "import" export, ./index.js)
find "$nm/zod" -type f -name '*.cjs' -delete
# node_modules and dist/ travel packed (the call's 64 MiB counts bytes as they are sent): device-unpack.sh lays them
# out there; .device/node_modules itself does not travel, so env.sh links nothing
rm -f .device/node_modules.tar.xz && tar cf - -C .device node_modules | xz -6 -T0 >.device/node_modules.tar.xz && rm -rf "$nm"
tar cJf .device/dist.tar.xz dist

LIMIT=$((64 * 1024 * 1024))
tree=$(git ls-files -z --cached --others --exclude-standard | bash scripts/sent-bytes.sh)
device=$(find .device -type f -print0 | bash scripts/sent-bytes.sh)
total=$((tree + device))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "device-prepare: the call sends $(mib $total) of $(mib $LIMIT): working tree $(mib "$tree"), .device $(mib "$device") (node_modules and dist/ packed in it)"
if [ "$total" -gt "$LIMIT" ]; then
  echo "device-prepare: over the limit; the largest parts:" >&2
  { git ls-files -z --cached --others --exclude-standard; find .device -type f -print0; } | xargs -0 du -b --apparent-size -- | sort -n | tail -8 >&2
  exit 1
fi
