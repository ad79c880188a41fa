# Shared helpers for the infra/ scripts. Sourced, never executed.
# Every script resolves paths from its own location so it runs from any cwd.
# shellcheck disable=SC2034 # the variables below are used by the scripts that source this

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$INFRA_DIR/.." && pwd)"

# All mutable state (jars, broker data, logs, pid files) lives here; .infra/ is git-ignored.
STATE_DIR="${CRM_INFRA_DIR:-$REPO_ROOT/.infra}"
mkdir -p "$STATE_DIR"
STATE_DIR="$(cd "$STATE_DIR" && pwd)"

KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"
KAFKA_STATE="$STATE_DIR/kafka"
KAFKA_LIBS="$KAFKA_STATE/libs"
KAFKA_CONFIG_DIR="$KAFKA_STATE/config"
KAFKA_DATA="$KAFKA_STATE/data"
KAFKA_LOGS="$KAFKA_STATE/logs"
KAFKA_PID_FILE="$KAFKA_STATE/kafka.pid"

REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"
REDIS_STATE="$STATE_DIR/redis"
REDIS_PID_FILE="$REDIS_STATE/redis-$REDIS_PORT.pid"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

require_cmd() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' is required but not on PATH"
  done
}

# True when something accepts TCP connections on host:port (bash /dev/tcp, no nc needed).
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1
}

# True when pid is alive and its command line contains every given fragment.
# Guards against killing an unrelated process that reused a stale pid.
pid_matches() {
  local pid="$1"; shift
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  local fragment
  for fragment in "$@"; do
    [[ "$cmdline" == *"$fragment"* ]] || return 1
  done
}

read_pid_file() {
  if [[ -f "$1" ]]; then tr -dc '0-9' <"$1"; fi
}

# Sends SIGTERM, waits up to $2 seconds, then SIGKILL. Returns once the pid is gone.
terminate_pid() {
  local pid="$1" grace="$2" name="$3" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= grace * 10 )); then
      log "$name (pid $pid) still alive after ${grace}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

kafka_installed() {
  compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null && [[ -f "$KAFKA_LIBS/.installed" ]]
}

# Runs a Kafka CLI class (TopicCommand, ConsoleProducer, ...) on the installed class path.
# Short-lived client JVMs: small heap and C1 only, which roughly halves their start-up time.
kafka_tool() {
  local main_class="$1"; shift
  kafka_installed || die "Kafka jars not installed; run infra/kafka/install.sh first"
  # shellcheck disable=SC2086 # a list of JVM flags, split on purpose
  java ${KAFKA_TOOL_JVM_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
    -Dlog4j.configuration="file:$INFRA_DIR/kafka/tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$main_class" "$@"
}

# Ready = the PLAINTEXT port accepts connections AND a MetadataRequest returns a live
# broker and a controller. Prefers the raw-protocol node probe (fast); falls back to
# TopicCommand --list (a real client JVM) when node is not installed.
kafka_ready() {
  port_open "$KAFKA_HOST" "$KAFKA_PORT" || return 1
  if command -v node >/dev/null 2>&1; then
    node "$INFRA_DIR/kafka/probe-metadata.js" "$KAFKA_HOST" "$KAFKA_PORT" 3000 >/dev/null 2>&1
  else
    kafka_installed || return 1
    # shellcheck disable=SC2016 # expanded by the inner shell
    CRM_INFRA_DIR="$STATE_DIR" KAFKA_HOST="$KAFKA_HOST" KAFKA_PORT="$KAFKA_PORT" timeout 30 \
      bash -c 'source "$1"; kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP" --list' \
      _ "$INFRA_DIR/lib/common.sh" >/dev/null 2>&1
  fi
}
