#!/usr/bin/env bash
# Stops the broker started by infra/kafka/start.sh (pid file in the state dir):
# SIGTERM for a controlled shutdown, SIGKILL after ${KAFKA_STOP_TIMEOUT:-30}s.
# Never touches a broker these scripts did not start. Data stays for the next start;
# delete <state>/kafka/data to get an empty cluster.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

pid="$(read_pid_file "$KAFKA_PID_FILE")"
if [[ -z "$pid" ]]; then
  log "Kafka: no pid file ($KAFKA_PID_FILE), nothing to stop"
  exit 0
fi
if ! pid_matches "$pid" kafka.Kafka "$KAFKA_CONFIG_DIR/server.properties"; then
  log "Kafka: pid $pid from $KAFKA_PID_FILE is not running (stale pid file removed)"
  rm -f "$KAFKA_PID_FILE"
  exit 0
fi

log "Stopping Kafka (pid $pid) ..."
started=$SECONDS
terminate_pid "$pid" "${KAFKA_STOP_TIMEOUT:-30}" Kafka
rm -f "$KAFKA_PID_FILE"
log "Kafka stopped in $((SECONDS - started))s"
