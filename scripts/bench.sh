#!/usr/bin/env bash
# make bench: the same training data with this project's config.yml and with the stock config
# `rasa init` writes (bench/config.rasa-init.yml), on the default run and on the scaled run.
# For each: training time from scratch, NLU accuracy on tests/nlu/test_nlu.yml, cold start,
# memory, sequential latency per kind of turn, and 10/50/200 concurrent conversations.
# The staff console: its pages on a generated store of 100,000 conversations, and the assistant's
# turns while the console is browsed (reports/bench-console.json).
# Writes reports/bench/*.json, reports/bench.md and docs/bench-latency.png.
#   BENCH_LEVELS=10,50 make bench     other concurrency levels
#   BENCH_SKIP_SCALED=1 make bench    without the scaled run (PostgreSQL, Redis, nginx)
#   BENCH_SKIP_CONSOLE=1 make bench   without the console's pages
#   BENCH_SKIP_BASELINE=1 make bench  without the stock `rasa init` config (its DIET takes ~100 min
#                                     on today's training data on 2 cores)
#   BENCH_REUSE=1 make bench          serve and measure again with the models and training and
#                                     accuracy figures of the previous run (no retraining)
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
LEVELS=${BENCH_LEVELS:-10,50,200}
OUT=reports/bench
WORK=var/bench
rasa=.venv/bin/rasa
python=.venv/bin/python
if [ -n "${BENCH_REUSE:-}" ] && [ -f "$WORK/rasa-init-models/microneedling.tar.gz" ]; then
  rm -f "$OUT"/*.json
else
  BENCH_REUSE=
  rm -rf "$OUT" "$WORK"
fi
mkdir -p "$OUT" "$WORK" var/log

train() {  # label config models-dir
  echo "== training '$1' from scratch ($2)"
  local start=$SECONDS
  # An empty training cache of its own: --force alone still reuses cached steps.
  RASA_CACHE_DIRECTORY="$WORK/cache-$1" "$rasa" train --force -c "$2" --fixed-model-name microneedling \
    --out "$3" >"var/log/bench-train-$1.log" 2>&1
  echo "$((SECONDS - start)) s" | tee "$OUT/$1-train.txt"
}

accuracy() {  # label models-dir
  "$rasa" test nlu -m "$2/microneedling.tar.gz" --nlu tests/nlu/test_nlu.yml --out "$WORK/$1-nlu" \
    >"var/log/bench-nlu-$1.log" 2>&1
  "$python" -c "import json,sys; print(f\"{100 * json.load(open(sys.argv[1]))['accuracy']:.1f}%\")" \
    "$WORK/$1-nlu/intent_report.json" | tee "$OUT/$1-accuracy.txt"
}

measure() {  # label launcher [env...]: serve with the launcher, time the first answer, then load
  local label=$1 launcher=$2; shift 2
  echo "== serving '$label' ($launcher)"
  local started_ns
  started_ns=$(date +%s%N)
  env "$@" "$launcher" exec bash -c '
    until curl -sf -o /dev/null -X POST "$BOT_URL/webhooks/rest/webhook" -d "{\"sender\":\"cold\",\"message\":\"hi\"}"; do sleep 0.2; done
    echo "$(( ($(date +%s%N) - '"$started_ns"') / 1000000000 )) s" | tee '"$OUT/$label-cold-start.txt"'
    '"$python"' scripts/bench.py load '"$label"' --levels '"$LEVELS"
}

if [ -z "$BENCH_REUSE" ]; then
  train project config.yml models
  accuracy project models
  if [ -z "${BENCH_SKIP_BASELINE:-}" ]; then
    # A copy: Rasa writes the defaults it filled in back into the config file as comments.
    cp bench/config.rasa-init.yml "$WORK/config.rasa-init.yml"
    train rasa-init "$WORK/config.rasa-init.yml" "$WORK/rasa-init-models"
    accuracy rasa-init "$WORK/rasa-init-models"
  fi
fi

"$python" scripts/bench.py encoder
measure project scripts/bot.sh
if [ -z "${BENCH_SKIP_CONSOLE:-}" ]; then
  echo "== the staff console on 100,000 generated conversations"
  store=var/bench-console/tracker.db  # kept across runs: generating it takes a minute or two
  [ -s "$store" ] || "$python" scripts/gen_tracker_store.py --conversations 100000 --out "$store"
  scripts/bot.sh exec "$python" scripts/bench_console.py --store "$store" >reports/bench-console.json
  cat reports/bench-console.json
fi
if [ -z "${BENCH_SKIP_BASELINE:-}" ]; then
  measure rasa-init scripts/bot.sh MODELS="$WORK/rasa-init-models"
fi
if [ -z "${BENCH_SKIP_SCALED:-}" ]; then
  echo "same model as project" > "$OUT/project-scaled-train.txt"
  cp "$OUT/project-accuracy.txt" "$OUT/project-scaled-accuracy.txt"
  measure project-scaled scripts/scaled.sh
fi
"$python" scripts/bench.py report
