#!/usr/bin/env bash
# `make dist`: every workspace package as a wheel and an sdist in dist/, checked as a package index would.
# Connectors depend on version ranges of tieout-connector-core and tieout-spectrum-client, so dist/ alone is
# enough to install one: `pip install --find-links dist/ source-buildops` (the rest comes from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
UV=$(command -v uv || echo "$HOME/.local/bin/uv")
OUT=${DIST_DIR:-dist}

rm -rf "$OUT"
echo "==> uv build --all-packages (wheels and sdists into $OUT/)"
"$UV" build --all-packages --quiet --out-dir "$OUT"
echo "==> twine check --strict (the metadata PyPI would accept)"
.venv/bin/twine check --strict "$OUT"/*.whl "$OUT"/*.tar.gz
