#!/usr/bin/env bash
# `make cluster`: Redis, N app processes sharing it as the Socket.IO message
# queue, and nginx in front, all on loopback. Prints "cluster ready" and the
# pids, then waits; Ctrl-C (or SIGTERM) stops everything it started.
#
#   CLUSTER_PORT=8080 CLUSTER_BACKENDS=2 REDIS_PORT=6379 deploy/cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PORT=${CLUSTER_PORT:-8080}
BACKENDS=${CLUSTER_BACKENDS:-2}
REDIS_PORT=${REDIS_PORT:-6379}
DIR=${CLUSTER_DIR:-$(mktemp -d)}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
mkdir -p "$DIR"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

pids=()
stop() {
  trap - EXIT INT TERM
  [ -f "$DIR/nginx.pid" ] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

redis-server deploy/redis.conf --port "$REDIS_PORT" --dir "$DIR" --daemonize no >"$DIR/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.05
done

# Every process must share the secret key: any of them may continue any conversation.
if [ -z "${SAFECHAT_SECRET_KEY:-}" ]; then
  SAFECHAT_SECRET_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')
fi
export SAFECHAT_SECRET_KEY
export SAFECHAT_MESSAGE_QUEUE="redis://127.0.0.1:$REDIS_PORT/0"
export SAFECHAT_PROXY_HOPS=1  # the client address comes from nginx's X-Forwarded-For
export SAFECHAT_INSTANCE_DIR=${SAFECHAT_INSTANCE_DIR:-$DIR/instance}

upstreams=""
for i in $(seq "$BACKENDS"); do
  port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  HOST=127.0.0.1 PORT=$port "$PYTHON" -m app >"$DIR/app$i.log" 2>&1 &
  pids+=($!)
  echo "backend $i: pid $! port $port"
  upstreams="$upstreams server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"
done
for i in $(seq "$BACKENDS"); do
  for _ in $(seq 300); do
    grep -q "^Serving on" "$DIR/app$i.log" 2>/dev/null && break
    sleep 0.05
  done
done

sed -e "s|@PORT@|$PORT|g" -e "s|@DIR@|$DIR|g" -e "s|@UPSTREAMS@|$upstreams|g" \
  deploy/nginx.conf.template >"$DIR/nginx.conf"
"$NGINX" -c "$DIR/nginx.conf" -p "$DIR" -e "$DIR/nginx-error.log" -g "daemon off;" &
pids+=($!)
for _ in $(seq 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/help" 2>/dev/null && break
  sleep 0.1
done
echo "cluster ready on http://127.0.0.1:$PORT (nginx pid $!, redis port $REDIS_PORT, state in $DIR)"
wait
