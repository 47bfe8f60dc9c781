# shellcheck shell=bash
# lib.sh holds what the CI scripts that start a taskpilot server share.
# Source it after defining log(); it uses $root, $work and $server_pid.
# shellcheck disable=SC2154 # root and work are set by the sourcing script

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# taskpilot_bin prints the binary to test: $TASKPILOT_BIN, or bin/taskpilot
# built now.
taskpilot_bin() {
  if [[ -n ${TASKPILOT_BIN:-} ]]; then
    echo "$TASKPILOT_BIN"
    return
  fi
  log "building bin/taskpilot" >&2
  go build -o "$root/bin/taskpilot" ./cmd/taskpilot
  echo "$root/bin/taskpilot"
}

# stop_server stops the server started in the background, if any.
stop_server() {
  if [[ -n ${server_pid:-} ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}

# wait_healthy waits up to 30s for $1/healthz to answer; if it does not, it
# prints the server's log ($work/server.log), saying whether the server
# exited, and returns 1.
wait_healthy() {
  for _ in $(seq 150); do
    curl -fsS -o /dev/null "$1/healthz" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    log "the server did not become healthy at $1/healthz within 30s; its log:"
  else
    local rc=0
    wait "$server_pid" || rc=$?
    server_pid=
    log "the server exited (status $rc) before it became healthy; its log:"
  fi
  cat "$work/server.log"
  return 1
}
