#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10 only), or explain the fix.
set -u
works() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }
for candidate in "${PYTHON310:-}" python3.10; do
  [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 && works "$candidate" && { command -v "$candidate"; exit 0; }
done
if command -v pyenv >/dev/null 2>&1; then
  for candidate in "$(pyenv root)"/versions/3.10.*/bin/python; do
    [ -x "$candidate" ] && works "$candidate" && { echo "$candidate"; exit 0; }
  done
fi
echo "error: Python 3.10 not found (Rasa 3.6 needs 3.8-3.10). Fix: 'pyenv install 3.10' or 'apt-get install python3.10', or set PYTHON310=/path/to/python3.10." >&2
exit 1
