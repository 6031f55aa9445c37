#!/usr/bin/env bash
# Debian's PostgreSQL, Redis and nginx for the scaled run (scripts/scaled.sh); installs only what is missing.
set -euo pipefail
missing=()
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
command -v apt-get >/dev/null || { echo "error: ${missing[*]} missing and apt-get is not available; install them and retry." >&2; exit 1; }
echo "installing ${missing[*]} (Debian packages) ..."
$sudo apt-get update -qq
# policy-rc.d 101: the packages' own services (port 5432, 6379, 80) are not started; scaled.sh runs its own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed ${missing[*]}"
