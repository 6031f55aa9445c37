#!/usr/bin/env bash
# The scaled configuration: PostgreSQL tracker store, Redis lock store, one action server and
# SCALED_REPLICAS Rasa server processes behind nginx, which also serves the widget.
#   scripts/scaled.sh run            serve until Ctrl-C (make run-scaled)
#   scripts/scaled.sh exec CMD...    serve while CMD runs, then stop; exit with CMD's status (make test-scaled)
#   scripts/scaled.sh services       start PostgreSQL and Redis if they are down, then exit (recovery)
# Everything listens on 127.0.0.1 only; nginx (SCALED_PORT, 8090) is the one front.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
REPLICAS=${SCALED_REPLICAS:-2}
NGINX_PORT=${SCALED_PORT:-8090}
RASA_FIRST_PORT=${SCALED_RASA_PORT:-5101}
ACTION_PORT=${SCALED_ACTION_PORT:-5151}
CONSOLE_PORT=${SCALED_CONSOLE_PORT:-5181}        # the staff console itself (loopback)
CONSOLE_FRONT_PORT=${SCALED_CONSOLE_FRONT:-8091}  # nginx's front for it: not the visitors' port
PG_PORT=${SCALED_PG_PORT:-5433}
REDIS_PORT=${SCALED_REDIS_PORT:-6380}
CORS_ORIGINS=${CORS_ORIGINS:-"http://localhost:$NGINX_PORT http://127.0.0.1:$NGINX_PORT"}
# A conversation whose lock holder died waits this long for the dead ticket to expire (Rasa's
# default: 60 s). A live process releases a REST turn's ticket by the channel's turn deadline
# (TURN_TIMEOUT_SECONDS, 6 s): keep this above it, so two turns of a conversation never overlap.
export TICKET_LOCK_LIFETIME=${TICKET_LOCK_LIFETIME:-10}
# A burst of visitors opens hundreds of connections at once: with Sanic's default accept queue
# (100) the kernel drops the others' SYNs, and they wait for retransmits (1 s, 3 s, 7 s...).
export SANIC_BACKLOG=${SANIC_BACKLOG:-1024}
ROOT=$PWD
STATE=$ROOT/var/scaled
LOGS=$ROOT/var/log/scaled
RUN=$STATE/run
mkdir -p "$LOGS" "$RUN"
rasa=.venv/bin/rasa
source scripts/processes.sh
started_postgres=0
started_redis=0

# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` system user
# (its data directory under var/scaled/ is owned by that user); otherwise to the current user.
if [ "$(id -u)" -eq 0 ]; then PG_OWNER=postgres; else PG_OWNER=$(id -un); fi
PG_DIR=$STATE/postgres
PG_DATA=$PG_DIR/data
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_OWNER" -- "$@"; else "$@"; fi
}
pg_bin_dir() {  # Debian keeps the server programs off the PATH, per major version
  printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1
}

stop_all() {
  stop_processes
  # Stop only the servers this run started (a test may have restarted Redis: the pid file says which).
  if [ "$started_redis" = 1 ] && [ -s "$RUN/redis.pid" ]; then
    kill -TERM "$(cat "$RUN/redis.pid")" 2>/dev/null || true
  fi
  if [ "$started_postgres" = 1 ]; then
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

db_password() {  # a random password for the loopback cluster, generated once, never committed
  local file=$STATE/db-password
  if [ ! -s "$file" ]; then
    (umask 077; od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

ensure_postgres() {  # sets started_postgres=1 when this call started the server
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    [ -s "$PG_DATA/postmaster.pid" ] || { echo "error: port $PG_PORT has a PostgreSQL server that is not var/scaled's; stop it or set SCALED_PG_PORT=<free port>." >&2; exit 1; }
  else
    need_port "$PG_PORT" "PostgreSQL" SCALED_PG_PORT
    if [ ! -s "$PG_DATA/PG_VERSION" ]; then
      mkdir -p "$PG_DIR" && chown "$PG_OWNER" "$PG_DIR" && chmod 700 "$PG_DIR"
      as_pg_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_OWNER" -E UTF8 \
        --auth-local=peer --auth-host=scram-sha-256 >"$LOGS/postgres-initdb.log" 2>&1 \
        || { echo "error: initdb failed; see $LOGS/postgres-initdb.log" >&2; exit 1; }
    fi
    touch "$LOGS/postgres.log" && chown "$PG_OWNER" "$LOGS/postgres.log"
    # The Unix socket lives in the cluster's own directory: only its owner connects through it.
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOGS/postgres.log" -w -t 60 start \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR" >/dev/null \
      || { echo "error: PostgreSQL did not start; see $LOGS/postgres.log" >&2; tail -n 5 "$LOGS/postgres.log" >&2; exit 1; }
    started_postgres=1
  fi
  # Role and database for the tracker store and the tickets (idempotent; the password is hex).
  as_pg_owner "$PG_BIN/psql" -q -h "$PG_DIR" -p "$PG_PORT" -U "$PG_OWNER" -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
SELECT 'CREATE ROLE rasa LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rasa')\gexec
ALTER ROLE rasa PASSWORD '$(db_password)';
SELECT 'CREATE DATABASE rasa OWNER rasa' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'rasa')\gexec
SQL
}

ensure_redis() {  # sets started_redis=1 when this call started the server
  if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
    return 0
  fi
  need_port "$REDIS_PORT" "Redis" SCALED_REDIS_PORT
  # Locks only: nothing worth persisting (no RDB snapshots, no append-only file).
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --dir "$RUN" --pidfile "$RUN/redis.pid" --logfile "$LOGS/redis.log"
  for _ in $(seq 1 20); do
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && { started_redis=1; return 0; }
    sleep 0.5
  done
  echo "error: Redis did not start on port $REDIS_PORT; see $LOGS/redis.log" >&2; exit 1
}

render_nginx_conf() {
  local rest="" socketio="" port
  for ((i = 0; i < REPLICAS; i++)); do
    port=$((RASA_FIRST_PORT + i))
    rest+="server 127.0.0.1:$port max_fails=1 fail_timeout=10s; "
    socketio+="server 127.0.0.1:$port; "
  done
  sed -e "s#@RUN@#$RUN#g" -e "s#@LOGS@#$LOGS#g" -e "s#@PORT@#$NGINX_PORT#g" -e "s#@WIDGET@#$ROOT/widget#g" \
      -e "s#@CONSOLE_PORT@#$CONSOLE_PORT#g" -e "s#@CONSOLE_FRONT_PORT@#$CONSOLE_FRONT_PORT#g" \
      -e "s#@REST_SERVERS@#$rest#" -e "s#@SOCKETIO_SERVERS@#$socketio#" \
      deploy/nginx.conf.template >"$STATE/nginx.conf"
}

command=${1:-run}
case "$command" in run|exec|services) ;; *) echo "usage: scripts/scaled.sh run|exec CMD...|services" >&2; exit 2 ;; esac
[[ "$REPLICAS" =~ ^[1-4]$ ]] || { echo "error: SCALED_REPLICAS must be 1 to 4 (got '$REPLICAS')." >&2; exit 2; }
scripts/install_services.sh
PG_BIN=$(pg_bin_dir)
[ -x "$PG_BIN/pg_ctl" ] || { echo "error: PostgreSQL's server programs are missing (no $PG_BIN/pg_ctl); run scripts/install_services.sh" >&2; exit 1; }

ensure_postgres
ensure_redis
if [ "$command" = services ]; then
  started_postgres=0 started_redis=0  # recovery: leave them running
  echo "PostgreSQL on 127.0.0.1:$PG_PORT and Redis on 127.0.0.1:$REDIS_PORT are up."
  exit 0
fi

ls models/*.tar.gz >/dev/null 2>&1 || { echo "error: no trained model in models/. Run 'make train' first." >&2; exit 1; }
need_port "$ACTION_PORT" "action server" SCALED_ACTION_PORT
need_port "$NGINX_PORT" "nginx front" SCALED_PORT
need_port "$CONSOLE_PORT" "staff console" SCALED_CONSOLE_PORT
need_port "$CONSOLE_FRONT_PORT" "staff console front" SCALED_CONSOLE_FRONT
rasa_ports=()
for ((i = 0; i < REPLICAS; i++)); do
  rasa_ports+=($((RASA_FIRST_PORT + i)))
  need_port "${rasa_ports[$i]}" "Rasa server $((i + 1))" SCALED_RASA_PORT
done

export TRACKER_DB_HOST=127.0.0.1 TRACKER_DB_PORT=$PG_PORT TRACKER_DB_NAME=rasa TRACKER_DB_USER=rasa
TRACKER_DB_PASSWORD=$(db_password)
export TRACKER_DB_PASSWORD
export REDIS_HOST=127.0.0.1 REDIS_PORT ACTION_SERVER_URL="http://127.0.0.1:$ACTION_PORT/webhook"
DB_URL="postgresql://rasa:$TRACKER_DB_PASSWORD@127.0.0.1:$PG_PORT/rasa"

# Tickets go to the same database; SANIC_HOST keeps the action server on loopback.
HANDOFF_DB_URL=$DB_URL SANIC_HOST=127.0.0.1 background "$LOGS/actions.log" "$rasa" run actions --port "$ACTION_PORT"
wait_for "http://127.0.0.1:$ACTION_PORT/health" "action server" 60 "$LOGS/actions.log" "${pids[-1]}"

# The staff console reads the same PostgreSQL database: tickets, accounts, the tracker store.
HANDOFF_DB_URL=$DB_URL TRACKER_DB_URL=$DB_URL SANIC_PROXIES_COUNT=1 \
  background "$LOGS/console.log" .venv/bin/python -m console --host 127.0.0.1 --port "$CONSOLE_PORT"
wait_for "http://127.0.0.1:$CONSOLE_PORT/login" "staff console" 60 "$LOGS/console.log" "${pids[-1]}"

rasa_pids=()
for port in "${rasa_ports[@]}"; do
  # shellcheck disable=SC2086 # CORS_ORIGINS is a space-separated list of origins
  background "$LOGS/rasa-$port.log" "$rasa" run -m models --endpoints endpoints.production.yml \
    --credentials credentials.yml --interface 127.0.0.1 --port "$port" --cors $CORS_ORIGINS
  rasa_pids+=("${pids[-1]}")
done
for i in "${!rasa_ports[@]}"; do
  wait_for "http://127.0.0.1:${rasa_ports[$i]}/" "Rasa server on port ${rasa_ports[$i]}" 300 \
    "$LOGS/rasa-${rasa_ports[$i]}.log" "${rasa_pids[$i]}"
done

render_nginx_conf
nginx -t -q -c "$STATE/nginx.conf" -e "$LOGS/nginx-error.log" \
  || { echo "error: the rendered nginx config $STATE/nginx.conf is invalid (see above)" >&2; exit 1; }
background "$LOGS/nginx.log" nginx -c "$STATE/nginx.conf" -e "$LOGS/nginx-error.log"
wait_for "http://127.0.0.1:$NGINX_PORT/webhooks/rest/" "nginx front" 30 "$LOGS/nginx-error.log" "${pids[-1]}"

case "$command" in
  run)
    cat <<MSG

The scaled assistant is running (logs in $LOGS/):
  chat widget demo:  http://localhost:$NGINX_PORT/
  REST webhook:      curl -s localhost:$NGINX_PORT/webhooks/rest/webhook -d '{"sender":"a","message":"hi"}'
  staff console:     http://localhost:$CONSOLE_FRONT_PORT/ (through nginx)
    accounts:        HANDOFF_DB_URL=postgresql://rasa:\$(cat var/scaled/db-password)@127.0.0.1:$PG_PORT/rasa make staff ARGS="add --role admin you@clinic"
  Rasa processes:    ${rasa_ports[*]} (pids ${rasa_pids[*]}), action server $ACTION_PORT
  PostgreSQL:        127.0.0.1:$PG_PORT, database rasa (password in var/scaled/db-password)
  Redis lock store:  127.0.0.1:$REDIS_PORT
Press Ctrl-C to stop.
MSG
    wait "${pids[-1]}"
    ;;
  exec)
    shift
    set +e
    BOT_URL="http://localhost:$NGINX_PORT" WIDGET_URL="http://localhost:$NGINX_PORT" SCALED_DB_URL="$DB_URL" \
      SCALED_RASA_PIDS="${rasa_pids[*]}" SCALED_RASA_PORTS="${rasa_ports[*]}" SCALED_REDIS_PORT="$REDIS_PORT" \
      SCALED_SCRIPT="$ROOT/scripts/scaled.sh" CONSOLE_URL="http://localhost:$CONSOLE_FRONT_PORT" "$@"
    exit $?
    ;;
esac
