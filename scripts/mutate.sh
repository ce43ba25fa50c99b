#!/usr/bin/env bash
# `make mutate`: cosmic-ray over the Python modules where a wrong line costs money or loses data
# (scripts/mutate.py), then comparison flips and dropped terms in the dbt rules (scripts/mutate_dbt.py).
# MUTATE_PHASE=python|dbt|all (default all); MUTATE_TARGETS=name,... picks Python targets (globs allowed).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" UV_PYTHON_DOWNLOADS=never DO_NOT_TRACK=1 AIRBYTE_OFFLINE_MODE=1
phase="${MUTATE_PHASE:-all}"
case "$phase" in
  python|dbt|all) ;;
  *) echo "MUTATE_PHASE=$phase: expected python, dbt or all" >&2; exit 2 ;;
esac
if [ "$phase" != dbt ]; then python scripts/mutate.py; fi
if [ "$phase" != python ]; then python scripts/mutate_dbt.py; fi
