#!/usr/bin/env bash
# Verifies wes-node's monitoring in the spec's five steps: build, unit tests, metric
# registration, every HTTP endpoint answers, metric content. One PASS/FAIL line per step;
# exits non-zero on any failure.
#
#   scripts/verify_p2p_monitoring.sh                  # starts its own node on free ports
#   scripts/verify_p2p_monitoring.sh --addr host:port # checks a running node instead
# A node that requires a token: set WES_DIAGNOSTICS_TOKEN_FILE or WES_DIAGNOSTICS_TOKEN.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ADDR=''
while [ $# -gt 0 ]; do
  case "$1" in
    --addr) ADDR=${2:-}; [ -n "$ADDR" ] || { echo 'verify: --addr needs host:port' >&2; exit 2; }; shift 2 ;;
    --addr=*) ADDR=${1#--addr=}; shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "verify: unknown argument $1 (usage: $0 [--addr host:port])" >&2; exit 2 ;;
  esac
done

cd "$ROOT" || exit 1
# The workspace's Node 24 (libp2p 3 needs >= 22); the machine's own node may be older.
NODE="$ROOT/node_modules/.bin/node"
[ -x "$NODE" ] || NODE=node
CHECKS="$ROOT/scripts/lib/monitoring-checks.mjs"

failures=0
WORK=$(mktemp -d)
NODE_PID=''
cleanup() {
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$NODE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NODE_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { # step <n> <title> <command...>
  local n=$1 title=$2
  shift 2
  if "$@" >"$WORK/step.log" 2>&1; then
    echo "PASS [$n/5] $title"
  else
    echo "FAIL [$n/5] $title"
    tail -n 20 "$WORK/step.log" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}

start_node() {
  "$NODE" apps/wes-node/bin/wes-node.js start --data-dir "$WORK/data" --listen /ip4/127.0.0.1/tcp/0 \
    --diagnostics-addr 127.0.0.1:0 --no-mdns --log-level warn >"$WORK/node.out" 2>"$WORK/node.err" &
  NODE_PID=$!
  for _ in $(seq 1 150); do
    ADDR=$(sed -n 's|^diagnostics: http://||p' "$WORK/node.out" | head -n 1)
    [ -n "$ADDR" ] && return 0
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "    the node did not start: $(head -c 500 "$WORK/node.err")" >&2
  return 1
}

step 1 'build' pnpm run build
step 2 'unit tests' env WES_JEST_RESULTS="$WORK/unit-results.json" "$NODE" tooling/scripts/run-tests.mjs --unit

if [ -z "$ADDR" ] && ! start_node; then
  for n in 3 4 5; do echo "FAIL [$n/5] no node to check"; done
  exit 1
fi
step 3 "metric registration ($ADDR)" "$NODE" "$CHECKS" registration "$ADDR"
step 4 "HTTP endpoints answer ($ADDR)" "$NODE" "$CHECKS" endpoints "$ADDR"
step 5 "metric content ($ADDR)" "$NODE" "$CHECKS" content "$ADDR"

[ "$failures" -eq 0 ]
