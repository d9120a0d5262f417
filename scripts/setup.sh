#!/usr/bin/env bash
# Set up a fresh machine: uv (from PyPI), Python deps from uv.lock, Debian chromium for browser
# pages. Idempotent and quiet when everything is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -m uv --version >/dev/null 2>&1; then
  echo "setup: installing uv from PyPI" >&2
  python3 -m pip install --quiet uv
fi
python3 -m uv sync --frozen --quiet

if [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian chromium (Playwright cannot download its own browser here)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null \
    || { $SUDO apt-get update >/dev/null && \
         $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null; }
fi
