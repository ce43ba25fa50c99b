#!/usr/bin/env bash
# Meltano gets its own venv (.venv-meltano): meltano 4 and PyAirbyte cannot share one (rich<14 vs rich>=15).
# Then `meltano install` builds each plugin's venv under .meltano/ with uv (meltano.yml: venv.backend uv).
# Idempotent: each step is skipped when already satisfied. SKIP_PLUGINS=1 installs Meltano only.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never MELTANO_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1
UV=$(command -v uv || echo "$HOME/.local/bin/uv")

if [ ! -x .venv-meltano/bin/meltano ]; then
  echo "==> creating .venv-meltano (Meltano 4)"
  "$UV" venv --quiet --allow-existing --python 3.11 .venv-meltano
  "$UV" pip install --quiet --python .venv-meltano/bin/python 'meltano>=4,<5'
fi

# `meltano install` reinstalls every plugin each time (~20 s). The local plugins are editable, so code changes
# need no reinstall: only a change to meltano.yml or a package's dependencies does. Stamp those and skip.
stamp_file=.meltano/.tieout-install-stamp
stamp=$(cat meltano.yml connector-core/pyproject.toml spectrum-client/pyproject.toml source-buildops/pyproject.toml \
  source-spectrum/pyproject.toml destination-spectrum/pyproject.toml target-duckdb/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -z "${SKIP_PLUGINS:-}" ] && [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp" ]; then
  # Each plugin lands in .meltano/<type>/<name>/venv, built with uv (meltano.yml: venv.backend uv).
  echo "==> meltano install (plugin venvs under .meltano/)"
  .venv-meltano/bin/meltano --log-level=warning install
  echo "$stamp" > "$stamp_file"
fi
