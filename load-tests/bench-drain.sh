#!/usr/bin/env bash
# Dispatcher drain benchmark: how fast Sluice sends a backlog that is already queued, and what it
# costs per message — the question "does a backlog drain at least as fast as the API accepts?".
#
# Builds (unless SKIP_BUILD=1), makes sure PostgreSQL runs, starts a dedicated Redis (AOF
# everysec) on a free port and the fixed-answer fake provider (fake-provider.sh, nginx), then:
#   1. the gateway with dispatch off; tenants with a Twilio SMS channel each (pacing lifted); the
#      backlog is queued through POST /v1/messages/batch (BATCHES × 1000 messages, distinct valid
#      US numbers, unique texts);
#   2. the gateway is stopped and started again with dispatch on; WARM_BATCHES more batches are
#      queued and sent first, unmeasured (JIT warm-up), then the measured backlog is drained;
#   3. prints messages/s sent to the fake and CPU µs per message of the gateway, Redis and every
#      PostgreSQL process, nginx beside them, and Redis commands per message (commandstats).
# Everything is on 127.0.0.1 and torn down by a trap.
#
# Knobs: BATCHES=100 WARM_BATCHES=30 TENANTS=4 OUTBOUND_EVENTS=all|final|failures|none
#        GATEWAY_JAR=… GATEWAY_CONFIG=… SKIP_BUILD=0|1 OUT=dir (default target/bench-drain/<time>)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
BATCHES=${BATCHES:-100}
WARM_BATCHES=${WARM_BATCHES:-30}
TENANTS=${TENANTS:-4}
OUTBOUND_EVENTS=${OUTBOUND_EVENTS:-all}
SKIP_BUILD=${SKIP_BUILD:-0}
GATEWAY_JAR=${GATEWAY_JAR:-$root/gateway/target/sluice-gateway.jar}
GATEWAY_CONFIG=${GATEWAY_CONFIG:-$root/config/gateway.yaml}
KIT_JAR="$here/target/sluice-load-tests.jar"
OUT=${OUT:-$here/target/bench-drain/$(date +%Y%m%d-%H%M%S)}
DB="sluice_bench_drain_$$"
ADMIN_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
MASTER_KEY="$(head -c 32 /dev/urandom | base64)"

log() { printf '[drain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pids=()
redis_pid=""
gw=""
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 1
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null
  PGPASSWORD=postgres psql -q -h 127.0.0.1 -U postgres -d postgres \
    -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$OUT/redis" "$OUT/nginx/tmp" "$OUT"/batch-*.json
  log "torn down (results in $OUT)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in java curl python3 redis-server nginx; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { log "$tool is missing"; exit 1; }
done
mkdir -p "$OUT/redis"
if [ "$SKIP_BUILD" != 1 ]; then
  log "building (mvn package)"
  (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true package)
fi
"$root/scripts/ensure-backends.sh"

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  log "no free port found"; exit 1
}
redis_port=$(free_port); fake_port=$(free_port); gw_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$OUT/redis" --appendonly yes \
  --appendfsync everysec --save "" --logfile "$OUT/redis.log" &
redis_pid=$!
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
"$here/fake-provider.sh" "$OUT/nginx" "$fake_port" 1 >"$OUT/nginx.out" 2>&1 &
nginx_pid=$!
pids+=($nginx_pid)

start_gateway() { # dispatch enabled: true|false
  env SLUICE_HTTP_PORT="$gw_port" SLUICE_HTTP_HOST=127.0.0.1 SLUICE_ADMIN_TOKEN="$ADMIN_TOKEN" \
    SLUICE_MASTER_KEY="$MASTER_KEY" SLUICE_REDIS_URL="redis://127.0.0.1:$redis_port" \
    SLUICE_PG_URL="postgresql://postgres:postgres@127.0.0.1:5432/$DB" \
    SLUICE_TWILIO_BASE_URL="http://127.0.0.1:$fake_port" SLUICE_DISPATCH_ENABLED="$1" \
    SLUICE_DELIVERY_ENABLED=false \
    java -XX:+ExitOnOutOfMemoryError -jar "$GATEWAY_JAR" --config "$GATEWAY_CONFIG" \
    >>"$OUT/gateway.log" 2>&1 &
  gw=$!
  pids+=($gw)
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$gw_port/health/ready" 2>/dev/null && return
    sleep 0.2
  done
  log "the gateway did not become ready: $OUT/gateway.log"; exit 1
}

start_gateway false
events=()
[ "$OUTBOUND_EVENTS" != all ] && events=(--outbound-events "$OUTBOUND_EVENTS")
java -jar "$KIT_JAR" setup --admin-url "http://127.0.0.1:$gw_port" --admin-token "$ADMIN_TOKEN" \
  --app drainapp --app-secret "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  --first-tenant 300 --tenants "$TENANTS" --channels-per-tenant 1 --provider twilio \
  --public-url "http://127.0.0.1:$gw_port" --outbound-per-second 1000000 --outbound-burst 10000 \
  --per-recipient-per-minute 1000000 --recipient-burst 10000 "${events[@]}" \
  --keys-out "$OUT/keys.txt" --routes-out "$OUT/routes.txt" >"$OUT/setup.log" 2>&1

# Batches of 1000 distinct, valid US numbers (NXX exchanges 200-999) and unique texts.
python3 - "$OUT" $((WARM_BATCHES + BATCHES)) <<'PY'
import json, random, sys
out, n = sys.argv[1], int(sys.argv[2])
routes = [l.split() for l in open(out + "/routes.txt") if l.strip()]
for b in range(n):
    _, key, channel = routes[b % len(routes)]
    msgs = [{"channel": channel, "type": "text", "text": "lt-drain-%d-%d" % (b, i),
             "to": "+1%d%d%04d" % (random.choice([202, 212, 312, 415, 646]),
                                  random.randint(200, 999), random.randrange(10000))}
            for i in range(1000)]
    json.dump({"messages": msgs}, open("%s/batch-%d.json" % (out, b), "w"))
    open("%s/key-%d" % (out, b), "w").write(key)
PY
queue() { # first last: posts those batches; prints the number of refused items
  local refused=0 b
  for b in $(seq "$1" "$2"); do
    curl -s -o "$OUT/batch-$b.out" -X POST -H "Authorization: Bearer $(cat "$OUT/key-$b")" \
      -H 'Content-Type: application/json' --data-binary "@$OUT/batch-$b.json" \
      "http://127.0.0.1:$gw_port/v1/messages/batch"
    refused=$((refused + $( (grep -o '"error"' "$OUT/batch-$b.out" || true) | wc -l)))
  done
  echo "$refused"
}
log "queueing $BATCHES × 1000 messages with dispatch off"
refused=$(queue "$WARM_BATCHES" $((WARM_BATCHES + BATCHES - 1)))
[ "$refused" -eq 0 ] || { log "$refused messages refused by the API"; exit 1; }
kill "$gw"; wait "$gw" 2>/dev/null || true

sent() { cat "$OUT/nginx/logs/twilio.log" 2>/dev/null | wc -l; }
jiffies() { local j=0 p; for p in "$@"; do j=$((j + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $j; }
pg_pids() { pgrep -x postgres | tr '\n' ' '; }
redis_tree() { echo "$redis_pid $(pgrep -P "$redis_pid" | tr '\n' ' ')"; }

log "gateway with dispatch on; warming up on $WARM_BATCHES × 1000 more (unmeasured)"
start_gateway true
# The warm-up batches join the same queues; the measured window starts once WARM_BATCHES × 1000
# messages (of either kind) are out, and ends when everything is: BATCHES × 1000 messages sent
# by a warm gateway from a standing backlog.
queue 0 $((WARM_BATCHES - 1)) >/dev/null
total=$(((WARM_BATCHES + BATCHES) * 1000))
warm=$((WARM_BATCHES * 1000))
while [ "$(sent)" -lt "$warm" ]; do sleep 0.2; done
redis-cli -p "$redis_port" config resetstat >/dev/null
n0=$(sent); t0=$(date +%s.%N)
g0=$(jiffies "$gw"); r0=$(jiffies $(redis_tree)); p0=$(jiffies $(pg_pids)); x0=$(jiffies "$nginx_pid" $(pgrep -P "$nginx_pid"))
last=-1; still=0
while :; do
  sleep 1
  n=$(sent)
  [ "$n" -ge "$total" ] && break
  if [ "$n" -eq "$last" ]; then still=$((still + 1)); [ "$still" -ge 15 ] && break; else still=0; fi
  last=$n
done
n1=$(sent); t1=$(date +%s.%N)
g1=$(jiffies "$gw"); r1=$(jiffies $(redis_tree)); p1=$(jiffies $(pg_pids)); x1=$(jiffies "$nginx_pid" $(pgrep -P "$nginx_pid"))
redis-cli -p "$redis_port" info commandstats | tr -d '\r' | grep '^cmdstat' >"$OUT/commandstats.txt"
redis-cli -p "$redis_port" info stats | tr -d '\r' >"$OUT/redis-stats.txt"
left=0
for k in $(redis-cli -p "$redis_port" --scan --pattern '*:out:hi') \
  $(redis-cli -p "$redis_port" --scan --pattern '*:out:lo'); do
  left=$((left + $(redis-cli -p "$redis_port" xlen "$k")))
done
hz=$(getconf CLK_TCK)
{
  echo "gateway: $GATEWAY_JAR"
  echo "backlog: $BATCHES × 1000 messages, $TENANTS tenants, outboundEvents $OUTBOUND_EVENTS"
  awk -v n=$((n1 - n0)) -v t0="$t0" -v t1="$t1" -v g=$((g1 - g0)) -v r=$((r1 - r0)) \
    -v p=$((p1 - p0)) -v x=$((x1 - x0)) -v hz="$hz" 'BEGIN {
      d = t1 - t0; us = 1e6 / hz / n
      printf "sent in the window: %d in %.1f s = %.0f msg/s\n", n, d, n / d
      printf "CPU µs per message: gateway %.0f, Redis %.0f, PostgreSQL %.0f, server total %.0f; nginx (the fake) %.0f\n",
        g * us, r * us, p * us, (g + r + p) * us, x * us }'
  echo "left in the outbound streams afterwards: $left; lines at the fake: $n1 of $total"
  # How well the gateway's commands share socket reads: Redis counts the reads it processed (its
  # command count includes the calls made inside functions, so it is not the client's).
  awk -F: -v n=$((n1 - n0)) '/^total_reads_processed:/ { r = $2 }
    END { printf "Redis: %.3f socket reads per message\n", r / n }' "$OUT/redis-stats.txt"
  awk -F'[:,=]' -v n=$((n1 - n0)) '{ printf "  %-22s %6.2f per message, %7.2f µs per call\n", $1, $3 / n, $7 }' \
    "$OUT/commandstats.txt" | sed 's/cmdstat_//' | sort -k2 -nr | head -14
} | tee "$OUT/summary.txt"
