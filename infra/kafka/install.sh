#!/usr/bin/env bash
# Puts a real Kafka broker's class path (kafka_2.13 + kafka-tools + logging binding,
# versions in pom.xml) into <state>/kafka/libs via Maven. Idempotent: skips when the
# jars for the current pom.xml are already there; ~/.m2 caches downloads across runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

POM="$INFRA_DIR/kafka/pom.xml"
stamp="$(sha256sum "$POM" | cut -d' ' -f1)"

if kafka_installed && [[ "$(cat "$KAFKA_LIBS/.installed")" == "$stamp" ]]; then
  log "Kafka jars already installed in $KAFKA_LIBS"
  exit 0
fi

require_cmd java mvn
log "Installing Kafka jars into $KAFKA_LIBS (mvn dependency:copy-dependencies) ..."
started=$SECONDS
tmp="$KAFKA_STATE/libs.tmp.$$"
rm -rf "$tmp"
mkdir -p "$KAFKA_STATE"
trap 'rm -rf "$tmp"' EXIT

# Copy into a scratch dir, then swap: a failed or interrupted download never leaves a
# half-filled libs/ (or jars of two Kafka versions mixed on one class path).
# The sed strips the bare colour-reset codes Debian's Maven 3.8 prints even with -B;
# pipefail keeps mvn's exit status.
if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1 \
    | sed -u -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
  die "Maven could not resolve the Kafka jars (see the output above). Is Maven Central reachable?"
fi
compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "Maven finished but no kafka_2.13 jar was copied into $tmp"

echo "$stamp" >"$tmp/.installed"
rm -rf "$KAFKA_LIBS"
mv "$tmp" "$KAFKA_LIBS"
trap - EXIT
log "Installed $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars ($(basename "$KAFKA_LIBS"/kafka_2.13-*.jar)) in $((SECONDS - started))s"
