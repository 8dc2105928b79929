#!/usr/bin/env bash
# profile_stgw.sh: where stgw spends its CPU under one compare.sh case.  Starts the same nginx
# backend (core 0) and stgw with one worker (core 1), drives it with stgw-load (core 0), and
# samples stgw with perf (cpu-clock; the VM has no hardware counters) or, with --callgrind,
# runs it under valgrind --tool=callgrind for a short, slower run.
#
#   loadtest/bench/profile_stgw.sh [--case http|https|ltpa|ltpa-https] [-c 50] [-d 10s]
#                                  [--callgrind] [--nice N] [--keep]
#   STGW_BUILD=DIR  build directory with stgw and stgw-load (default build/); RelWithDebInfo
#                   gives symbols and line numbers.
#
# Prints the stgw-load report, then the hottest functions (self time, % of stgw's samples) and
# the hottest shared objects.  The raw data stays in the work directory with --keep.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CASE=http
CONNS=50
DUR=10s
TOOL=perf
NICE=0
KEEP=0
ARGS=("$@")
while (($#)); do
  case "$1" in
    --case) CASE=$2; shift ;;
    -c) CONNS=$2; shift ;;
    -d) DUR=$2; shift ;;
    --callgrind) TOOL=callgrind ;;
    --nice) NICE=$2; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "profile_stgw.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case $CASE in http|https|ltpa|ltpa-https) ;; *) echo "--case: http, https, ltpa or ltpa-https" >&2; exit 2 ;; esac

if ((NICE != 0)) && [[ -z ${STGW_BENCH_SESSION:-} && -w /proc/self/autogroup ]]; then
  STGW_BENCH_SESSION=1 setsid "$0" "${ARGS[@]}" &
  inner=$!
  trap 'kill -TERM "$inner" 2>/dev/null' INT TERM
  wait "$inner"; exit $?
fi
((NICE != 0)) && [[ -n ${STGW_BENCH_SESSION:-} ]] && { echo "$NICE" >/proc/self/autogroup 2>/dev/null || true; }

BUILD=${STGW_BUILD:-$ROOT/build}
STGW="$BUILD/gateway/cli/stgw"
LOAD="$BUILD/loadtest/load/stgw-load"
for b in "$STGW" "$LOAD"; do [[ -x $b ]] || { echo "$b missing: build it or set STGW_BUILD" >&2; exit 1; }; done
command -v nginx >/dev/null || { echo "nginx is needed (apt-get install nginx-light)" >&2; exit 1; }
if [[ $TOOL == perf ]]; then command -v perf >/dev/null || { echo "perf is needed (apt-get install linux-perf)" >&2; exit 1; }
else command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }; fi

WORK=$(mktemp -d /tmp/stgw-profile.XXXXXX)
STARTED=()
cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((KEEP)); then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
PIN_PROXY=(nice -n "$NICE" taskset -c 1)
PIN_LOAD=(nice -n "$NICE" taskset -c 0)
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { local i; for ((i = 0; i < ${2:-15} * 10; i++)); do port_busy "$1" && return 0; sleep 0.1; done; return 1; }

for ((try = 0; try < 50; try++)); do
  base=$((10000 + RANDOM % 20000))
  port_busy "$base" || port_busy $((base + 1)) || port_busy $((base + 2)) || break
done
BACKEND=$base; HTTP=$((base + 1)); HTTPS=$((base + 2))

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/ec.key" -out "$WORK/ec.pem" 2>/dev/null
auth=none
load_args=()
if [[ $CASE == ltpa* ]]; then
  auth=required
  printf 'profile-password\n' >"$WORK/ltpa.password"
  "$STGW" keys generate --out "$WORK/ltpa.keys" --password-file "$WORK/ltpa.password" --realm r >/dev/null
  load_args=(--keys "$WORK/ltpa.keys" --password-file "$WORK/ltpa.password")
fi
mkdir -p "$WORK/tmp"
cat >"$WORK/backend.conf" <<CONF
daemon off;
worker_processes 1;
pid $WORK/backend.pid;
error_log $WORK/backend.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp/b; proxy_temp_path $WORK/tmp/p; fastcgi_temp_path $WORK/tmp/f;
  uwsgi_temp_path $WORK/tmp/u; scgi_temp_path $WORK/tmp/s;
  keepalive_requests 100000000;
  server { listen 127.0.0.1:$BACKEND; default_type application/json;
           location / { return 200 '{"user":"benchuser","status":"available"}\n'; } }
}
CONF
cat >"$WORK/stgw.toml" <<CONF
[server]
workers = 1
drain_timeout = "1s"
[admin]
address = "off"
[[listener]]
name = "http"
address = "127.0.0.1:$HTTP"
[[listener]]
name = "https"
address = "127.0.0.1:$HTTPS"
tls = { certificate = "$WORK/ec.pem", private_key = "$WORK/ec.key" }
$([[ $auth == required ]] && printf '[sso]\n[[sso.keys]]\nfile = "%s"\npassword_file = "%s"\n' "$WORK/ltpa.keys" "$WORK/ltpa.password")
[[backend]]
name = "b"
servers = ["127.0.0.1:$BACKEND"]
health_check = { enabled = false }
max_idle_per_server = 512
[[route]]
prefix = "/"
backend = "b"
auth = "$auth"
CONF

"${PIN_LOAD[@]}" nginx -c "$WORK/backend.conf" -p "$WORK" >/dev/null 2>&1 &
STARTED+=($!)
wait_port "$BACKEND" || { echo "backend did not start" >&2; exit 1; }
if [[ $TOOL == callgrind ]]; then
  "${PIN_PROXY[@]}" valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" \
    "$STGW" serve -c "$WORK/stgw.toml" >"$WORK/stgw.out" 2>"$WORK/stgw.err" &
else
  "${PIN_PROXY[@]}" "$STGW" serve -c "$WORK/stgw.toml" >"$WORK/stgw.out" 2>"$WORK/stgw.err" &
fi
STGW_PID=$!
STARTED+=("$STGW_PID")
wait_port "$HTTP" 60 || { echo "stgw did not start: $(tail -3 "$WORK/stgw.err")" >&2; exit 1; }

url="http://127.0.0.1:$HTTP/stwebapi/presence?user=a"
tls=()
if [[ $CASE == *https ]]; then url="https://127.0.0.1:$HTTPS/stwebapi/presence?user=a"; tls=(--insecure); fi
"${PIN_LOAD[@]}" "$LOAD" rps --url "$url" -c "$CONNS" -d 2s --no-progress "${tls[@]}" "${load_args[@]}" >/dev/null

if [[ $TOOL == perf ]]; then
  perf record -e cpu-clock -F 999 --call-graph dwarf,8192 -p "$STGW_PID" -o "$WORK/perf.data" 2>"$WORK/perf.err" &
  PERF_PID=$!
  sleep 0.5
  "${PIN_LOAD[@]}" "$LOAD" rps --url "$url" -c "$CONNS" -d "$DUR" --no-progress "${tls[@]}" "${load_args[@]}"
  kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true
  echo
  # perf pads its columns to the terminal width: squeeze the blanks and cut long C++ names.
  tidy() { grep -E '^ +[0-9.]+%' | sed 's/ \+$//; s/  \+/ /g; s/ - -$//' | cut -c1-150; }
  echo "== stgw: shared objects (% of stgw's samples) =="
  perf report -i "$WORK/perf.data" --no-children --sort dso --stdio 2>/dev/null | tidy | head -12
  echo
  echo "== stgw: functions by self time =="
  perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio --percent-limit 0.25 2>/dev/null |
    tidy | head -60
  echo
  echo "== stgw: its own and libevent's functions, inclusive time =="
  perf report -i "$WORK/perf.data" --children --sort dso,symbol --stdio --percent-limit 2 -g none 2>/dev/null |
    tidy | grep -E ' (stgw|libevent[^ ]*|libssl[^ ]*|libcrypto[^ ]*) ' | head -40
else
  "${PIN_LOAD[@]}" "$LOAD" rps --url "$url" -c "$CONNS" -d "$DUR" --no-progress "${tls[@]}" "${load_args[@]}"
  kill -TERM "$STGW_PID"; wait "$STGW_PID" 2>/dev/null || true
  echo
  echo "== stgw under callgrind: inclusive and self instruction counts =="
  callgrind_annotate --inclusive=yes "$WORK/callgrind.out" 2>/dev/null | sed -n '1,60p'
fi
