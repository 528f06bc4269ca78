#!/usr/bin/env bash
# NUL-separated paths on stdin → their total apparent size in bytes, as the device tool counts what a call sends
# (scripts/device-prepare.sh). Summed per file: xargs may run du several times on a long list, so du's own -c total
# would count only the last batch; -l counts every hard link, as each travels as a file of its own. du -0 ends each
# line with NUL, so a name holding a newline is one record; the sum is printed as an integer (mawk prints 2^31 and
# up as 2.14748e+09, which the caller's arithmetic cannot read). A path that is gone (a tracked file deleted in the
# working tree) does not travel and counts nothing.
set -uo pipefail
{ xargs -0 -r du -0 -bl --apparent-size -- 2>/dev/null || true; } | awk 'BEGIN { RS = "\0" } { s += $1 } END { printf "%.0f\n", s }'
