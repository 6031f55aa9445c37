# Sourced by scripts/bot.sh and scripts/scaled.sh: start servers in process groups of their own,
# wait for them to answer, and stop them all on exit (the caller sets the trap).
# One thread each for TensorFlow's op pools (Rasa reads these two) and OpenBLAS in every server:
# a turn's matrices are small, and idle worker threads spin on the cores the other processes need
# (measured: Rasa's CPU per turn 134 -> 70 ms, one process at 50 concurrent 14 -> 17 turns/s; the
# scaled run 25.7 vs 22.2 turns/s with TensorFlow alone on one thread; docs/benchmarks.md).
export TF_INTRA_OP_PARALLELISM_THREADS=${TF_INTRA_OP_PARALLELISM_THREADS:-1}
export TF_INTER_OP_PARALLELISM_THREADS=${TF_INTER_OP_PARALLELISM_THREADS:-1}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
pids=()

stop_processes() {
  # The process group; a process that is not a group leader (bot.sh's shell) by itself.
  for pid in "${pids[@]:-}"; do [ -n "$pid" ] && { kill -TERM -- "-$pid" || kill -TERM "$pid"; } 2>/dev/null || true; done
  for pid in "${pids[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
need_port() {  # port, name, the setting that moves it
  port_free "$1" || { echo "error: port $1 ($2) is already in use. Stop what uses it ('fuser -k $1/tcp' if it is a previous run) or set $3=<free port>." >&2; exit 1; }
}
wait_for() {  # url, name, seconds, log[, pid: give up as soon as that process has exited]
  for _ in $(seq 1 "$3"); do
    curl -sf -o /dev/null "$1" && return 0
    [ -z "${5:-}" ] || kill -0 "$5" 2>/dev/null || break
    sleep 1
  done
  echo "error: the $2 did not start within $3 s; see $4" >&2; tail -n 5 "$4" >&2; exit 1
}
background() {  # log, command...: a process group of its own, so stop_processes ends its children too
  local log=$1; shift
  setsid "$@" >"$log" 2>&1 &
  pids+=($!)
}
