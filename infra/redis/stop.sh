#!/usr/bin/env bash
# Stops only a redis-server that infra/redis/start.sh started (pid file under
# <state>/redis, and the process's working dir must be that folder). A Redis that was
# already running on the machine is never touched.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

pid="$(read_pid_file "$REDIS_PID_FILE")"
if [[ -z "$pid" ]]; then
  log "Redis: not started by these scripts (no $REDIS_PID_FILE), leaving it alone"
  exit 0
fi
# redis-server chdirs into --dir, so cwd proves it is the instance we launched.
if ! pid_matches "$pid" redis-server || [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" != "$REDIS_STATE" ]]; then
  log "Redis: pid $pid from $REDIS_PID_FILE is not our redis-server (stale pid file removed)"
  rm -f "$REDIS_PID_FILE"
  exit 0
fi

log "Stopping Redis (pid $pid) ..."
terminate_pid "$pid" "${REDIS_STOP_TIMEOUT:-10}" Redis
rm -f "$REDIS_PID_FILE"
log "Redis stopped"
