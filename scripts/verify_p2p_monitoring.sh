#!/usr/bin/env bash
# Verifies wes-node's monitoring: the spec's five steps (build, unit tests, metric registration,
# every HTTP endpoint answers, metric content), then the node's own health verdict. One
# PASS/FAIL line per step; health that is not ok is a WARN, which does not fail the run.
# Exit 0 when no step failed, 1 when one did or the node cannot be reached, 2 for a bad argument.
#
#   scripts/verify_p2p_monitoring.sh                  # builds, tests, checks its own node
#   scripts/verify_p2p_monitoring.sh --addr host:port # checks a running node: bash and curl only
# A node that requires a token: --token-file <file>, WES_DIAGNOSTICS_TOKEN_FILE or
# WES_DIAGNOSTICS_TOKEN, as for `wes-node diag`.
set -uo pipefail

USAGE="usage: $0 [--addr host:port] [--token-file file]"
usage_error() {
  echo "verify: $1" >&2
  echo "$USAGE" >&2
  exit 2
}

ADDR=''
TOKEN_FILE=${WES_DIAGNOSTICS_TOKEN_FILE:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --addr | --token-file)
      [ $# -ge 2 ] && [ -n "$2" ] || usage_error "$1 needs a value"
      if [ "$1" = --addr ]; then ADDR=$2; else TOKEN_FILE=$2; fi
      shift 2
      ;;
    --addr=*) ADDR=${1#--addr=}; shift ;;
    --token-file=*) TOKEN_FILE=${1#--token-file=}; shift ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage_error "unknown argument $1" ;;
  esac
done

# host:port as `wes-node diag --addr` takes it (IPv6 in brackets, port 1 to 65535), or the same
# behind http://. Prints host:port.
check_addr() {
  local addr=$1 hostport host port
  local why=''
  hostport=${addr#http://}
  hostport=${hostport%/}
  case "$hostport" in
    *://*) why='write it as host:port or http://host:port' ;;
    \[*)
      host=${hostport%%]*}
      host=${host#[}
      port=${hostport#*]}
      if [ "${port:0:1}" != ':' ]; then
        why='a bracketed IPv6 host must be followed by :port'
      elif ! [[ $host =~ ^[0-9A-Fa-f:.]+$ && $host == *:* ]]; then
        why="\"$host\" is not an IPv6 address"
      fi
      port=${port#:}
      ;;
    *:*)
      host=${hostport%:*}
      port=${hostport##*:}
      if [[ $host == *:* ]]; then
        why='write an IPv6 host in brackets'
      elif [ -z "$host" ]; then
        why='the host is missing'
      elif ! [[ $host =~ ^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$ ]]; then
        why="\"$host\" is not a valid host"
      fi
      ;;
    *) why='the port is missing' ;;
  esac
  if [ -z "$why" ]; then
    if ! [[ $port =~ ^[0-9]+$ ]] || [ "${#port}" -gt 5 ]; then
      why="\"$port\" is not a port number"
    elif [ "$((10#$port))" -lt 1 ] || [ "$((10#$port))" -gt 65535 ]; then
      why="port $((10#$port)) is out of range 1-65535"
    fi
  fi
  [ -z "$why" ] || usage_error "invalid --addr \"$addr\": $why (expected host:port, e.g. 127.0.0.1:28686 or [::1]:28686)"
  printf '%s\n' "$hostport"
}
[ -z "$ADDR" ] || ADDR=$(check_addr "$ADDR") || exit 2

WORK=$(mktemp -d) || exit 1
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

# The bearer token as the CLI takes it: the file first, then the variable. It goes to curl in a
# header file (mode 0600), never on a command line where `ps` would show it.
trim() {
  local v=$1
  v=${v#"${v%%[![:space:]]*}"}
  printf '%s' "${v%"${v##*[![:space:]]}"}"
}
TOKEN=''
if [ -n "$TOKEN_FILE" ]; then
  [ -f "$TOKEN_FILE" ] && [ -r "$TOKEN_FILE" ] || usage_error "cannot read token file $TOKEN_FILE"
  TOKEN=$(trim "$(cat "$TOKEN_FILE")")
  [ -n "$TOKEN" ] || usage_error "token file $TOKEN_FILE is empty"
else
  TOKEN=$(trim "${WES_DIAGNOSTICS_TOKEN:-}")
fi
# the rule of the node and the CLI (TOKEN_RULE of @wes/diagnostics)
[ -z "$TOKEN" ] || [[ $TOKEN =~ ^[^[:space:]]{16,4096}$ ]] ||
  usage_error "the diagnostics token must be 16 to 4096 characters without whitespace (${TOKEN_FILE:-WES_DIAGNOSTICS_TOKEN})"
CURL_AUTH=()
if [ -n "$TOKEN" ]; then
  (umask 077 && printf 'Authorization: Bearer %s\n' "$TOKEN" >"$WORK/auth")
  CURL_AUTH=(-H "@$WORK/auth")
fi

# The contract this script checks, copied from @wes/diagnostics so that it needs no build:
# SPEC_METRICS of packages/diagnostics/src/metric-table.ts, and each view of
# packages/diagnostics/src/views/ with its required keys and their JSON types.
# apps/wes-node/test/unit/verify-script.test.ts keeps both equal to the code.
SPEC_METRICS='
p2p_connections_total gauge
p2p_peers_total gauge
p2p_bandwidth_in_rate_bytes_per_sec gauge
p2p_bandwidth_out_rate_bytes_per_sec gauge
p2p_bandwidth_in_total_bytes gauge
p2p_bandwidth_out_total_bytes gauge
p2p_discovery_bootstrap_attempt_total counter
p2p_discovery_bootstrap_success_total counter
p2p_discovery_mdns_peer_found_total counter
p2p_discovery_mdns_connect_success_total counter
p2p_discovery_mdns_connect_fail_total counter
p2p_discovery_last_bootstrap_unixtime gauge
p2p_discovery_last_mdns_found_unixtime gauge
'
VIEWS='
/debug/p2p/peers peers:number peer_ids:array
/debug/p2p/connections connections:number
/debug/p2p/stats peers:number connections:number host_id:string bandwidth.in_rate_bps:number bandwidth.out_rate_bps:number bandwidth.in_total_bytes:number bandwidth.out_total_bytes:number
/debug/p2p/health status:string reasons:array host_id:string num_peers:number num_conns:number reachability:string autoNAT_status:string relay_stats.enabled:boolean addresses:array
/debug/p2p/routing routing_table_size:number mode:string num_bootstrap_peers:number
'

# get <path> <body file>: prints "<status> <content type>"; curl's exit code on a transport error.
# -q: no ~/.curlrc; -g: [::1] is a host, not a glob; --noproxy: the node is dialled directly,
# as the CLI does, whatever http_proxy says.
get() {
  curl -q -sS -g --noproxy '*' --connect-timeout 5 --max-time 5 ${CURL_AUTH[@]+"${CURL_AUTH[@]}"} \
    -o "$2" -w '%{http_code} %{content_type}' "http://$ADDR$1" 2>"$WORK/curl.err"
}

# A JSON document on stdin as one line per value: path, type, value (tab-separated). Keys nest
# with dots, array items by index (`reasons.0.code`); the root's path is empty. Exit 1 when the
# input is not JSON. POSIX awk, so that no jq is needed.
flatten_json() {
  awk '
    function fail(why) { if (err == "") err = why " at byte " pos; return 0 }
    function skip() { while (pos <= n && index(" \t\r\n", substr(s, pos, 1)) > 0) pos++ }
    function emit(path, type, v) { out = out path "\t" type "\t" v "\n" }
    function str(   res, c) {
      pos++
      res = ""
      while (pos <= n) {
        c = substr(s, pos, 1)
        if (c == "\\") { res = res substr(s, pos, 2); pos += 2; continue }
        if (c == "\"") { pos++; return res }
        res = res c
        pos++
      }
      fail("unterminated string")
      return res
    }
    function value(path,   c, i, key) {
      skip()
      c = substr(s, pos, 1)
      if (c == "{") {
        emit(path, "object", "")
        pos++
        skip()
        if (substr(s, pos, 1) == "}") { pos++; return 1 }
        while (1) {
          skip()
          if (substr(s, pos, 1) != "\"") return fail("expected a key")
          key = str()
          skip()
          if (substr(s, pos, 1) != ":") return fail("expected :")
          pos++
          if (!value(path == "" ? key : path "." key)) return 0
          skip()
          c = substr(s, pos, 1)
          pos++
          if (c == "}") return 1
          if (c != ",") return fail("expected , or }")
        }
      }
      if (c == "[") {
        emit(path, "array", "")
        pos++
        skip()
        if (substr(s, pos, 1) == "]") { pos++; return 1 }
        for (i = 0; ; i++) {
          if (!value(path == "" ? i : path "." i)) return 0
          skip()
          c = substr(s, pos, 1)
          pos++
          if (c == "]") return 1
          if (c != ",") return fail("expected , or ]")
        }
      }
      if (c == "\"") { emit(path, "string", str()); return 1 }
      if (substr(s, pos, 4) == "true") { pos += 4; emit(path, "boolean", "true"); return 1 }
      if (substr(s, pos, 5) == "false") { pos += 5; emit(path, "boolean", "false"); return 1 }
      if (substr(s, pos, 4) == "null") { pos += 4; emit(path, "null", ""); return 1 }
      if (match(substr(s, pos), /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
        emit(path, "number", substr(s, pos, RLENGTH))
        pos += RLENGTH
        return 1
      }
      return fail(pos > n ? "unexpected end" : "unexpected " c)
    }
    { s = s $0 "\n" }
    END {
      n = length(s)
      pos = 1
      err = ""
      if (value("")) { skip(); if (pos <= n) fail("trailing text") }
      if (err != "") { print err > "/dev/stderr"; exit 1 }
      printf "%s", out
    }'
}

# json_at <flat file> <path>: prints "<type>\t<value>", or "undefined" when the path is absent.
json_at() {
  awk -F '\t' -v p="$2" '$1 == p { print $2 "\t" $3; found = 1; exit } END { if (!found) print "undefined" }' "$1"
}

# A JSON string as read by flatten_json, unescaped for printing.
unescape() {
  sed -e 's/\\n/ /g' -e 's/\\t/ /g' -e 's/\\"/"/g' -e 's|\\/|/|g' -e 's/\\\\/\\/g'
}

# Why an answer is not the 200 we need, in the CLI's words for the usual cases.
status_problem() { # status_problem <path> <status> <body file>
  local body
  body=$(head -c 200 "$3" | tr '\n' ' ')
  case "$2" in
    401) echo "$1 answered 401: the node needs a valid token (--token-file, WES_DIAGNOSTICS_TOKEN_FILE or WES_DIAGNOSTICS_TOKEN)" ;;
    503) echo "$1 answered 503: the node is not ready: $body" ;;
    *) echo "$1 answered $2: $body" ;;
  esac
}

# Checks print one problem a line and return non-zero when there was one.
check_registration() {
  local reply status type problems=0
  reply=$(get /metrics "$WORK/metrics") || { echo "cannot reach $ADDR: $(cat "$WORK/curl.err")"; return 1; }
  status=${reply%% *}
  type=${reply#* }
  if [ "$status" != 200 ]; then
    status_problem /metrics "$status" "$WORK/metrics"
    return 1
  fi
  if [ "$type" != 'text/plain; version=0.0.4; charset=utf-8' ]; then
    echo "/metrics content type is $type"
    problems=1
  fi
  # one pass over the scrape: the HELP and TYPE lines of every name of the table
  printf '%s\n' "$SPEC_METRICS" | awk '
    FNR == NR { if (NF == 2) { kind[$1] = $2; order[++n] = $1 } next }
    $1 == "#" && $2 == "HELP" && ($3 in kind) { help[$3] = 1 }
    $1 == "#" && $2 == "TYPE" && ($3 in kind) && NF == 4 { type[$3] = $4 }
    END {
      for (i = 1; i <= n; i++) {
        m = order[i]
        if (!(m in help)) { print m " has no HELP line"; bad = 1 }
        if (type[m] != kind[m]) { print m " is not registered as a " kind[m]; bad = 1 }
      }
      exit bad
    }' - "$WORK/metrics" || problems=1
  return "$problems"
}

check_endpoints() {
  local reply status type problems=0 path keys key want got
  while read -r path keys; do
    [ -n "$path" ] || continue
    reply=$(get "$path" "$WORK/body") || { echo "cannot reach $ADDR: $(cat "$WORK/curl.err")"; return 1; }
    status=${reply%% *}
    type=${reply#* }
    if [ "$status" != 200 ]; then
      status_problem "$path" "$status" "$WORK/body"
      # one token guards every route: the other views would say the same
      [ "$status" != 401 ] || return 1
      problems=1
      continue
    fi
    case "$type" in application/json*) ;; *) echo "$path content type is $type"; problems=1 ;; esac
    if ! flatten_json <"$WORK/body" >"$WORK/flat" 2>"$WORK/json.err"; then
      echo "$path is not JSON ($(cat "$WORK/json.err"))"
      problems=1
      continue
    fi
    got=$(json_at "$WORK/flat" '')
    if [ "${got%%$'\t'*}" != object ]; then
      echo "$path: the body is ${got%%$'\t'*}, expected object"
      problems=1
      continue
    fi
    for key in $keys; do
      want=${key#*:}
      key=${key%%:*}
      got=$(json_at "$WORK/flat" "$key")
      got=${got%%$'\t'*}
      [ "$got" = "$want" ] || { echo "$path: $key is $got, expected $want"; problems=1; }
    done
  done <<<"$VIEWS"
  reply=$(get /metrics "$WORK/metrics") || { echo "cannot reach $ADDR: $(cat "$WORK/curl.err")"; return 1; }
  [ "${reply%% *}" = 200 ] || { echo "/metrics answered ${reply%% *}"; problems=1; }
  return "$problems"
}

# The sample of an unlabelled series (check_content has collected them), or nothing.
sample() { awk -v m="$1" '$1 == m { print $2; exit }' "$WORK/samples"; }

# json_number <path> <key>: the number at <key> of the view at <path>, or nothing.
json_number() {
  local reply got
  reply=$(get "$1" "$WORK/body") && [ "${reply%% *}" = 200 ] || return 0
  flatten_json <"$WORK/body" >"$WORK/flat" 2>/dev/null || return 0
  got=$(json_at "$WORK/flat" "$2")
  [ "${got%%$'\t'*}" = number ] && printf '%s\n' "${got#*$'\t'}"
}

same_number() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a + 0 == b + 0) }'; }

check_content() {
  local reply problems=0 peers connections attempts successes
  reply=$(get /metrics "$WORK/metrics") || { echo "cannot reach $ADDR: $(cat "$WORK/curl.err")"; return 1; }
  if [ "${reply%% *}" != 200 ]; then
    status_problem /metrics "${reply%% *}" "$WORK/metrics"
    return 1
  fi
  # the unlabelled samples, once; each name of the table needs a finite value >= 0
  awk 'NF == 2 && $1 !~ /^#/ { print }' "$WORK/metrics" >"$WORK/samples"
  printf '%s\n' "$SPEC_METRICS" | awk '
    FNR == NR { if (NF == 2) order[++n] = $1; next }
    { value[$1] = $2 }
    END {
      for (i = 1; i <= n; i++) {
        m = order[i]
        if (!(m in value)) { print m " has no sample"; bad = 1 }
        else if (value[m] !~ /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) { print m " is " value[m]; bad = 1 }
      }
      exit bad
    }' - "$WORK/samples" || problems=1
  peers=$(json_number /debug/p2p/peers peers)
  connections=$(json_number /debug/p2p/connections connections)
  same_number "$(sample p2p_peers_total)" "$peers" ||
    { echo "p2p_peers_total $(sample p2p_peers_total) disagrees with /debug/p2p/peers ${peers:-(no number)}"; problems=1; }
  same_number "$(sample p2p_connections_total)" "$connections" ||
    { echo "p2p_connections_total $(sample p2p_connections_total) disagrees with /debug/p2p/connections ${connections:-(no number)}"; problems=1; }
  attempts=$(sample p2p_discovery_bootstrap_attempt_total)
  successes=$(sample p2p_discovery_bootstrap_success_total)
  if awk -v a="${attempts:-0}" -v s="${successes:-0}" 'BEGIN { exit !(s + 0 > a + 0) }'; then
    echo 'more bootstrap successes than attempts'
    problems=1
  fi
  return "$problems"
}

failures=0
STEPS=6
step() { # step <n> <title> <command...>
  local n=$1 title=$2
  shift 2
  if "$@" >"$WORK/step.log" 2>&1; then
    echo "PASS [$n/$STEPS] $title"
  else
    echo "FAIL [$n/$STEPS] $title"
    tail -n 20 "$WORK/step.log" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}

# The node's own verdict: ok passes; degraded or down is a warning with the reasons, since the
# monitoring works when it reports a sick node. Only an unreadable verdict fails.
health_step() {
  local title="node health ($ADDR)" reply got status i code severity message hint why=''
  : >"$WORK/health.flat"
  if ! reply=$(get /debug/p2p/health "$WORK/health"); then
    why="cannot reach $ADDR: $(cat "$WORK/curl.err")"
  elif [ "${reply%% *}" != 200 ]; then
    why=$(status_problem /debug/p2p/health "${reply%% *}" "$WORK/health")
  elif ! flatten_json <"$WORK/health" >"$WORK/health.flat" 2>/dev/null; then
    why='/debug/p2p/health is not JSON'
  fi
  got=$(json_at "$WORK/health.flat" status)
  status=${got#*$'\t'}
  case "${got%%$'\t'*}:$status" in
    string:ok) echo "PASS [6/$STEPS] $title: ok" ;;
    string:degraded | string:down) echo "WARN [6/$STEPS] $title: $status (the node's own verdict; not a monitoring failure)" ;;
    *)
      echo "FAIL [6/$STEPS] $title: no verdict"
      if [ -z "$why" ]; then
        why="status is ${got%%$'\t'*}, expected ok, degraded or down"
        [ "${got%%$'\t'*}" != string ] || why="status is \"$status\", expected ok, degraded or down"
      fi
      echo "    $why"
      failures=$((failures + 1))
      return
      ;;
  esac
  for ((i = 0; ; i++)); do
    got=$(json_at "$WORK/health.flat" "reasons.$i.code")
    [ "${got%%$'\t'*}" = string ] || break
    code=${got#*$'\t'}
    severity=$(json_at "$WORK/health.flat" "reasons.$i.severity" | cut -f 2)
    message=$(json_at "$WORK/health.flat" "reasons.$i.message" | cut -f 2 | unescape)
    hint=$(json_at "$WORK/health.flat" "reasons.$i.hint" | cut -f 2 | unescape)
    echo "    $code ($severity): $message"
    [ -z "$hint" ] || echo "      hint: $hint"
  done
}

# Fails fast, in one line, when nothing answers at the address.
reachable() {
  if ! get /metrics "$WORK/probe" >/dev/null; then
    case "$(cat "$WORK/curl.err")" in
      *'(7)'*) echo "verify: cannot reach $ADDR: connection refused (is the node running, with diagnostics enabled?)" >&2 ;;
      *'(6)'*) echo "verify: cannot reach $ADDR: unknown host" >&2 ;;
      *'(28)'*) echo "verify: cannot reach $ADDR: no answer within 5 s" >&2 ;;
      *) echo "verify: cannot reach $ADDR: $(sed 's/^curl: ([0-9]*) //' "$WORK/curl.err")" >&2 ;;
    esac
    return 1
  fi
}

if [ -n "$ADDR" ]; then
  reachable || exit 1
  echo "SKIP [1/$STEPS] build (--addr: checking a running node)"
  echo "SKIP [2/$STEPS] unit tests (--addr: checking a running node)"
else
  # Its own node: build and test the checkout first, with the workspace's Node 24 (libp2p 3
  # needs >= 22; the machine's own node may be older).
  ROOT=$(cd "$(dirname "$0")/.." && pwd)
  cd "$ROOT" || exit 1
  NODE="$ROOT/node_modules/.bin/node"
  [ -x "$NODE" ] || NODE=node
  step 1 'build' pnpm run build
  step 2 'unit tests' env WES_JEST_RESULTS="$WORK/unit-results.json" "$NODE" tooling/scripts/run-tests.mjs --unit

  "$NODE" apps/wes-node/bin/wes-node.js start --data-dir "$WORK/data" --listen /ip4/127.0.0.1/tcp/0 \
    --diagnostics-addr 127.0.0.1:0 --no-mdns --log-level warn >"$WORK/node.out" 2>"$WORK/node.err" &
  NODE_PID=$!
  for _ in $(seq 1 150); do
    ADDR=$(sed -n 's|^diagnostics: http://||p' "$WORK/node.out" | head -n 1)
    [ -n "$ADDR" ] && break
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$ADDR" ]; then
    echo "verify: the node did not start: $(head -c 500 "$WORK/node.err")" >&2
    for n in 3 4 5 6; do echo "FAIL [$n/$STEPS] no node to check"; done
    exit 1
  fi
  if ! reachable; then
    for n in 3 4 5 6; do echo "FAIL [$n/$STEPS] no node to check"; done
    exit 1
  fi
fi

step 3 "metric registration ($ADDR)" check_registration
step 4 "HTTP endpoints answer ($ADDR)" check_endpoints
step 5 "metric content ($ADDR)" check_content
health_step

[ "$failures" -eq 0 ]
