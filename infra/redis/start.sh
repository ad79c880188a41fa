#!/usr/bin/env bash
# Makes sure a Redis answers on ${REDIS_HOST:-127.0.0.1}:${REDIS_PORT:-6379}. If one is
# already there (ours or the machine's), it is used as is. Otherwise starts an ephemeral
# redis-server (no RDB, no AOF) with its dir, log and pid file under <state>/redis.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

require_cmd redis-cli
START_TIMEOUT="${REDIS_START_TIMEOUT:-15}"
REDIS_LOG="$REDIS_STATE/redis-$REDIS_PORT.log"

redis_ping() {
  [[ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

if redis_ping; then
  pid="$(read_pid_file "$REDIS_PID_FILE")"
  if pid_matches "$pid" redis-server; then
    log "Redis on $REDIS_HOST:$REDIS_PORT: already running (pid $pid, started by these scripts)"
  else
    log "Redis on $REDIS_HOST:$REDIS_PORT: already running (not started by these scripts, so stop.sh leaves it alone)"
  fi
  exit 0
fi

require_cmd redis-server
mkdir -p "$REDIS_STATE"
rm -f "$REDIS_PID_FILE"
# Data is a cache of projections (rebuildable from the event store): persistence off.
redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
  --save "" --appendonly no \
  --dir "$REDIS_STATE" --logfile "$REDIS_LOG" --pidfile "$REDIS_PID_FILE" \
  || die "redis-server failed to start; see $REDIS_LOG"

deadline=$((SECONDS + START_TIMEOUT))
until redis_ping; do
  if (( SECONDS >= deadline )); then
    tail -n 20 "$REDIS_LOG" >&2 || true
    die "Redis did not answer PONG on $REDIS_HOST:$REDIS_PORT within ${START_TIMEOUT}s"
  fi
  sleep 0.1
done
log "Redis on $REDIS_HOST:$REDIS_PORT: started (pid $(read_pid_file "$REDIS_PID_FILE"), log $REDIS_LOG)"
