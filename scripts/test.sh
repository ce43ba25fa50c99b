#!/usr/bin/env bash
# `make test`: lint, then the whole offline suite against throwaway servers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" UV_PYTHON_DOWNLOADS=never DO_NOT_TRACK=1 AIRBYTE_OFFLINE_MODE=1

# The airbyte-cdk test runner writes each scenario's config (secrets included) under $TMPDIR/airbyte-test
# and never deletes it: give every run its own TMPDIR and remove it afterwards.
RUN_TMP=$(mktemp -d -t tieout-test.XXXXXX)
export TMPDIR="$RUN_TMP"
cleanup() { scripts/pg-throwaway.sh stop "$RUN_TMP/pg" >/dev/null 2>&1 || true; rm -rf "$RUN_TMP"; }
trap cleanup EXIT

echo "==> Meltano (its own venv: it conflicts with PyAirbyte in one environment)"
scripts/install-meltano.sh

echo "==> ruff"
ruff check .
ruff format --check .

echo "==> mypy (connector-core, spectrum-client, mapping-assistant: [tool.mypy] in pyproject.toml)"
mypy

echo "==> starting a throwaway PostgreSQL"
eval "$(scripts/pg-throwaway.sh start "$RUN_TMP/pg")"
export TIEOUT_TEST_PG_DSN

echo "==> pytest"
python -m pytest -q "$@"
