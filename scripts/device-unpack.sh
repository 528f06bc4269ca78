#!/usr/bin/env bash
# On the GPU machine, after `source .device/env.sh`: unpacks what scripts/device-prepare.sh packed to fit the
# device tool's 64 MiB:
# - the slim node_modules (17 MiB, 4.3 MiB as xz; esbuild's native binary, which tsx runs for every test file, the
#   most of it): .device/node_modules.tar.xz laid out as node_modules/ where there is none, or a link, or one this
#   script laid (node_modules/.unpacked); a node_modules/ of npm's own (this script run on a development machine)
#   is left as it is;
# - dist/ (3.0 MB, 0.6 MB as xz), which the tests that run the CLI use: .device/dist.tar.xz laid out as dist/,
#   replacing any dist/ there (device-check.sh then checks .device/src.sha256 against src/ before using it).
# Each is unpacked again only when its archive changed (a warm machine keeps both between calls, and a later call may
# carry other ones). Idempotent; exit 1 naming the file when it cannot, leaving what was there.
set -euo pipefail
cd "$(dirname "$0")/.."

unpack() { # unpack ARCHIVE FOLDER: the archive holds FOLDER/; laid out in place of FOLDER, FOLDER/.unpacked its hash
  local packed="$1" folder="$2" tmp=".$2.unpacking.$$"
  [ -f "$packed" ] && [ "$(cat "$folder/.unpacked" 2>/dev/null)" != "$(sha256sum <"$packed")" ] || return 0
  rm -rf "$tmp" && mkdir "$tmp" && tar xJf "$packed" -C "$tmp" && [ -d "$tmp/$folder" ] &&
    sha256sum <"$packed" >"$tmp/$folder/.unpacked" && rm -rf "$folder" && mv "$tmp/$folder" "$folder" && rmdir "$tmp" || {
    rm -rf "$tmp"
    echo "device-unpack: cannot unpack $packed into $folder/" >&2
    exit 1
  }
}

if [ ! -e node_modules ] || [ -L node_modules ] || [ -f node_modules/.unpacked ]; then
  unpack .device/node_modules.tar.xz node_modules
elif [ -f .device/node_modules.tar.xz ]; then
  echo "device-unpack: node_modules/ is not one this script laid (npm's own?): left as it is, .device/node_modules.tar.xz not unpacked" >&2
fi
unpack .device/dist.tar.xz dist
