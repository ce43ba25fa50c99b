#!/usr/bin/env bash
# `make bench`: each figure beside its floor and its peer, measured in the same run. Results land in
# benchmarks/results/ (gitignored); the README quotes the latest figures. BENCH=name runs one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" DO_NOT_TRACK=1 AIRBYTE_OFFLINE_MODE=1
mkdir -p benchmarks/results
for bench in benchmarks/*/bench.py; do
  name=$(basename "$(dirname "$bench")")
  if [ -n "${BENCH:-}" ] && [ "$BENCH" != "$name" ]; then continue; fi
  echo "==> $name"
  python "$bench"   # each writes its own benchmarks/results/<name>.json
done
