#!/usr/bin/env bash
# Measures the broker's own limit with Kafka's ProducerPerformance and
# ConsumerPerformance, on a fresh throw-away topic (deleted afterwards), so a pipeline
# benchmark can be compared with what the broker alone does on this machine.
#
# Usage: infra/kafka/perf.sh [--json] [records=100000] [record-size-bytes=512]
# Env:   PERF_PARTITIONS (default 6), PERF_ACKS (default all), PERF_THROUGHPUT
#        (records/s cap, default -1 = unthrottled), PERF_KEEP_TOPIC=1 to keep the topic.
# Prints the producer's and consumer's summary lines; with --json, also one JSON line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

json=0
if [[ "${1:-}" == "--json" ]]; then json=1; shift; fi
RECORDS="${1:-100000}"
RECORD_SIZE="${2:-512}"
[[ "$RECORDS" =~ ^[1-9][0-9]*$ && "$RECORD_SIZE" =~ ^[1-9][0-9]*$ ]] \
  || die "usage: perf.sh [--json] [records] [record-size-bytes] (positive integers)"
PARTITIONS="${PERF_PARTITIONS:-6}"
TOPIC="crm.perf.$(date +%s).$$"

# Perf clients need the full JIT and a real heap, unlike the quick CLI calls.
export KAFKA_TOOL_JVM_OPTS="-Xms256m -Xmx512m -XX:+UseG1GC"

kafka_ready || die "no Kafka broker answering on $KAFKA_BOOTSTRAP (run infra/kafka/start.sh)"

cleanup() {
  [[ "${PERF_KEEP_TOPIC:-0}" == "1" ]] && return
  KAFKA_TOOL_JVM_OPTS="" kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" \
    --delete --topic "$TOPIC" >/dev/null 2>&1 || log "could not delete $TOPIC"
}
trap cleanup EXIT

KAFKA_TOOL_JVM_OPTS="" kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" \
  --create --topic "$TOPIC" --partitions "$PARTITIONS" --replication-factor 1 2>/dev/null >/dev/null \
  || die "could not create perf topic $TOPIC"

log "Producing $RECORDS records of $RECORD_SIZE bytes to $TOPIC ($PARTITIONS partitions, acks=${PERF_ACKS:-all}) ..."
producer_out="$(kafka_tool org.apache.kafka.tools.ProducerPerformance \
  --topic "$TOPIC" --num-records "$RECORDS" --record-size "$RECORD_SIZE" \
  --throughput "${PERF_THROUGHPUT:--1}" \
  --producer-props bootstrap.servers="$KAFKA_BOOTSTRAP" acks="${PERF_ACKS:-all}" linger.ms=5 batch.size=65536)" \
  || die "ProducerPerformance failed"
# The last line is the run's summary; the earlier ones are 5-second progress reports.
producer_summary="$(grep 'records sent' <<<"$producer_out" | tail -n 1)"

log "Consuming them back ..."
consumer_out="$(kafka_tool org.apache.kafka.tools.ConsumerPerformance \
  --bootstrap-server "$KAFKA_BOOTSTRAP" --topic "$TOPIC" --messages "$RECORDS" \
  --timeout 60000 --group "crm-perf-$$")" \
  || die "ConsumerPerformance failed"
consumer_header="$(grep '^start.time' <<<"$consumer_out" | head -n 1)"
consumer_summary="$(grep -v '^start.time' <<<"$consumer_out" | grep ',' | tail -n 1)"

echo "producer: $producer_summary"
echo "consumer: $consumer_header"
echo "consumer: $consumer_summary"

if (( json )); then
  # producer: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, p50 ms 50th, p95 ms 95th, p99 ms 99th, p999 ms 99.9th."
  read -r p_records p_rate p_mb p_avg p_max p50 p95 p99 < <(
    sed -E 's/^([0-9]+) records sent, ([0-9.]+) records\/sec \(([0-9.]+) MB\/sec\), ([0-9.]+) ms avg latency, ([0-9.]+) ms max latency, ([0-9]+) ms 50th, ([0-9]+) ms 95th, ([0-9]+) ms 99th.*/\1 \2 \3 \4 \5 \6 \7 \8/' \
      <<<"$producer_summary")
  # consumer CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  IFS=',' read -r _ _ c_mb c_mbs c_msgs c_rate c_rebalance c_fetch_ms c_fetch_mbs c_fetch_rate <<<"${consumer_summary// /}"
  printf '{"records":%s,"recordSize":%s,"partitions":%s,"producer":{"records":%s,"recordsPerSec":%s,"mbPerSec":%s,"avgLatencyMs":%s,"maxLatencyMs":%s,"p50Ms":%s,"p95Ms":%s,"p99Ms":%s},"consumer":{"records":%s,"mb":%s,"recordsPerSec":%s,"mbPerSec":%s,"rebalanceMs":%s,"fetchMs":%s,"fetchRecordsPerSec":%s,"fetchMbPerSec":%s}}\n' \
    "$RECORDS" "$RECORD_SIZE" "$PARTITIONS" \
    "$p_records" "$p_rate" "$p_mb" "$p_avg" "$p_max" "$p50" "$p95" "$p99" \
    "$c_msgs" "$c_mb" "$c_rate" "$c_mbs" "$c_rebalance" "$c_fetch_ms" "$c_fetch_rate" "$c_fetch_mbs"
fi
