#!/usr/bin/env bash
# Create .venv with Python 3.10 and the pinned requirements. Idempotent: does nothing (in well
# under a second) when .venv already matches requirements.txt and requirements.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements.lock | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python=$(scripts/find_python.sh)
if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
  rm -rf .venv
  "$python" -m venv .venv
fi
echo "installing pinned requirements into .venv (first time: a few minutes, ~2.7 GB)..."
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements.lock
.venv/bin/python -m pip check
echo "$want" > "$stamp"
