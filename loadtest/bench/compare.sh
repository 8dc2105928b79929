#!/usr/bin/env bash
# compare.sh: stgw side by side with nginx and HAProxy on this machine, one worker each, the
# same backend, the same certificates, upstream keep-alive on, pinned so that the proxy has
# core 1 to itself and the load generator (stgw-load) and the backend share core 0.
#
#   loadtest/bench/compare.sh [--quick] [--out FILE] [--no-install] [--keep]
#
#   --quick       one run of 2 s per case (and 1,000 parked polls) to try it out; default is
#                 five interleaved runs of 3 s per case, medians reported (this VM's run-to-run
#                 spread is about ±25 %: more, shorter runs give steadier medians)
#   --out FILE    where the report goes (default docs/BENCHMARKS.md; "-" = stdout only)
#   --no-install  do not apt-get install missing tools
#   --keep        keep the work directory (configs, logs, JSON reports) for inspection
#   --cases LIST  only these cases, e.g. "1" or "1 3" (default "1 2 3 4 5"); for a quick look
#                 while optimising; a partial run does not write docs/BENCHMARKS.md by default
#   --nice N      run the whole comparison in its own session whose scheduling group
#                 (/proc/self/autogroup) has nice N, e.g. -10, and the processes at nice N too:
#                 on a machine busy with other people's work this keeps the measurement about
#                 the proxies rather than about the other jobs (root only; default 0 = as is)
#   STGW_BUILD=DIR  use stgw, stps-sim and stgw-load from an existing build directory instead
#                   of building build/ (RelWithDebInfo, as scripts/build.sh does)
#
# Cases (see issue 6): 1 keep-alive cleartext and TLS at 50 and 200 connections; 2 the same with
# LTPA cookies, validated by stgw only; 3 TLS handshakes/s with ECDSA P-256 and RSA-2048;
# 4 memory per parked long poll (cleartext and TLS) and stgw's descriptor budget plus 200;
# 5 added p99 at a fixed rate of half the measured maximum, against the backend reached directly.
# Every wait is bounded; the processes started here are stopped by their pid on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
QUICK=0
OUT="$ROOT/docs/BENCHMARKS.md"
INSTALL=1
KEEP=0
NICE=0
CASES="1 2 3 4 5"
ARGS=("$@")
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT=$2; shift ;;
    --no-install) INSTALL=0 ;;
    --keep) KEEP=1 ;;
    --cases) CASES=$2; shift ;;
    --nice) NICE=$2; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

# With autogroup scheduling (the kernel's default) a nice value only counts inside its session:
# start a session of our own and give its group the priority asked for.
if ((NICE != 0)) && [[ -z ${STGW_BENCH_SESSION:-} && -w /proc/self/autogroup ]]; then
  STGW_BENCH_SESSION=1 setsid "$0" "${ARGS[@]}" &
  inner=$!
  trap 'kill -TERM "$inner" 2>/dev/null' INT TERM
  wait "$inner"; exit $?
fi
if ((NICE != 0)) && [[ -n ${STGW_BENCH_SESSION:-} ]]; then
  echo "$NICE" >/proc/self/autogroup 2>/dev/null || true
fi

if ((QUICK)); then RUNS=1; DUR=2s; PARKED=1000; HS_RUNS=1; else RUNS=5; DUR=3s; PARKED=5000; HS_RUNS=9; fi
HS_DUR=1s                   # case 3: HS_RUNS runs of HS_DUR per proxy and key type
EXTRA=200                   # clients beyond stgw's descriptor budget
PROXY_CPU=1                 # the proxy's core
LOAD_CPU=0                  # load generator and backend
WORK=$(mktemp -d /tmp/stgw-bench.XXXXXX)
STARTED=()                  # pids started by this script
T0=$(date +%s)

log() { printf '[%s %4ss] %s\n' "$(date +%T)" "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "error: $*"; exit 1; }

cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((KEEP)); then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------------------
# Tools and build

install_missing() {
  local packages=()
  command -v nginx >/dev/null || packages+=(nginx-light)
  command -v haproxy >/dev/null || packages+=(haproxy)
  command -v wrk >/dev/null || packages+=(wrk)
  command -v jq >/dev/null || packages+=(jq)
  command -v openssl >/dev/null || packages+=(openssl)
  command -v taskset >/dev/null || packages+=(util-linux)
  command -v curl >/dev/null || packages+=(curl)
  ((${#packages[@]})) || return 0
  ((INSTALL)) || die "missing: ${packages[*]} (run without --no-install)"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  log "installing ${packages[*]}"
  $sudo apt-get install -y "${packages[@]}" >/dev/null ||
    { $sudo apt-get update -qq && $sudo apt-get install -y "${packages[@]}" >/dev/null; }
}

build() {
  if [[ -n "${STGW_BUILD:-}" ]]; then
    BUILD=$STGW_BUILD
  else
    BUILD="$ROOT/build"
    log "building stgw, stps-sim and stgw-load in $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" --target stgw stps-sim stgw-load -j "$(nproc)" >/dev/null
  fi
  STGW="$BUILD/gateway/cli/stgw"
  SIM="$BUILD/loadtest/stps_sim/stps-sim"
  LOAD="$BUILD/loadtest/load/stgw-load"
  for b in "$STGW" "$SIM" "$LOAD"; do [[ -x $b ]] || die "$b is missing (build it or set STGW_BUILD)"; done
}

# ------------------------------------------------------------------------------------------
# Processes, ports and measurements

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Sixteen consecutive free ports from a random base below the ephemeral range, so that no
# outgoing connection (ours or another program's) can be holding one when a proxy binds it.
pick_ports() {
  local low
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  PORT_LOW=10000; PORT_HIGH=$((low - 20))
  local tries=0 base p ok
  while ((tries++ < 50)); do
    base=$((PORT_LOW + RANDOM % (PORT_HIGH - PORT_LOW))); ok=1
    for ((p = base; p < base + 16; p++)); do if port_busy "$p"; then ok=0; break; fi; done
    ((ok)) && { PORT_BASE=$base; return 0; }
  done
  die "no free port range found"
}

wait_port() { # PORT [SECONDS]
  local i
  for ((i = 0; i < ${2:-15} * 10; i++)); do port_busy "$1" && return 0; sleep 0.1; done
  return 1
}

# Command prefixes: that core only, at the chosen priority.  Prefixes, not functions, so that a
# background job's $! is the program itself (nice and taskset exec it) and not a subshell.
PIN_PROXY=(nice -n "$NICE" taskset -c "$PROXY_CPU")
PIN_LOAD=(nice -n "$NICE" taskset -c "$LOAD_CPU")

# start NAME proxy|load COMMAND...: runs COMMAND pinned in the background; sets LAST_PID.
start() {
  local name=$1 where=$2; shift 2
  if [[ $where == proxy ]]; then
    "${PIN_PROXY[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  else
    "${PIN_LOAD[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  fi
  LAST_PID=$!
  STARTED+=("$LAST_PID")
}

stop() { # PID: TERM, then KILL after 5 s
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cpu_ticks() { # PID → utime+stime of every thread, in clock ticks
  local stat
  stat=$(cat "/proc/$1/stat") || { echo 0; return; }
  stat=${stat##*) }               # fields after the command name
  awk '{print $12 + $13}' <<<"$stat"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
TICK=$(getconf CLK_TCK)

median() { sort -g | awk 'NF {v[++n] = $1} END {if (n == 0) print "nan"; else print v[int((n + 1) / 2)]}'; }

# load OUT.json ARGS...: one stgw-load run pinned to the load core.
load() {
  local out=$1; shift
  "${PIN_LOAD[@]}" "$LOAD" "$@" --json --no-progress >"$out" 2>"$out.err" ||
    log "stgw-load failed: $* ($(tail -c 300 "$out.err"))"
}
jnum() { jq -r "$2 // 0" "$1" 2>/dev/null || echo 0; }

# ------------------------------------------------------------------------------------------
# Configurations

make_material() {
  log "certificates (ECDSA P-256, RSA-2048) and LTPA keys"
  local kind
  for kind in ec rsa; do
    local newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
    [[ $kind == rsa ]] && newkey=(-newkey rsa:2048)
    openssl req -x509 "${newkey[@]}" -nodes -days 7 -subj /CN=localhost \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      -keyout "$WORK/$kind.key" -out "$WORK/$kind.pem" 2>/dev/null
    cat "$WORK/$kind.pem" "$WORK/$kind.key" >"$WORK/$kind.combined.pem"
  done
  chmod 644 "$WORK"/*.pem "$WORK"/*.key
  printf 'bench-ltpa-password\n' >"$WORK/ltpa.password"
  "$STGW" keys generate --out "$WORK/ltpa.keys" --password-file "$WORK/ltpa.password" \
    --realm benchrealm >/dev/null || die "stgw keys generate failed"
  # One token per connection, minted once so that every run presents the same cookies (the
  # validation cache stays warm across runs, as it would with returning users).
  local i
  for ((i = 1; i <= 200; i++)); do
    "$STGW" token mint --keys "$WORK/ltpa.keys" --password-file "$WORK/ltpa.password" \
      --user "benchuser$i" --ttl 4h
  done >"$WORK/tokens.txt" || die "stgw token mint failed"
}

nginx_common() { # NAME → the lines every nginx config shares
  cat <<CONF
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $WORK/$1.pid;
error_log $WORK/$1.error.log warn;
events { worker_connections 20000; }
CONF
}

nginx_temp_paths() { # NAME
  local d="$WORK/$1.tmp"
  mkdir -p "$d"
  echo "client_body_temp_path $d/body; proxy_temp_path $d/proxy; fastcgi_temp_path $d/fcgi;"
  echo "uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;"
}

# The backend: nginx answering every request itself with a small JSON body.
write_backend_conf() {
  { nginx_common backend
    cat <<CONF
http {
  access_log off;
  $(nginx_temp_paths backend)
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$BACKEND_PORT reuseport backlog=4096;
    default_type application/json;
    location / { return 200 '{"user":"benchuser","status":"available"}\n'; }
  }
}
CONF
  } >"$WORK/backend.conf"
}

# PROXY_BACKEND is host:port of what the proxies forward to (nginx backend or stps-sim).
write_nginx_conf() { # CERT_KIND
  { nginx_common nginx
    cat <<CONF
http {
  access_log off;
  $(nginx_temp_paths nginx)
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  upstream backend { server $PROXY_BACKEND; keepalive 512; keepalive_requests 100000000; }
  server {
    listen 127.0.0.1:$NGINX_HTTP backlog=4096;
    listen 127.0.0.1:$NGINX_HTTPS ssl backlog=4096;
    ssl_certificate $WORK/$1.pem;
    ssl_certificate_key $WORK/$1.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 700s;
    }
  }
}
CONF
  } >"$WORK/nginx.conf"
}

write_haproxy_conf() { # CERT_KIND
  cat >"$WORK/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 9900
  ssl-server-verify none
defaults
  mode http
  maxconn 9900
  timeout connect 5s
  timeout client 700s
  timeout server 700s
  timeout http-keep-alive 300s
  option http-keep-alive
  http-reuse always
frontend front
  bind 127.0.0.1:$HAP_HTTP
  bind 127.0.0.1:$HAP_HTTPS ssl crt $WORK/$1.combined.pem alpn http/1.1
  default_backend back
backend back
  server b1 $PROXY_BACKEND
CONF
}

# write_stgw_conf CERT_KIND AUTH(none|required) [NAME [FIRST_PORT [BUSY_POLL_US]]]: NAME.toml
# with the http, https and admin listeners on FIRST_PORT and the two ports after it.
write_stgw_conf() {
  local name=${3:-stgw} port=${4:-$STGW_HTTP} busy=${5:-$BUSY_POLL_US}
  cat >"$WORK/$name.toml" <<CONF
[server]
workers = 1
keepalive_timeout = "300s"
drain_timeout = "1s"
busy_poll_us = $busy

[admin]
address = "127.0.0.1:$((port + 2))"

[[listener]]
name = "http"
address = "127.0.0.1:$port"

[[listener]]
name = "https"
address = "127.0.0.1:$((port + 1))"
tls = { certificate = "$WORK/$1.pem", private_key = "$WORK/$1.key" }

[sso]
[[sso.keys]]
file = "$WORK/ltpa.keys"
password_file = "$WORK/ltpa.password"

[[backend]]
name = "b"
servers = ["$PROXY_BACKEND"]
health_check = { enabled = false }
max_idle_per_server = 512
idle_timeout = "300s"

[[route]]
prefix = "/"
backend = "b"
auth = "$2"
timeout = "700s"
idle_timeout = "700s"
CONF
}

# start_proxy NAME CERT_KIND [AUTH]: sets PROXY_PID (the process doing the work), HTTP_URL and
# HTTPS_URL.
start_proxy() {
  local name=$1 kind=$2 auth=${3:-none} i
  case $name in
    nginx)
      write_nginx_conf "$kind"
      start nginx proxy nginx -c "$WORK/nginx.conf" -p "$WORK"
      PROXY_MAIN=$LAST_PID
      wait_port "$NGINX_HTTP" || die "nginx did not start: $(tail -5 "$WORK/nginx.error.log")"
      PROXY_PID=""
      for ((i = 0; i < 50; i++)); do PROXY_PID=$(pgrep -P "$PROXY_MAIN" | head -1 || true); [[ -n $PROXY_PID ]] && break; sleep 0.1; done
      [[ -n $PROXY_PID ]] || die "no nginx worker"
      HTTP_URL="http://127.0.0.1:$NGINX_HTTP"; HTTPS_URL="https://127.0.0.1:$NGINX_HTTPS" ;;
    haproxy)
      write_haproxy_conf "$kind"
      start haproxy proxy haproxy -f "$WORK/haproxy.cfg" -db
      PROXY_MAIN=$LAST_PID; PROXY_PID=$LAST_PID
      wait_port "$HAP_HTTP" || die "haproxy did not start: $(tail -5 "$WORK/haproxy.err")"
      HTTP_URL="http://127.0.0.1:$HAP_HTTP"; HTTPS_URL="https://127.0.0.1:$HAP_HTTPS" ;;
    stgw*) # stgw, or a second instance: stgw-ltpa (auth required), stgw-sleep (no busy polling)
      local port=$STGW_HTTP busy=$BUSY_POLL_US
      [[ $name == stgw-ltpa ]] && { port=$STGW_LTPA_HTTP; auth=required; }
      [[ $name == stgw-sleep ]] && { port=$STGW_SLEEP_HTTP; busy=0; }
      write_stgw_conf "$kind" "$auth" "$name" "$port" "$busy"
      start "$name" proxy "$STGW" serve -c "$WORK/$name.toml"
      PROXY_MAIN=$LAST_PID; PROXY_PID=$LAST_PID
      wait_port "$port" || die "$name did not start: $(tail -5 "$WORK/$name.err")"
      HTTP_URL="http://127.0.0.1:$port"; HTTPS_URL="https://127.0.0.1:$((port + 1))" ;;
  esac
}
stop_proxy() { stop "$PROXY_MAIN"; }

# Cases 1, 2 and 5 keep every proxy running at once on the proxy core (only the one being
# measured has work) and rotate through them measurement by measurement, so that the runs of one
# figure lie seconds apart and a change in the VM's speed reaches every proxy alike.
declare -A MAIN_OF PID_OF HTTP_OF HTTPS_OF
start_all() { # CERT_KIND NAME...
  local kind=$1 name; shift
  for name in "$@"; do
    start_proxy "$name" "$kind"
    MAIN_OF[$name]=$PROXY_MAIN; PID_OF[$name]=$PROXY_PID
    HTTP_OF[$name]=$HTTP_URL; HTTPS_OF[$name]=$HTTPS_URL
  done
}
stop_all() { local name; for name in "${!MAIN_OF[@]}"; do stop "${MAIN_OF[$name]}"; done; MAIN_OF=(); }
use_proxy() { PROXY_PID=${PID_OF[$1]}; HTTP_URL=${HTTP_OF[$1]}; HTTPS_URL=${HTTPS_OF[$1]}; }

start_backend() {
  write_backend_conf
  start backend load nginx -c "$WORK/backend.conf" -p "$WORK"
  BACKEND_MAIN=$LAST_PID
  wait_port "$BACKEND_PORT" || die "backend nginx did not start"
  PROXY_BACKEND="127.0.0.1:$BACKEND_PORT"
}

start_sim() { # the long-poll backend of case 4, fresh each time (held polls are dropped)
  start sim load "$SIM" --listen "127.0.0.1:$SIM_PORT" --poll-hold 600s --threads 1
  SIM_PID=$LAST_PID
  wait_port "$SIM_PORT" || die "stps-sim did not start"
  PROXY_BACKEND="127.0.0.1:$SIM_PORT"
}

# ------------------------------------------------------------------------------------------
# Results: R[key]=value, keys "<case>|<proxy>|<metric>"

declare -A R

record() { R["$1"]=$2; }

# The machine may be shared: runs are interleaved (run 1 of every proxy, then run 2 with the
# proxies in another order, ...) so that a change in background load spreads over all of them,
# and each figure is the median over its runs.  V[key] collects the values of one figure.
declare -A V
add() { V["$1"]+="$2 "; }
finish() { # KEY: the median of V[KEY] into R[KEY]
  R["$1"]=$(printf '%s\n' ${V[$1]:-} | median)
}
finish_all() {
  local k
  for k in "${!V[@]}"; do
    if [[ $k == *'|errors' ]]; then
      R["$k"]=$(printf '%s\n' ${V[$k]} | awk '{s += $1} END {print s + 0}')
    else
      finish "$k"
    fi
  done
}
# order N [NAME...]: the proxies (default PROXIES) in the order of run N, rotated by one each run.
order() {
  local n=$1 i; shift
  local names=("$@"); ((${#names[@]})) || names=("${PROXIES[@]}")
  for ((i = 0; i < ${#names[@]}; i++)); do echo "${names[$(((i + n) % ${#names[@]}))]}"; done
}

# measure_rps KEY URL CONNS RUN [stgw-load args]: one run after a short warm-up; adds req/s, p99
# and proxy CPU µs per request.
measure_rps() {
  local key=$1 url=$2 conns=$3 run=$4; shift 4
  local tls_args=() out="$WORK/${key//[|\/ ]/_}.$run.json" before after n cpu
  [[ $url == https* ]] && tls_args=(--insecure)
  load "$WORK/warm.json" rps --url "$url" -c "$conns" -d 500ms "${tls_args[@]}" "$@"
  before=$(cpu_ticks "$PROXY_PID")
  load "$out" rps --url "$url" -c "$conns" -d "$DUR" "${tls_args[@]}" "$@"
  after=$(cpu_ticks "$PROXY_PID")
  n=$(jnum "$out" .requests)
  cpu=$(awk -v t=$((after - before)) -v n="$n" -v hz="$TICK" 'BEGIN {printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0)}')
  add "$key|rps" "$(jnum "$out" .requests_per_s)"
  add "$key|p99" "$(jnum "$out" .latency_ms.p99)"
  add "$key|cpu" "$cpu"
  add "$key|errors" "$(jnum "$out" .errors.total)"
  log "  $key run $run: $(jnum "$out" .requests_per_s) req/s, p99 $(jnum "$out" .latency_ms.p99) ms, $cpu µs CPU/req, errors $(jnum "$out" .errors.total)"
}

measure_handshakes() { # KEY URL RUN
  local key=$1 url=$2 run=$3 out="$WORK/${1//[|\/ ]/_}.$3.json"
  load "$out" handshake --url "$url" --insecure -c 64 -d "$HS_DUR"
  add "$key|hs" "$(jnum "$out" .requests_per_s)"
  add "$key|errors" "$(jnum "$out" .errors.total)"
  log "  $key run $run: $(jnum "$out" .requests_per_s) handshakes/s, errors $(jnum "$out" .errors.total)"
}

measure_paced() { # KEY URL RATE RUN
  local key=$1 url=$2 rate=$3 run=$4 out="$WORK/${1//[|\/ ]/_}.$4.json"
  load "$out" rps --url "$url" -c 50 -d "$DUR" --rate "$rate"
  add "$key|p99" "$(jnum "$out" .latency_ms.p99)"
  add "$key|errors" "$(jnum "$out" .errors.total)"
  log "  $key run $run: p99 $(jnum "$out" .latency_ms.p99) ms at $rate req/s, errors $(jnum "$out" .errors.total)"
}

# Waits (bounded) until the awareness run writing progress to ERRFILE shows N parked polls.
wait_parked() { # ERRFILE N SECONDS
  local i parked
  for ((i = 0; i < $3 * 10; i++)); do
    parked=$(grep -o 'parked [0-9]*' "$1" 2>/dev/null | tail -1 | awk '{print $2}')
    [[ -n $parked && $parked -ge $2 ]] && return 0
    sleep 0.1
  done
  return 1
}

# measure_parked KEY URL USERS: RSS per parked poll (KiB) with USERS clients.
measure_parked() {
  local key=$1 url=$2 users=$3 idle with out="$WORK/${1//[|\/ ]/_}.json" pid
  local tls_args=(); [[ $url == https* ]] && tls_args=(--insecure)
  # Warm up (TLS contexts, pools), then let the proxy settle before the idle reading.
  load "$WORK/warm.json" rps --url "$url/" -c 4 -n 200 "${tls_args[@]}"
  sleep 1
  idle=$(rss_kb "$PROXY_PID")
  local ramp=$((users / 1000 + 2))
  "${PIN_LOAD[@]}" "$LOAD" awareness --url "$url" -u "$users" --rate 0 --ramp "${ramp}s" \
    -d "$((ramp + 40))s" --cookie "LtpaToken2=unused" --timeout 10s "${tls_args[@]}" \
    --json >"$out" 2>"$out.err" &
  pid=$!; STARTED+=("$pid")
  if wait_parked "$out.err" "$users" $((ramp + 30)); then
    sleep 2
    with=$(rss_kb "$PROXY_PID")
    record "$key|parked" "$users"
    record "$key|kib" "$(awk -v a="$with" -v b="$idle" -v n="$users" 'BEGIN {printf "%.2f", (a - b) / n}')"
  else
    record "$key|parked" "$(grep -o 'parked [0-9]*' "$out.err" | tail -1 | awk '{print $2}')"
    record "$key|kib" "nan"
  fi
  stop "$pid"
  log "  $key: idle ${idle} KiB, with ${with:-?} KiB, ${R[$key|kib]} KiB per parked poll (${R[$key|parked]} parked)"
}

# Case 4b: stgw at its descriptor budget plus EXTRA clients.
measure_budget() {
  local capacity users out="$WORK/budget.json" pid before after i alive code
  capacity=$(grep -o 'capacity [0-9]*' "$WORK/stgw.err" | head -1 | awk '{print $2}')
  [[ -n $capacity ]] || { log "  no capacity in stgw's log"; return; }
  users=$((capacity + EXTRA))
  record "budget|capacity" "$capacity"
  record "budget|users" "$users"
  log "  stgw capacity $capacity client connections: $users TLS users"
  local ramp=$((users / 1000 + 3))
  "${PIN_LOAD[@]}" "$LOAD" awareness --url "$HTTPS_URL" -u "$users" --rate 0 \
    --ramp "${ramp}s" -d "$((ramp + 25))s" --cookie "LtpaToken2=unused" --insecure \
    --connect-timeout 5s --json >"$out" 2>"$out.err" &
  pid=$!; STARTED+=("$pid")
  wait_parked "$out.err" "$capacity" $((ramp + 20)) || true
  # With every slot taken, the gateway should sleep: CPU over 3 s tells an accept storm apart.
  before=$(cpu_ticks "$PROXY_PID"); sleep 3; after=$(cpu_ticks "$PROXY_PID")
  record "budget|cpu_pct" "$(awk -v t=$((after - before)) -v hz="$TICK" 'BEGIN {printf "%.1f", t * 100 / hz / 3}')"
  record "budget|rss_mib" "$(awk -v r="$(rss_kb "$PROXY_PID")" 'BEGIN {printf "%.1f", r / 1024}')"
  for ((i = 0; i < 600; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  stop "$pid"
  record "budget|parked_max" "$(jnum "$out" .awareness.polls_parked_max)"
  record "budget|parked_users" "$(jnum "$out" .awareness.users_parked)"
  record "budget|errors" "$(jq -c '.errors' "$out" 2>/dev/null || echo '{}')"
  alive=no; kill -0 "$PROXY_PID" 2>/dev/null && alive=yes
  code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "$HTTPS_URL/" || true)
  record "budget|alive" "$alive"
  record "budget|after" "$code"
  log "  budget: parked max ${R[budget|parked_max]}, errors ${R[budget|errors]}, CPU ${R[budget|cpu_pct]} % while full, alive $alive, next request $code"
}

# ------------------------------------------------------------------------------------------
# The run

install_missing
build
pick_ports
BACKEND_PORT=$PORT_BASE; SIM_PORT=$((PORT_BASE + 1))
NGINX_HTTP=$((PORT_BASE + 2)); NGINX_HTTPS=$((PORT_BASE + 3))
HAP_HTTP=$((PORT_BASE + 4)); HAP_HTTPS=$((PORT_BASE + 5))
STGW_HTTP=$((PORT_BASE + 6))                  # + 7 https, + 8 admin
DIRECT_PORT=$((PORT_BASE + 9))
STGW_LTPA_HTTP=$((PORT_BASE + 10))            # + 11, + 12
STGW_SLEEP_HTTP=$((PORT_BASE + 13))            # + 14, + 15
BUSY_POLL_US=50                              # stgw's default
make_material
PROXIES=(stgw nginx haproxy)
log "work directory $WORK; $RUNS run(s) of $DUR per case; load average $(cut -d' ' -f1-3 /proc/loadavg)"

has_case() { [[ " $CASES " == *" $1 "* ]]; }
if [[ $CASES != "1 2 3 4 5" && $OUT == "$ROOT/docs/BENCHMARKS.md" ]]; then OUT=-; fi
start_backend
# Cases 1 and 2 (and 5 below) with every proxy running: stgw, stgw-ltpa (case 2: validates the
# cookies, while nginx and HAProxy pass them on unchecked), stgw-sleep (case 1 at 50 connections,
# for information: busy polling off), nginx and HAProxy.
if has_case 1 || has_case 2 || has_case 5; then
  log "cases 1 and 2: keep-alive, cleartext and TLS, 50 and 200 connections, without and with LTPA"
  start_all ec "${PROXIES[@]}" stgw-ltpa stgw-sleep
  for ((run = 1; run <= RUNS; run++)); do
    for s in http https; do
      for c in 50 200; do
        if has_case 1 || has_case 5; then
          names=("${PROXIES[@]}"); ((c == 50)) && names+=(stgw-sleep)
          for p in $(order "$run" "${names[@]}"); do
            use_proxy "$p"
            url=$HTTP_URL; [[ $s == https ]] && url=$HTTPS_URL
            measure_rps "c1-$s-$c|$p" "$url/stwebapi/presence?user=a" "$c" "$run"
          done
        fi
        has_case 2 || continue
        for p in $(order "$run"); do
          if [[ $p == stgw ]]; then use_proxy stgw-ltpa; else use_proxy "$p"; fi
          url=$HTTP_URL; [[ $s == https ]] && url=$HTTPS_URL
          measure_rps "c2-$s-$c|$p" "$url/stwebapi/presence?user=a" "$c" "$run" --token-file "$WORK/tokens.txt"
        done
      done
    done
  done
fi

finish_all
if has_case 5; then
log "case 5: added p99 at half the measured maximum (cleartext, 50 connections)"
lowest=$(for p in "${PROXIES[@]}"; do echo "${R[c1-http-50|$p|rps]}"; done | sort -g | head -1)
RATE=$(awk -v r="$lowest" 'BEGIN {printf "%d", r / 2}')
record "rate" "$RATE"
# The direct baseline: a second backend on the (now idle) proxy core, so that the load generator
# does not share its core with it; "added" is then an upper bound of what a proxy adds.
sed -e "s/127.0.0.1:$BACKEND_PORT/127.0.0.1:$DIRECT_PORT/" -e "s#$WORK/backend#$WORK/direct#g" \
  "$WORK/backend.conf" >"$WORK/direct.conf"
mkdir -p "$WORK/direct.tmp"
for ((run = 1; run <= RUNS; run++)); do
  start direct proxy nginx -c "$WORK/direct.conf" -p "$WORK"
  DIRECT_MAIN=$LAST_PID
  wait_port "$DIRECT_PORT" || die "direct backend did not start"
  measure_paced "c5|direct" "http://127.0.0.1:$DIRECT_PORT/stwebapi/presence?user=a" "$RATE" "$run"
  stop "$DIRECT_MAIN"
  for p in $(order "$run"); do
    use_proxy "$p"
    measure_paced "c5|$p" "$HTTP_URL/stwebapi/presence?user=a" "$RATE" "$run"
  done
done
finish_all
fi
stop_all

# Case 3: handshakes are bound by OpenSSL on the proxy's core, and this VM's speed changes in
# phases of a minute or so by up to a half: the three proxies run at once, per key type, and
# take turns in short 1-second runs, HS_RUNS each, so that every proxy sees the same phases.
if has_case 3; then
  log "case 3: TLS handshakes/s (a new connection per request, 64 at once)"
  for kind in ec rsa; do
    start_all "$kind" "${PROXIES[@]}"
    for ((run = 1; run <= HS_RUNS; run++)); do
      for p in $(order "$run"); do
        use_proxy "$p"
        measure_handshakes "c3-$kind|$p" "$HTTPS_URL/" "$run"
      done
    done
    stop_all
  done
fi

finish_all
stop "$BACKEND_MAIN"

has_case 4 && log "case 4: parked long polls ($PARKED clients, stps-sim holding each poll)"
for p in "${PROXIES[@]}"; do
  has_case 4 || break
  for scheme in http https; do
    start_sim
    start_proxy "$p" ec
    url=$HTTP_URL; [[ $scheme == https ]] && url=$HTTPS_URL
    measure_parked "c4-$scheme|$p" "$url" "$PARKED"
    stop_proxy
    stop "$SIM_PID"
  done
done
if has_case 4; then
  log "case 4b: stgw at its descriptor budget plus $EXTRA TLS clients"
  start_sim
  start_proxy stgw ec
  measure_budget
  stop_proxy
  stop "$SIM_PID"
fi

# ------------------------------------------------------------------------------------------
# Report

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "nan" || b == "nan" || a + 0 <= 0 || b + 0 <= 0) print "–"; else printf "%.2f×", a / b}'; }
best() { # higher|lower A B → the better value
  awk -v m="$1" -v a="$2" -v b="$3" 'BEGIN {if (a == "nan") print b; else if (b == "nan") print a; else if (m == "higher") print (a > b ? a : b); else print (a < b ? a : b)}'
}
verdict() { # higher|lower STGW BEST FACTOR → met / missed
  awk -v m="$1" -v s="$2" -v b="$3" -v f="$4" 'BEGIN {if (s == "nan" || b == "nan") print "–"; else if (m == "higher") print (s >= b * f ? "met" : "missed"); else print (s <= b * f ? "met" : "missed")}'
}

num() { # DIGITS VALUE → rounded, or "–"
  awk -v d="$1" -v v="$2" 'BEGIN {if (v == "nan" || v == "") print "–"; else printf "%.*f", d, v}'
}

# row LABEL KEYBASE METRIC higher|lower FACTOR TARGETTEXT DIGITS [LIMIT]: one table line; with
# LIMIT (case 5) stgw must also stay at or below that absolute value.
row() {
  local label=$1 base=$2 metric=$3 dir=$4 factor=$5 target=$6 digits=$7 limit=${8:-}
  local s=${R[$base|stgw|$metric]:-nan} n=${R[$base|nginx|$metric]:-nan} h=${R[$base|haproxy|$metric]:-nan}
  local b v; b=$(best "$dir" "$n" "$h")
  v=$(verdict "$dir" "$s" "$b" "$factor")
  if [[ -n $limit ]]; then
    v=$(awk -v s="$s" -v l="$limit" 'BEGIN {if (s == "nan") print "–"; else print (s <= l ? "met" : "missed")}')
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$(num "$digits" "$s")" \
    "$(num "$digits" "$n")" "$(num "$digits" "$h")" "$(ratio "$s" "$n")" "$(ratio "$s" "$h")" \
    "$target" "$v"
}

table() {
  echo "| case | stgw | nginx | HAProxy | stgw / nginx | stgw / HAProxy | target | |"
  echo "|---|---:|---:|---:|---:|---:|---|---|"
  local c s
  for c in 1 2; do
    for s in http https; do
      for n in 50 200; do
        local name="HTTP/1.1 keep-alive"; [[ $s == https ]] && name="HTTP/1.1 keep-alive TLS"
        [[ $c == 2 ]] && name="$name + LTPA (stgw only)"
        row "$c. $name, $n conns: req/s" "c$c-$s-$n" rps higher 1.0 "≥ 1.0× best" 0
        row "$c. $name, $n conns: p99 ms" "c$c-$s-$n" p99 lower 1.0 "≤ best" 2
        row "$c. $name, $n conns: proxy CPU µs/req" "c$c-$s-$n" cpu lower 1.0 "≤ best" 1
      done
    done
  done
  row "3. TLS handshakes/s, ECDSA P-256" "c3-ec" hs higher 0.95 "≥ 0.95× best" 0
  row "3. TLS handshakes/s, RSA-2048" "c3-rsa" hs higher 0.95 "≥ 0.95× best" 0
  row "4. KiB per parked poll, cleartext ($PARKED clients)" "c4-http" kib lower 0.8 "≤ 0.8× best" 2
  row "4. KiB per parked poll, TLS ($PARKED clients)" "c4-https" kib lower 0.8 "≤ 0.8× best" 2
  local d=${R[c5|direct|p99]:-nan} p
  for p in stgw nginx haproxy; do
    R["c5|$p|added"]=$(awk -v a="${R[c5|$p|p99]:-nan}" -v b="$d" 'BEGIN {if (a == "nan" || b == "nan") print "nan"; else printf "%.3f", a - b}')
  done
  row "5. added p99 ms at ${R[rate]:-?} req/s (direct p99 $(num 2 "$d") ms)" "c5" added lower 1.0 "≤ 1 ms" 2 1.0
}

# Case 1 at 50 connections once more with stgw's adaptive busy polling off (for information).
busy_table() {
  echo "| case 1, 50 conns | stgw (busy_poll_us = $BUSY_POLL_US) | stgw, busy_poll_us = 0 | stgw / best anchor | busy_poll_us = 0 / best anchor |"
  echo "|---|---:|---:|---:|---:|"
  local s m dir digits label b
  for s in http https; do
    for m in rps p99 cpu; do
      case $m in rps) dir=higher; digits=0; label="req/s" ;; p99) dir=lower; digits=2; label="p99 ms" ;;
                  cpu) dir=lower; digits=1; label="proxy CPU µs/req" ;; esac
      b=$(best "$dir" "${R[c1-$s-50|nginx|$m]:-nan}" "${R[c1-$s-50|haproxy|$m]:-nan}")
      printf '| %s %s | %s | %s | %s | %s |\n' "$s" "$label" "$(num "$digits" "${R[c1-$s-50|stgw|$m]:-nan}")" \
        "$(num "$digits" "${R[c1-$s-50|stgw-sleep|$m]:-nan}")" "$(ratio "${R[c1-$s-50|stgw|$m]:-nan}" "$b")" \
        "$(ratio "${R[c1-$s-50|stgw-sleep|$m]:-nan}" "$b")"
    done
  done
}

# What each stgw-load error kind means for a client beyond the budget.
refusal_text() {
  local errors=${R[budget|errors]:-} parts=()
  [[ $errors == *tls_timeout* ]] && parts+=("\`tls_timeout\`: the TCP connect succeeded (the kernel's accept queue took it) but stgw, which stops accepting at its cap, never began the TLS handshake before the client gave up after 5 s")
  [[ $errors == *connect_timeout* ]] && parts+=("\`connect_timeout\`: the accept queue was full and the SYN went unanswered")
  [[ $errors == *tls_closed* ]] && parts+=("\`tls_closed\`: the connection was closed during the TLS handshake (at its cap stgw accepts waiting connections every 100 ms and resets them, counting each in \`stgw_client_connections_rejected_total{reason=\"global_cap\"}\`)")
  [[ $errors == *'"connect"'* ]] && parts+=("\`connect\`: the TCP connection was refused or reset before it was established")
  [[ $errors == *status_503* ]] && parts+=("\`status_503\`: answered 503")
  [[ $errors == *'"reset"'* || $errors == *'"closed"'* ]] && parts+=("\`reset\`/\`closed\`: dropped after the request was sent")
  local p
  for p in "${parts[@]}"; do echo "- $p;"; done
  echo "- every such user retried after 1 s (\`--retry-delay\`), so one user may count several times."
}

budget_section() {
  cat <<TXT
Descriptor budget (case 4b): stgw derived a capacity of ${R[budget|capacity]:-?} client connections from
RLIMIT_NOFILE; ${R[budget|users]:-?} TLS users each tried to park one poll. Polls parked at once:
${R[budget|parked_max]:-?}; users whose poll was parked: ${R[budget|parked_users]:-?}. Errors seen by the clients
(stgw-load kinds): \`${R[budget|errors]:-?}\`. stgw CPU while full: ${R[budget|cpu_pct]:-?} % of a core
(an accept storm would show here); RSS then ${R[budget|rss_mib]:-?} MiB; still running: ${R[budget|alive]:-?};
the next request after the run: HTTP ${R[budget|after]:-?}. How the clients beyond the budget were refused:
$(refusal_text)
TXT
}

errors_line() {
  local k total=0
  for k in "${!R[@]}"; do [[ $k == *'|errors' && $k != budget* ]] && total=$((total + ${R[$k]})); done
  echo "Errors in cases 1, 2, 3 and 5 (all proxies, all runs): $total."
}

versions() {
  echo "- machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), kernel $(uname -r)"
  echo "- load average when the run ended: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared; other jobs were running)"
  echo "- nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'); HAProxy: $(haproxy -v | head -1 | awk '{print $3}');" \
       "OpenSSL: $(openssl version | awk '{print $2}'); stgw: $("$STGW" --version 2>/dev/null | head -1 || echo "$(git -C "$ROOT" rev-parse --short HEAD)") ($(git -C "$ROOT" rev-parse --short HEAD))"
  echo "- RLIMIT_NOFILE: soft $(ulimit -Sn), hard $(ulimit -Hn)"
  echo "- scheduling: the benchmark's own session at nice $NICE ($(cat /proc/self/autogroup 2>/dev/null || echo 'no autogroup'))"
}

report() {
  cat <<DOC
# Benchmarks: stgw, nginx and HAProxy side by side

Written by \`loadtest/bench/compare.sh$( ((QUICK)) && echo " --quick")\` on $(date -u +%Y-%m-%d) in $(($(date +%s) - T0)) s. $RUNS run(s) of $DUR per case,
interleaved (run 1 of every proxy, then run 2 in another order, ...); the figures are medians. In cases 1, 2
and 5 all proxies run at once (idle but for the one measured) and take turns measurement by measurement, so
that the runs of one figure lie seconds apart, not minutes. Re-run with \`loadtest/bench/compare.sh\` (about 15 minutes; \`--quick\` for a 2-minute try).

## Machine and versions
$(versions)

## Set-up
- One worker each: stgw \`workers = 1\` (otherwise its defaults, adaptive busy polling included), nginx
  \`worker_processes 1\`, HAProxy \`nbthread 1\` (busy-polling off, its default); each proxy
  pinned to core $PROXY_CPU (\`taskset -c $PROXY_CPU\`), the load generator and the backend to core $LOAD_CPU.
- The same certificate for all three (ECDSA P-256; RSA-2048 for the RSA handshake row), TLS 1.2–1.3
  offered, TLS 1.3 negotiated; keep-alive to the backend on (nginx \`keepalive 512\`, HAProxy
  \`http-reuse always\`, stgw's pool).
- Backend for cases 1, 2, 3 and 5: nginx (one worker) answering \`return 200\` with a 43-byte JSON body.
  Case 4: \`stps-sim --poll-hold 600s --threads 1\`, restarted for every proxy.
- Load: \`stgw-load\` (this repository): \`rps -c 50|200 -d $DUR\` on \`/stwebapi/presence?user=a\`;
  case 2 adds one LtpaToken2 cookie per connection (200 tokens minted once with \`stgw token mint\`,
  so stgw's validation cache is warm); stgw has \`auth = "required"\` on the route, nginx and HAProxy
  pass the cookie on unchecked. Case 3: \`handshake -c 64 -d $HS_DUR\` (a new TLS connection per
  request, no session resumption), $HS_RUNS turns per proxy and key type with all three running. Case 4: \`awareness -u $PARKED --rate 0\` (one parked poll per user). Case 5:
  \`rps -c 50 --rate R\` with R = half of the lowest case-1 maximum, latency counted from each
  request's planned start; the direct baseline is a second backend alone on core $PROXY_CPU, so
  "added" is an upper bound.
- Proxy CPU per request: utime + stime of the proxy's worker process (\`/proc/PID/stat\`) over the
  run, divided by the requests answered. Memory per parked poll: (VmRSS with the polls parked −
  VmRSS idle after a warm-up) / clients.

## Results

"best" is the better of nginx and HAProxy in this run; ratios are stgw / anchor.

$(table)

What stgw's adaptive busy polling (\`[server] busy_poll_us\`, default $BUSY_POLL_US µs; docs/OPERATIONS.md) changes:
case 1 at 50 connections once more with a second stgw that has it off, measured in the same rotation.

$(busy_table)

$(budget_section)

$(errors_line)

## Commands
\`\`\`
loadtest/bench/compare.sh$( ((QUICK)) && echo " --quick")          # the whole comparison; STGW_BUILD=DIR to reuse a build
stgw-load rps --url http://127.0.0.1:PORT/stwebapi/presence?user=a -c 50 -d $DUR --json
stgw-load rps --url https://127.0.0.1:PORT/stwebapi/presence?user=a -c 50 -d $DUR --insecure --token-file tokens.txt --json
stgw-load handshake --url https://127.0.0.1:PORT/ --insecure -c 64 -d $HS_DUR --json
stgw-load awareness --url https://127.0.0.1:PORT -u $PARKED --rate 0 --ramp 7s --insecure --cookie LtpaToken2=unused --json
stgw-load rps --url http://127.0.0.1:PORT/stwebapi/presence?user=a -c 50 -d $DUR --rate ${R[rate]:-R} --json
\`\`\`
$(if [[ -f "$ROOT/loadtest/bench/findings.md" ]]; then echo; cat "$ROOT/loadtest/bench/findings.md"; fi)
DOC
}

REPORT=$(report)
printf '%s\n' "$REPORT"
if [[ $OUT != "-" ]]; then
  mkdir -p "$(dirname "$OUT")"
  printf '%s\n' "$REPORT" >"$OUT"
  log "wrote $OUT"
fi
