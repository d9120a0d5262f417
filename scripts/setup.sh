#!/usr/bin/env bash
# Set up a fresh machine: uv (from PyPI), Python deps from uv.lock, Debian chromium for browser
# pages and PDF reports, poppler-utils (pdftoppm) for the tests that look at PDF pages.
# Idempotent and quiet when everything is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -m uv --version >/dev/null 2>&1; then
  echo "setup: installing uv from PyPI" >&2
  python3 -m pip install --quiet uv
fi
python3 -m uv sync --frozen --all-extras --quiet

PACKAGES=()
[ -x /usr/bin/chromium ] || PACKAGES+=(chromium fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || PACKAGES+=(poppler-utils)
if [ "${#PACKAGES[@]}" -gt 0 ]; then
  echo "setup: installing Debian ${PACKAGES[*]} (Playwright cannot download its own browser here)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}" >/dev/null \
    || { $SUDO apt-get update >/dev/null && \
         $SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}" >/dev/null; }
fi
