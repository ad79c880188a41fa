#!/usr/bin/env bash
# Stops what infra/local/start.sh started: the Kafka broker, and Redis only if these
# scripts launched it (a Redis that was already running is left alone). Data in the
# state dir is kept; `rm -rf .infra/kafka/data` gives an empty cluster next time.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

status=0
bash "$INFRA_DIR/kafka/stop.sh" || status=$?
bash "$INFRA_DIR/redis/stop.sh" || status=$?
exit "$status"
