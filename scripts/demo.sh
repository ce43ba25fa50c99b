#!/usr/bin/env bash
# `make demo`: the main job on the embedded defaults (DATA=DIR uses an existing sandbox directory).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" DO_NOT_TRACK=1 AIRBYTE_OFFLINE_MODE=1
args=()
[ -n "${DATA:-}" ] && args+=(--data "$DATA")
[ -n "${SCALE:-}" ] && args+=(--scale "$SCALE")
exec tieout-demo "${args[@]}"
