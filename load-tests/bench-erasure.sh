#!/usr/bin/env bash
# Erasure benchmark, from nothing: how long the gateway takes to erase one phone number from a
# tenant that holds MESSAGES messages (load-tests/README.md, "bench-erasure.sh").
#
# Installs what is missing (JDK, Maven, curl, openssl), builds, makes sure PostgreSQL runs, starts a
# dedicated Redis (AOF everysec) on a free port and the gateway (own database, own admin token,
# dispatch off so queued messages stay queued) on 127.0.0.1. One tenant with one WhatsApp channel
# (the load kit's `setup`). Then:
#
#   1. history: MESSAGES messages of the tenant written straight into PostgreSQL (generate_series),
#      to PEOPLE distinct numbers, created over the last 60 days (the monthly partitions of those
#      months made first, as the gateway's sweep would have), each with a `sent` history row, a
#      provider `delivered` report and a sealed-size body (random bytes: the erasure never opens
#      them); ANALYZE;
#   2. ROUNDS rounds, each with a number of its own that none of the others has: TARGET_ROWS more
#      history rows for it (its keyed hash computed here from the master key, as the gateway does:
#      HMAC-SHA256 under the phone-index key, the first 12 bytes), plus QUEUED messages to it sent
#      through POST /v1/messages (queued in Redis, their history and sealed bodies written by the
#      ledger; the script checks their stored hash equals its own), and ARCHIVED delivered events
#      of other people in the replay archive of the number's partition (the stream an erasure
#      walks the longest: delivery keeps up to delivery.replayMaxPerPartition there) plus
#      TARGET_ROWS of the number's own; then POST /v1/privacy/erasures
#      and GET it every 50 ms until `completed`. Timed: the request to completion as the client saw
#      it, and the job's own startedAt → finishedAt; the receipt's counts; afterwards no row of the
#      number is left (by hash and by number) and the other people's rows are all there;
#   3. the table (erasure.md): per round and the median.
# Everything is torn down by a trap.
#
# Knobs (environment):
#   MESSAGES=1000000 PEOPLE=100000 TARGET_ROWS=20 QUEUED=5 ROUNDS=3 ARCHIVED=100000
#   SKIP_BUILD=0|1 GATEWAY_JAVA_OPTS="" GATEWAY_JAR=… GATEWAY_CONFIG=…
#   OUT=dir                                  results: load-tests/target/bench-erasure/<time>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

MESSAGES=${MESSAGES:-1000000}
PEOPLE=${PEOPLE:-100000}
TARGET_ROWS=${TARGET_ROWS:-20}
QUEUED=${QUEUED:-5}
ROUNDS=${ROUNDS:-3}
ARCHIVED=${ARCHIVED:-100000}
SKIP_BUILD=${SKIP_BUILD:-0}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
GATEWAY_JAR=${GATEWAY_JAR:-$root/gateway/target/sluice-gateway.jar}
GATEWAY_CONFIG=${GATEWAY_CONFIG:-$root/config/gateway.yaml}
OUT=${OUT:-$here/target/bench-erasure/$(date +%Y%m%d-%H%M%S)}
KIT_JAR="$here/target/sluice-load-tests.jar"

APP=erasureapp
APP_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ADMIN_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
DB="sluice_bench_erasure_$$"

log() { printf '[erasure %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
. "$here/bench-lib.sh"

redis_pid=""
gw_pid=""
cleanup() {
  set +e
  if [ -n "$gw_pid" ]; then
    kill "$gw_pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$gw_pid" 2>/dev/null
  fi
  if [ -n "$redis_pid" ]; then
    kill "$redis_pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.1; done
    rm -rf "$OUT/redis"
  fi
  PGPASSWORD=postgres psql -q -h 127.0.0.1 -U postgres -d postgres \
    -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
  log "torn down (results in $OUT)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

missing=()
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
install_missing ${missing[@]+"${missing[@]}"}
mkdir -p "$OUT"

if [ "$SKIP_BUILD" != 1 ]; then
  log "building (mvn package)"
  (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true package)
fi
"$root/scripts/ensure-backends.sh"

psql_db() { PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d "$DB" -v ON_ERROR_STOP=1 -tA "$@"; }
now_ms() { date +%s%3N; }

# --- Redis and the gateway ----------------------------------------------------------------------
redis_port=$(free_port)
mkdir -p "$OUT/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$OUT/redis" --appendonly yes \
  --appendfsync everysec --save "" --logfile "$OUT/redis.log" &
redis_pid=$!
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done

gw_port=$(free_port)
gw="http://127.0.0.1:$gw_port"
env SLUICE_HTTP_PORT="$gw_port" SLUICE_HTTP_HOST=127.0.0.1 SLUICE_ADMIN_TOKEN="$ADMIN_TOKEN" \
  SLUICE_MASTER_KEY="$MASTER_KEY" SLUICE_REDIS_URL="redis://127.0.0.1:$redis_port" \
  SLUICE_PG_URL="postgresql://postgres:postgres@127.0.0.1:5432/$DB" \
  SLUICE_WHATSAPP_BASE_URL="http://127.0.0.1:9" SLUICE_PUBLIC_URL="$gw" \
  SLUICE_DISPATCH_ENABLED=false SLUICE_PRIVACY_POLL_MS=50 \
  java $GATEWAY_JAVA_OPTS -XX:+ExitOnOutOfMemoryError -jar "$GATEWAY_JAR" \
  --config "$GATEWAY_CONFIG" >>"$OUT/gateway.log" 2>&1 &
gw_pid=$!
wait_http "$gw/health/ready" 90
log "gateway on $gw_port (database $DB, dispatch off), Redis on $redis_port"

java -jar "$KIT_JAR" setup --admin-url "$gw" --admin-token "$ADMIN_TOKEN" --app "$APP" \
  --app-secret "$APP_SECRET" --tenants 1 --channels-per-tenant 1 --provider whatsapp \
  --keys-out "$OUT/keys.txt" --routes-out "$OUT/routes.txt" >"$OUT/setup.log" 2>&1
read -r TENANT API_KEY CHANNEL <"$OUT/routes.txt"
log "tenant $TENANT, channel $CHANNEL"

# The keyed hash of a number, as the gateway computes it: the phone-index key a new deployment
# stores is HMAC-SHA256(master key, "sluice/phone-hash/v1"); the hash is HMAC-SHA256 of the number
# under it, its first 12 bytes in hex.
hex() { od -An -tx1 | tr -d ' \n'; }
master_hex=$(printf '%s' "$MASTER_KEY" | base64 -d | hex)
index_hex=$(printf 'sluice/phone-hash/v1' |
  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$master_hex" -binary | hex)
phone_hash() {
  printf '%s' "$1" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$index_hex" -binary | hex |
    cut -c1-24
}

# --- history of MESSAGES messages ---------------------------------------------------------------
# The monthly partitions of the last three months (the gateway makes the current one and those
# ahead; a deployment that has run for months has the earlier ones).
for back in 1 2 3; do
  month=$(date -u -d "$(date -u +%Y-%m-01) -$back month" +%Y-%m-01)
  next=$(date -u -d "$month +1 month" +%Y-%m-01)
  suffix=$(date -u -d "$month" +%Y%m)
  for table in messages message_events message_bodies; do
    psql_db -qc "CREATE TABLE IF NOT EXISTS ${table}_$suffix PARTITION OF $table
      FOR VALUES FROM ('$month 00:00:00+00') TO ('$next 00:00:00+00')" >/dev/null
  done
done

# history_rows COUNT PHONE-SQL HASH-SQL SEED: COUNT messages with their history, reports and bodies.
history_rows() {
  psql_db -q >/dev/null <<SQL
CREATE TEMP TABLE batch AS
  SELECT gen_random_uuid() AS id, $2 AS recipient, $3 AS recipient_hash,
         now() - (n % 60) * interval '1 day' - (n % 86400) * interval '1 second' AS created_at,
         'wamid.' || md5('$4' || n) AS pmid
  FROM generate_series(1, $1) n;
INSERT INTO messages (id, tenant_id, channel_id, provider, recipient, lane, status, status_rank,
    provider_message_id, created_at, updated_at, recipient_hash)
  SELECT id, '$TENANT', '$CHANNEL', 'whatsapp', recipient, 'high', 'delivered', 4, pmid,
         created_at, created_at, recipient_hash FROM batch;
INSERT INTO message_events (message_id, status, at, source, provider_message_id, message_created_at)
  SELECT id, 'sent', created_at + interval '1 second', 'dispatcher', pmid, created_at FROM batch;
INSERT INTO provider_statuses (provider, provider_message_id, status, status_rank, at)
  SELECT 'whatsapp', pmid, 'delivered', 4, created_at + interval '3 seconds' FROM batch;
INSERT INTO message_bodies (message_id, tenant_id, message_created_at, sealed)
  SELECT id, '$TENANT', created_at,
         decode(md5(id::text) || md5(pmid) || md5(recipient) || md5(pmid || 'x'), 'hex') FROM batch;
DROP TABLE batch;
SQL
}

t0=$(now_ms)
log "writing $MESSAGES messages to $PEOPLE people (history, reports, bodies)"
history_rows "$MESSAGES" "'+1555' || lpad((n % $PEOPLE)::text, 7, '0')" \
  "substr(md5('person' || (n % $PEOPLE)), 1, 24)" bulk
psql_db -qc "ANALYZE" >/dev/null
log "written in $(( ($(now_ms) - t0) / 1000 )) s; $(psql_db -c "SELECT pg_size_pretty(pg_database_size('$DB'))") in the database"
others_before=$(psql_db -c "SELECT count(*) FROM messages WHERE tenant_id = '$TENANT'")

# --- rounds -------------------------------------------------------------------------------------
results="$OUT/rounds.tsv"
: >"$results"
for round in $(seq 1 "$ROUNDS"); do
  target="+1212555$(printf '%04d' $((9000 + round)))"
  hash=$(phone_hash "${target#+}")   # the conversation key: the digits without +
  history_rows "$TARGET_ROWS" "'$target'" "'$hash'" "round$round"
  ids=()
  for i in $(seq 1 "$QUEUED"); do
    id=$(curl -sf -X POST "$gw/v1/messages" -H "Authorization: Bearer $API_KEY" \
      -H 'Content-Type: application/json' \
      -d "{\"channel\":\"$CHANNEL\",\"to\":\"$target\",\"text\":\"round $round message $i\"}" |
      sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
    ids+=("$id")
  done
  for _ in $(seq 1 200); do
    written=$(psql_db -c "SELECT count(*) FROM messages WHERE recipient_hash = '$hash'")
    [ "$written" -ge $((TARGET_ROWS + QUEUED)) ] && break
    sleep 0.1
  done
  stored=$(psql_db -c "SELECT recipient_hash FROM messages WHERE id = '${ids[0]}'")
  if [ "$stored" != "$hash" ]; then
    log "the gateway's hash of $round's number is not this script's: $stored vs $hash"; exit 1
  fi
  held=$(psql_db -c "SELECT count(*) FROM messages WHERE tenant_id = '$TENANT'")
  # The number's partition (PhoneHasher.partition: the hash's first 4 bytes modulo the partitions)
  # and its replay archive: ARCHIVED entries of other conversations, TARGET_ROWS of the number's.
  partition=$(( 16#${hash:0:8} % 16 ))
  archive="{t:$TENANT:$partition}:in:done"
  python3 - "$archive" "$ARCHIVED" "$TARGET_ROWS" "$CHANNEL" "$hash" "$target" <<'PY' |
import sys
key, others, mine, channel, h, number = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
def cmd(*args):
    out = "*%d\r\n" % len(args)
    for a in args:
        b = a.encode()
        out += "$%d\r\n%s\r\n" % (len(b), a)
    sys.stdout.write(out)
for i in range(others):
    cmd("XADD", key, "*", "id", "e%d" % i, "c", "%s:%024x" % (channel, i),
        "e", '{"kind":"message","from":"+1000%07d","text":"archived %d"}' % (i, i), "r", "raw %d" % i)
for j in range(mine):
    cmd("XADD", key, "*", "id", "m%d" % j, "c", "%s:%s" % (channel, h),
        "e", '{"kind":"message","from":"%s","text":"mine %d"}' % (number, j), "r", "raw mine %d" % j)
PY
    redis-cli -p "$redis_port" --pipe >/dev/null
  archived_before=$(redis-cli -p "$redis_port" xlen "$archive")

  start=$(now_ms)
  job=$(curl -sf -X POST "$gw/v1/privacy/erasures" -H "Authorization: Bearer $API_KEY" \
    -H 'Content-Type: application/json' -d "{\"phone\":\"$target\"}" |
    sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  status=""
  while :; do
    body=$(curl -sf "$gw/v1/privacy/erasures/$job" -H "Authorization: Bearer $API_KEY")
    status=$(printf '%s' "$body" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
    [ "$status" = completed ] || [ "$status" = failed ] && break
    [ $(( $(now_ms) - start )) -gt 600000 ] && { log "round $round: no end after 10 min"; exit 1; }
    sleep 0.05
  done
  client_ms=$(( $(now_ms) - start ))
  printf '%s\n' "$body" >"$OUT/receipt-$round.json"
  [ "$status" = completed ] || { log "round $round: the erasure failed: $body"; exit 1; }
  job_ms=$(python3 - "$OUT/receipt-$round.json" <<'PY'
import json, sys
from datetime import datetime
r = json.load(open(sys.argv[1]))
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
print(int((t(r["finishedAt"]) - t(r["startedAt"])).total_seconds() * 1000))
PY
)
  left=$(psql_db -c "SELECT count(*) FROM messages WHERE recipient_hash = '$hash' OR recipient = '$target'")
  others=$(psql_db -c "SELECT count(*) FROM messages WHERE tenant_id = '$TENANT'")
  removed=$(printf '%s' "$body" | sed -n 's/.*"removed":\({[^}]*}\).*/\1/p')
  archived_after=$(redis-cli -p "$redis_port" xlen "$archive")
  log "round $round: $held messages held, $archived_before events in the partition's archive; erased in $client_ms ms (job $job_ms ms); left $left; archive $archived_before → $archived_after; $removed"
  [ "$left" = 0 ] || { log "round $round: $left rows of the number left"; exit 1; }
  [ "$others" = "$others_before" ] || { log "round $round: other people's rows changed ($others_before → $others)"; exit 1; }
  redis-cli -p "$redis_port" del "$archive" >/dev/null
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$held" "$archived_before" "$client_ms" "$job_ms" "$removed" >>"$results"
done

python3 - "$results" "$MESSAGES" "$PEOPLE" >"$OUT/erasure.md" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("| round | messages held by the tenant | events in the partition's replay archive | request → completed (client) | job started → finished | removed |")
print("|---|---:|---:|---:|---:|---|")
for r in rows:
    print(f"| {r[0]} | {int(r[1]):,} | {int(r[2]):,} | {r[3]} ms | {r[4]} ms | `{r[5]}` |")
print(f"| **median** | | | **{statistics.median(int(r[3]) for r in rows):.0f} ms** | "
      f"**{statistics.median(int(r[4]) for r in rows):.0f} ms** | |")
PY
cat "$OUT/erasure.md"
