#!/usr/bin/env bash
# The README's ablation: train each config of bench/ablation/ (and config.yml) in a copy of the
# project and score it on the blind development set with the shared judge.
#   scripts/ablation.sh                 all configs
#   scripts/ablation.sh sparse-only     one of them
# Results: reports/ablation/<name>.txt (last lines: pass rate, escalation figures, p50/p95 latency).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export EVAL_RUNNER=${EVAL_RUNNER:-$root/../shared/eval/run_eval.py}
names=("$@"); [ ${#names[@]} -gt 0 ] || names=(sparse-only raw-counts chosen)
mkdir -p reports/ablation
for name in "${names[@]}"; do
  work=$(mktemp -d /tmp/ablation-XXXX)
  git ls-files -z | xargs -0 -I{} cp --parents {} "$work"
  ln -s "$root/.venv" "$work/.venv"
  mkdir -p "$work/var" && cp -r var/spacy "$work/var/" && cp -r data/nlu/generated "$work/data/nlu/"
  [ "$name" = chosen ] || cp "bench/ablation/$name.yml" "$work/config.yml"
  # its own action server port, so an ablation can run beside the project's own servers
  sed -i "s/:5055/:${ABLATION_ACTION_PORT:-5056}/" "$work/endpoints.yml"
  start=$(date +%s)
  (cd "$work" && .venv/bin/rasa train --fixed-model-name microneedling --out models >/dev/null 2>&1)
  echo "training: $(( $(date +%s) - start )) s" > "reports/ablation/$name.txt"
  (cd "$work" && .venv/bin/python scripts/blind_eval.py dev --show-fails 0) >> "reports/ablation/$name.txt" 2>&1 || true
  tail -8 "reports/ablation/$name.txt"
  rm -rf "$work"
done
