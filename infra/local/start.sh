#!/usr/bin/env bash
# Brings up everything the distributed mode needs on this machine, without Docker:
# Kafka jars (Maven), a single-node KRaft broker, the platform's topics, and Redis.
# Idempotent and fast when already up. Logs go to stderr; stdout is only the connection
# settings as KEY=VALUE lines, so CI can do `bash infra/local/start.sh >> "$GITHUB_ENV"`
# and a shell can do `eval "$(bash infra/local/start.sh)"` (values need no quoting).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

started=$SECONDS
bash "$INFRA_DIR/kafka/install.sh"
bash "$INFRA_DIR/kafka/start.sh"

# Topics: created once per cluster (and again when create-topics.sh changes), so a
# warm start does not pay for four client JVMs.
cluster="$(node "$INFRA_DIR/kafka/probe-metadata.js" "$KAFKA_HOST" "$KAFKA_PORT" 3000 2>/dev/null | sed -n 's/.*cluster=//p' || true)"
stamp="$cluster $(sha256sum "$INFRA_DIR/kafka/create-topics.sh" | cut -d' ' -f1)"
stamp_file="$KAFKA_STATE/topics.created"
if [[ -z "$cluster" || ! -f "$stamp_file" || "$(cat "$stamp_file")" != "$stamp" ]]; then
  bash "$INFRA_DIR/kafka/create-topics.sh"
  [[ -n "$cluster" ]] && echo "$stamp" >"$stamp_file"
else
  log "Kafka topics already created for cluster $cluster"
fi

bash "$INFRA_DIR/redis/start.sh"

log "Local infra ready in $((SECONDS - started))s (state in $STATE_DIR)"
echo "KAFKA_BROKERS=$KAFKA_BOOTSTRAP"
echo "REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT"
