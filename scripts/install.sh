#!/usr/bin/env bash
# Installs everything the demo and the tests need, on a fresh machine, by itself:
# Debian packages (unixodbc, ODBC drivers, PostgreSQL, Chromium for headless report checks) and the
# uv workspace (.venv, from uv.lock). Safe to re-run: each step is skipped when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(unixodbc libsqliteodbc odbc-postgresql postgresql chromium)
missing=()
for p in "${debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1 && [ ! -x "$HOME/.local/bin/uv" ]; then
  echo "==> installing uv"
  python3 -m pip install -q --user uv 2>/dev/null || python3 -m pip install -q uv
fi
UV=$(command -v uv || echo "$HOME/.local/bin/uv")
export UV_PYTHON_DOWNLOADS=never
echo "==> syncing the Python workspace (.venv from uv.lock)"
"$UV" sync --locked --python 3.11 --quiet
.venv/bin/python -m pip --version >/dev/null 2>&1 || true
# Two SDKs ship a top-level backoff/ folder (backoff and python-backoff): make sure the result is coherent.
"$UV" pip check --python .venv/bin/python >/dev/null
