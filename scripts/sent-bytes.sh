#!/usr/bin/env bash
# NUL-separated paths on stdin → their total apparent size in bytes, as the device tool counts what a call sends
# (scripts/device-prepare.sh). Summed per file: xargs may run du several times on a long list, so du's own -c total
# would count only the last batch; -l counts every hard link, as each travels as a file of its own. A path that is
# gone (a tracked file deleted in the working tree) does not travel and counts nothing.
set -uo pipefail
{ xargs -0 -r du -bl --apparent-size -- 2>/dev/null || true; } | awk '{ s += $1 } END { print s + 0 }'
