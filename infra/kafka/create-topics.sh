#!/usr/bin/env bash
# Creates the platform's Kafka topics (idempotent: --if-not-exists; an existing topic is
# left as it is, even if its settings differ from the table below).
#
# Local broker:   bash infra/kafka/create-topics.sh            (uses the jars from install.sh)
# In a container: KAFKA_TOPICS_CMD=/opt/kafka/bin/kafka-topics.sh KAFKA_BOOTSTRAP=kafka:9092 \
#                 bash /infra/kafka/create-topics.sh           (see docker-compose.yml)
set -euo pipefail

PARTITIONS="${CRM_TOPIC_PARTITIONS:-6}"

# name | partitions | configs (comma-separated, may be empty)
TOPICS=(
  # Interaction events relayed from the event store, keyed by customer id so one
  # customer's events stay ordered on one partition.
  "crm.interactions.v1|$PARTITIONS|cleanup.policy=delete,retention.ms=604800000"
  # Poison messages the projector gave up on; one partition keeps them in arrival
  # order for inspection, 30 days to look at them; 8 MiB, as they keep the original bytes.
  "crm.interactions.dlq.v1|1|cleanup.policy=delete,retention.ms=2592000000,max.message.bytes=8388608"
  # Latest customer view per customer id: compacted, so a new consumer can rebuild the
  # full current state. 1 h segments let compaction actually run on a dev broker.
  "crm.customer-views.v1|$PARTITIONS|cleanup.policy=compact,segment.ms=3600000,min.cleanable.dirty.ratio=0.1,max.message.bytes=8388608"
  # Relationship lifecycle transitions (change feed), keyed by customer id.
  "crm.relationship-changes.v1|$PARTITIONS|cleanup.policy=delete,retention.ms=604800000"
)

if [[ -n "${KAFKA_TOPICS_CMD:-}" ]]; then
  BOOTSTRAP="${KAFKA_BOOTSTRAP:-localhost:9092}"
  topics_cmd() { "$KAFKA_TOPICS_CMD" "$@"; }
else
  source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
  BOOTSTRAP="$KAFKA_BOOTSTRAP"
  # Fail in milliseconds rather than after the admin client's 60 s timeout.
  kafka_ready || die "no Kafka broker answering on $BOOTSTRAP (run infra/kafka/start.sh)"
  topics_cmd() { kafka_tool org.apache.kafka.tools.TopicCommand "$@"; }
fi

for spec in "${TOPICS[@]}"; do
  IFS='|' read -r name partitions configs <<<"$spec"
  args=(--bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$name"
        --partitions "$partitions" --replication-factor "${CRM_TOPIC_REPLICATION:-1}")
  IFS=',' read -ra kvs <<<"$configs"
  for kv in "${kvs[@]}"; do args+=(--config "$kv"); done
  # TopicCommand warns about '.' in names on every call; our names use only dots.
  topics_cmd "${args[@]}" 2> >(grep -v "collide\|period ('.')" >&2) >/dev/null \
    || { printf '[infra] ERROR: could not create topic %s\n' "$name" >&2; exit 1; }
  printf '[infra] topic %s (%s partitions%s)\n' "$name" "$partitions" "${configs:+, $configs}" >&2
done
