#!/usr/bin/env bash
# Makes sure a local Redis (7+) and PostgreSQL are running on their standard ports, installing them
# with apt when they are absent. Used by ./run.sh and ./test.sh; safe to run again at any time.
# With --for-tests it also installs promtool (package "prometheus"), which the metrics test
# (GatewayIT) and the alerting-rule tests (OpsKitIT) use, jq, which the executed quickstart
# (docs/quickstart.md, QuickstartIT) uses, and headless Chromium with its driver (packages
# "chromium", "chromium-driver") for the status page's browser test.
set -euo pipefail

REDIS_PORT=6379
PG_PORT=5432
here="$(cd "$(dirname "$0")/.." && pwd)"

log() { printf '[backends] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  log "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

ensure_redis() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server redis-tools
  fi
  if redis_up; then
    log "Redis is running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  # Append-only file with fsync every second, as in production (config/redis.conf): what the
  # gateway acknowledged survives a restart.
  local dir="$here/.data/redis"
  mkdir -p "$dir"
  log "starting redis-server on 127.0.0.1:$REDIS_PORT (data in $dir)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
    --appendonly yes --appendfsync everysec --save "" --logfile "$dir/redis.log"
  for _ in $(seq 1 50); do redis_up && return; sleep 0.2; done
  log "Redis did not start; see $dir/redis.log"
  exit 1
}

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

pg_login_ok() {
  PGPASSWORD=postgres PGCONNECT_TIMEOUT=3 psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres \
    -d postgres -tAc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null && ! pg_up; then
    apt_install postgresql postgresql-client
  fi
  if ! pg_up; then
    local version
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$version" ]; then
      log "PostgreSQL is installed but has no cluster under /etc/postgresql"
      exit 1
    fi
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  fi
  if ! pg_up; then
    log "PostgreSQL did not start on 127.0.0.1:$PG_PORT"
    exit 1
  fi
  # The default URLs log in as postgres/postgres over TCP. Servers with trust auth ignore the
  # password; a stock local install (scram) gets that development password set once.
  if ! pg_login_ok; then
    log "setting the development password of the local 'postgres' role (see README)"
    as_root su postgres -c "psql -q -c \"ALTER ROLE postgres PASSWORD 'postgres'\"" >/dev/null
  fi
  if ! pg_login_ok; then
    log "cannot log in to PostgreSQL as postgres/postgres on 127.0.0.1:$PG_PORT;" \
      "set SLUICE_PG_URL (and SLUICE_TEST_PG_URL) to a URL that works"
    exit 1
  fi
  log "PostgreSQL is running on 127.0.0.1:$PG_PORT"
}

ensure_promtool() {
  command -v promtool >/dev/null || apt_install prometheus
}

ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt_install chromium chromium-driver
  fi
}

ensure_redis
ensure_postgres
if [ "${1:-}" = "--for-tests" ]; then
  ensure_promtool
  command -v jq >/dev/null || apt_install jq
  ensure_chromium
fi
