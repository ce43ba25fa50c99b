#!/usr/bin/env bash
# `make demo`: the main job on the embedded defaults (DATA=DIR uses an existing sandbox directory, generated or
# hand-written; AS_OF=YYYY-MM-DD closes its books as of that day). The twins always listen on free ports.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" DO_NOT_TRACK=1 AIRBYTE_OFFLINE_MODE=1
args=()
[ -n "${DATA:-}" ] && args+=(--data "$DATA")
[ -n "${SCALE:-}" ] && args+=(--scale "$SCALE")
[ -n "${AS_OF:-}" ] && args+=(--as-of "$AS_OF")
exec tieout-demo "${args[@]}"
