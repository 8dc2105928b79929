#!/usr/bin/env bash
# relay_floor.sh: how much p99 one extra hop adds on this machine, whatever the proxy does.
# Case 5 of compare.sh asks for at most 1 ms added p99 at half the maximum rate. This runs the
# same layout (backend nginx and the load generator on core 0, the proxy on core 1, the direct
# baseline on core 1) with HAProxy as a pure TCP relay (`mode tcp`: no HTTP parsing, bytes
# copied through) beside HAProxy `mode http` and stgw, and reports each one's added p99.
#
#   loadtest/bench/relay_floor.sh [--rate N] [--runs N] [--keep]
#   STGW_BUILD=DIR  build directory with stgw and stgw-load (default build/)
#
# Every run is bounded: RUNS x 4 targets x 3 s, plus a 1 s warm-up each.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${STGW_BUILD:-$ROOT/build}
RATE=19500
RUNS=5
KEEP=0
while (($#)); do
  case "$1" in
    --rate) RATE=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --keep) KEEP=1 ;;
    *) echo "usage: $0 [--rate N] [--runs N] [--keep]" >&2; exit 2 ;;
  esac
  shift
done
LOAD="$BUILD/loadtest/load/stgw-load"
STGW="$BUILD/gateway/cli/stgw"
for tool in nginx haproxy jq "$LOAD" "$STGW"; do
  command -v "$tool" >/dev/null || { echo "relay_floor.sh: $tool not found" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/stgw-floor.XXXXXX)
PIDS=()
cleanup() {
  ((${#PIDS[@]})) && kill "${PIDS[@]}" 2>/dev/null
  wait 2>/dev/null
  ((KEEP)) && echo "work directory: $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

BACKEND=18501 HAP_HTTP=18502 HAP_TCP=18503 STGW_HTTP=18504 DIRECT=18509

nginx_conf() { # NAME PORT: a one-worker nginx answering every request with a small JSON body
  cat <<CONF
daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $WORK/$1.pid;
error_log $WORK/$1.error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $WORK/$1.body; proxy_temp_path $WORK/$1.proxy;
  fastcgi_temp_path $WORK/$1.fcgi; uwsgi_temp_path $WORK/$1.uwsgi; scgi_temp_path $WORK/$1.scgi;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$2 reuseport backlog=4096;
    default_type application/json;
    location / { return 200 '{"user":"benchuser","status":"available"}\n'; }
  }
}
CONF
}
nginx_conf backend "$BACKEND" >"$WORK/backend.conf"
nginx_conf direct "$DIRECT" >"$WORK/direct.conf"
cat >"$WORK/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 9900
defaults
  maxconn 9900
  timeout connect 5s
  timeout client 700s
  timeout server 700s
frontend http_in
  mode http
  option http-keep-alive
  timeout http-keep-alive 300s
  bind 127.0.0.1:$HAP_HTTP
  default_backend http_out
backend http_out
  mode http
  http-reuse always
  server b1 127.0.0.1:$BACKEND
frontend tcp_in
  mode tcp
  bind 127.0.0.1:$HAP_TCP
  default_backend tcp_out
backend tcp_out
  mode tcp
  server b1 127.0.0.1:$BACKEND
CONF
cat >"$WORK/stgw.toml" <<CONF
[server]
workers = 1
keepalive_timeout = "300s"
drain_timeout = "1s"

[admin]
address = "127.0.0.1:18506"

[[listener]]
name = "http"
address = "127.0.0.1:$STGW_HTTP"

[[backend]]
name = "b"
servers = ["127.0.0.1:$BACKEND"]
health_check = { enabled = false }
max_idle_per_server = 512
idle_timeout = "300s"

[[route]]
prefix = "/"
backend = "b"
CONF

taskset -c 0 nginx -c "$WORK/backend.conf" -p "$WORK" >/dev/null 2>&1 & PIDS+=($!)
taskset -c 1 nginx -c "$WORK/direct.conf" -p "$WORK" >/dev/null 2>&1 & PIDS+=($!)
taskset -c 1 haproxy -f "$WORK/haproxy.cfg" -q & PIDS+=($!)
taskset -c 1 "$STGW" serve --config "$WORK/stgw.toml" >"$WORK/stgw.log" 2>&1 & PIDS+=($!)
sleep 1.5

NAMES=(direct haproxy-http haproxy-tcp stgw)
declare -A PORT=([direct]=$DIRECT [haproxy-http]=$HAP_HTTP [haproxy-tcp]=$HAP_TCP [stgw]=$STGW_HTTP)
url() { echo "http://127.0.0.1:${PORT[$1]}/stwebapi/presence?user=a"; }
for name in "${NAMES[@]}"; do
  taskset -c 0 "$LOAD" rps --url "$(url "$name")" -c 50 -d 1s --no-progress >/dev/null 2>&1
done
for ((run = 1; run <= RUNS; run++)); do
  for name in "${NAMES[@]}"; do
    out="$WORK/$name.$run.json"
    taskset -c 0 "$LOAD" rps --url "$(url "$name")" -c 50 -d 3s --rate "$RATE" --json \
      --no-progress >"$out" 2>/dev/null || true
    echo "$name $(jq -r '.latency_ms.p99' "$out") $(jq -r '.errors.total' "$out")"
  done
done >"$WORK/results.txt"

median() { awk -v n="$1" '$1 == n {print $2}' "$WORK/results.txt" | sort -g |
  awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
direct=$(median direct)
echo "p99 at $RATE req/s, 50 connections, median of $RUNS runs of 3 s"
printf '%-14s %8s %10s %7s\n' target "p99 ms" "added ms" errors
for name in "${NAMES[@]}"; do
  p99=$(median "$name")
  errors=$(awk -v n="$name" '$1 == n {s += $3} END {print s + 0}' "$WORK/results.txt")
  printf '%-14s %8.2f %10.2f %7d\n' "$name" "$p99" "$(awk -v a="$p99" -v b="$direct" 'BEGIN {print a - b}')" "$errors"
done
