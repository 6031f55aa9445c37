#!/usr/bin/env bash
# Start the action server, the Rasa server and the widget's demo page; stop all of them on exit.
#   scripts/bot.sh run            serve until Ctrl-C (make run)
#   scripts/bot.sh exec CMD...    serve while CMD runs, then stop; exit with CMD's status (tests)
#   scripts/bot.sh shell          action server + `rasa shell` in this terminal (make shell)
# run and exec also start the staff console on 127.0.0.1:$CONSOLE_PORT (default 5080).
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONUNBUFFERED=1
# Sanic queues only 100 waiting connections by default; a burst of visitors overflows it.
export SANIC_BACKLOG=${SANIC_BACKLOG:-1024}
RASA_PORT=${RASA_PORT:-5005}
WIDGET_PORT=${WIDGET_PORT:-8080}
CONSOLE_PORT=${CONSOLE_PORT:-5080}
# ENDPOINTS: another endpoints file (own action port and tracker database) for a second instance.
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
MODELS=${MODELS:-models}  # a model file or a directory (its newest model)
ACTION_PORT=$(sed -n 's#^ *url: *"\{0,1\}http://[^:/]*:\([0-9]*\)/webhook.*#\1#p' "$ENDPOINTS" | head -n 1)
ACTION_PORT=${ACTION_PORT:-5055}
CORS_ORIGINS=${CORS_ORIGINS:-"http://localhost:$WIDGET_PORT http://127.0.0.1:$WIDGET_PORT"}
LOGS=${LOGS:-var/log}
mkdir -p "$LOGS"
# Loopback only unless RASA_INTERFACE=0.0.0.0 (e.g. behind a reverse proxy on another host);
# the action server always stays on loopback: only the Rasa server calls it.
RASA_INTERFACE=${RASA_INTERFACE:-127.0.0.1}
# The Rasa HTTP API (/status, /model/parse, /conversations/...) is off unless RASA_API_TOKEN is
# set in the environment; then every API call needs ?token=<RASA_API_TOKEN>.
api_args=()
[ -n "${RASA_API_TOKEN:-}" ] && api_args=(--enable-api --auth-token "$RASA_API_TOKEN")
rasa=.venv/bin/rasa
SHELL_PORT=${SHELL_PORT:-5006}  # the Rasa server inside `scripts/bot.sh shell`
# For the shell: all its input to the log; Rasa's ERROR and CRITICAL lines (the action server is
# down, ...) also to the screen, without colours and timestamps. Python and TensorFlow warnings
# stay in the log. It ignores Ctrl-C and SIGHUP and ends with its input, so the log gets the end.
errors_to_screen() {  # log
  trap '' INT HUP
  tee "$1" | sed -u -n -E 's/\x1b\[[0-9;]*m//g; s/^[0-9-]+ [0-9:]+ +(ERROR|CRITICAL) +[^ ]+ +- /error: /p' >&2
}
# The staff terminal serves no visitors whose turns must finish: on a hangup or /stop its servers
# stop within 2 s, not Sanic's default 15 s grace (the next `make run` would find its ports taken).
[ "${1:-run}" = shell ] && export SANIC_GRACEFUL_SHUTDOWN_TIMEOUT=${SANIC_GRACEFUL_SHUTDOWN_TIMEOUT:-2}
source scripts/processes.sh
trap stop_processes EXIT
trap 'exit 130' INT TERM
# Closing the terminal window (SIGHUP) stops the servers as well, so their ports are free again.
trap 'exit 129' HUP

[ -n "$(ls "$MODELS" 2>/dev/null)" ] || { echo "error: no trained model in $MODELS. Run 'make train' first." >&2; exit 1; }
need_port "$ACTION_PORT" "action server" "the action_endpoint port in endpoints.yml"
background "$LOGS/actions.log" env SANIC_HOST=127.0.0.1 "$rasa" run actions --port "$ACTION_PORT"
wait_for "http://127.0.0.1:$ACTION_PORT/health" "action server" 60 "$LOGS/actions.log" "${pids[-1]}"

if [ "${1:-run}" = shell ]; then
  # `rasa shell` is `rasa run --connector cmdline`; this connector is Rasa's console with replies
  # chosen for the cmdline channel (suggestions as text, not menus: channels/cmdline.py). Its
  # server stays on loopback and off RASA_PORT, so a `make run` beside it keeps its port.
  need_port "$SHELL_PORT" "shell's Rasa server" SHELL_PORT
  echo "Loading the assistant (about a minute); library messages go to $LOGS/shell.log"
  # In the background, reading this terminal: a hangup (closing the window) or Ctrl-C while it
  # loads interrupts the `wait`, and the traps stop it and the action server, even when the
  # signal reached only this script. Replies and prompts (stdout) go to the terminal, warnings and
  # logs (stderr) through errors_to_screen.
  "$rasa" run -m "$MODELS" --endpoints "$ENDPOINTS" --connector channels.cmdline.ClinicCmdlineInput \
    --interface 127.0.0.1 --port "$SHELL_PORT" <&0 2> >(errors_to_screen "$LOGS/shell.log") &
  pids+=($!)
  status=0
  wait "${pids[-1]}" || status=$?
  [ "$status" -eq 0 ] || { echo "error: the shell stopped (exit $status); see $LOGS/shell.log:" >&2; tail -n 5 "$LOGS/shell.log" >&2; }
  exit "$status"
fi

need_port "$RASA_PORT" "Rasa server" RASA_PORT
need_port "$WIDGET_PORT" "widget demo page" WIDGET_PORT
need_port "$CONSOLE_PORT" "staff console" CONSOLE_PORT
read -r -a cors <<<"$CORS_ORIGINS"  # a space-separated list; an array, so "*" is not a file glob
background "$LOGS/rasa.log" "$rasa" run -m "$MODELS" --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --interface "$RASA_INTERFACE" --port "$RASA_PORT" --cors "${cors[@]}" ${api_args[@]+"${api_args[@]}"}
background "$LOGS/widget.log" .venv/bin/python -m http.server "$WIDGET_PORT" --bind 127.0.0.1 --directory widget
# The staff console: loopback only, never on the visitors' ports.
background "$LOGS/console.log" .venv/bin/python -m console --host 127.0.0.1 --port "$CONSOLE_PORT"
wait_for "http://127.0.0.1:$CONSOLE_PORT/login" "staff console" 60 "$LOGS/console.log" "${pids[-1]}"
wait_for "http://127.0.0.1:$RASA_PORT/" "Rasa server" 180 "$LOGS/rasa.log" "${pids[1]}"

case "${1:-run}" in
  run)
    cat <<MSG

The assistant is running (logs in $LOGS/):
  chat widget demo:  http://localhost:$WIDGET_PORT/
  REST webhook:      curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"a","message":"hi"}'
  action server:     http://localhost:$ACTION_PORT/health
  staff console:     http://127.0.0.1:$CONSOLE_PORT/  (accounts: make staff ARGS="add --role admin you@clinic")
Press Ctrl-C to stop.
MSG
    wait "${pids[1]}"
    ;;
  exec)
    shift
    set +e
    BOT_URL="http://localhost:$RASA_PORT" WIDGET_URL="http://localhost:$WIDGET_PORT" BOT_LOGS="$LOGS" \
      ACTION_URL="http://127.0.0.1:$ACTION_PORT" CONSOLE_URL="http://127.0.0.1:$CONSOLE_PORT" "$@"
    exit $?
    ;;
  *) echo "usage: scripts/bot.sh run|shell|exec CMD..." >&2; exit 2 ;;
esac
