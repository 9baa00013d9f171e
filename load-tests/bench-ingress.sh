#!/usr/bin/env bash
# Ingress benchmark, from nothing: Sluice vs the bare baseline (load-tests/README.md).
#
# Builds, makes sure PostgreSQL runs (scripts/ensure-backends.sh), starts a dedicated Redis with
# AOF everysec on a free port, the gateway (own database, own admin token), the provider simulator
# (as the gateway's provider APIs, so nothing can leave the machine) and the bare baseline; creates
# tenants, a Meta app and channels through the operator API; then runs the same load against both:
# max rate to find the peak, then a constant rate at RATE_FRACTION of Sluice's peak for latency.
# Finally it drains Sluice's queues through the pull API (lost = 0, duplicates = 0), prints the
# table and tears everything down. Loopback only. Every knob is an environment variable:
#
#   WARMUP_S=5 MAX_S=15 RATE_S=30       phase lengths (seconds; warm-up precedes each phase)
#   ROUNDS=2                            max-rate rounds, alternating Sluice and baseline; the best
#                                       round of each counts (the machine may be shared)
#   CONCURRENCY=64 CONNECTIONS=128      max mode in-flight requests; connection pool
#   LOAD_LOOPS=1                        generator event loops
#   TENANTS=20 CHANNELS_PER_TENANT=2 USERS=100000 REDELIVERY_SHARE=0.05
#   PER_MINUTE=600 BURST=100            inbound per-phone limit of every channel (and the baseline)
#   RATE_FRACTION=0.8                   constant rate as a share of Sluice's peak
#   BENCH_REDIS=dedicated|shared        dedicated: redis-server on a free port, AOF everysec
#   GATEWAY_JAVA_OPTS=""                extra JVM options of the gateway and the baseline
#   PROFILE=0|1                         1: JFR of the gateway during its max-rate phase + hot spots
#   QUIET_WAIT_S=60                     wait up to this long for the machine to go idle (< 25% busy
#                                       over 3 s) before loading it; the CPU table shows the rest
#   SKIP_BUILD=0|1  OUT=dir             results go to OUT (default load-tests/target/bench-ingress/<time>)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

WARMUP_S=${WARMUP_S:-5}
MAX_S=${MAX_S:-15}
ROUNDS=${ROUNDS:-2}
RATE_S=${RATE_S:-30}
CONCURRENCY=${CONCURRENCY:-64}
CONNECTIONS=${CONNECTIONS:-128}
LOAD_LOOPS=${LOAD_LOOPS:-1}
TENANTS=${TENANTS:-20}
CHANNELS_PER_TENANT=${CHANNELS_PER_TENANT:-2}
USERS=${USERS:-100000}
REDELIVERY_SHARE=${REDELIVERY_SHARE:-0.05}
PER_MINUTE=${PER_MINUTE:-600}
BURST=${BURST:-100}
RATE_FRACTION=${RATE_FRACTION:-0.8}
BENCH_REDIS=${BENCH_REDIS:-dedicated}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
PROFILE=${PROFILE:-0}
QUIET_WAIT_S=${QUIET_WAIT_S:-60}
SKIP_BUILD=${SKIP_BUILD:-0}
OUT=${OUT:-$here/target/bench-ingress/$(date +%Y%m%d-%H%M%S)}

APP=loadapp
APP_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ADMIN_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
DB="sluice_bench_$$"
GATEWAY_JAR="$root/gateway/target/sluice-gateway.jar"
KIT_JAR="$here/target/sluice-load-tests.jar"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

pids=()
redis_pid=""
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
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

# --- tools ------------------------------------------------------------------------------------
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mkdir -p "$OUT"

if [ "$SKIP_BUILD" != 1 ]; then
  log "building (mvn package)"
  (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true package)
fi

"$root/scripts/ensure-backends.sh"   # PostgreSQL (and the shared Redis, installed if absent)

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  log "no free port found"; exit 1
}

wait_http() { # url, seconds
  for _ in $(seq 1 $(($2 * 5))); do
    curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  log "$1 did not answer within $2 s"; return 1
}

wait_port() { # port, seconds
  for _ in $(seq 1 $(($2 * 5))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  log "nothing listens on $1 after $2 s"; return 1
}

rss_sampler() { # pid, file: VmRSS in kB once a second while the process lives
  while [ -r "/proc/$1/status" ]; do
    awk '/^VmRSS:/{print $2}' "/proc/$1/status" >>"$2" 2>/dev/null || true
    sleep 1
  done
}

CLK=$(getconf CLK_TCK)
NCPU=$(nproc)
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
pid_jiffies() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# --- Redis ------------------------------------------------------------------------------------
if [ "$BENCH_REDIS" = dedicated ]; then
  redis_port=$(free_port)
  mkdir -p "$OUT/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$OUT/redis" --appendonly yes \
    --appendfsync everysec --save "" --logfile "$OUT/redis.log" &
  redis_pid=$!
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
  REDIS_URL="redis://127.0.0.1:$redis_port"
  log "dedicated Redis on $redis_port (appendonly yes, appendfsync everysec, save \"\")"
else
  REDIS_URL="redis://127.0.0.1:6379"
  log "shared Redis on 6379 ($(redis-cli config get appendonly | tr '\n' ' '))"
fi
redis_server_pid=$(redis-cli -u "$REDIS_URL" info server | tr -d '\r' | awk -F: '/^process_id/{print $2}')
redis-cli -u "$REDIS_URL" config get appendonly | tr '\n' ' ' >"$OUT/redis-durability.txt"
redis-cli -u "$REDIS_URL" config get appendfsync | tr '\n' ' ' >>"$OUT/redis-durability.txt"
redis-cli -u "$REDIS_URL" config get save | tr '\n' ' ' >>"$OUT/redis-durability.txt"

# --- provider simulator (the gateway's provider APIs point here: nothing leaves the machine) -----
java -jar "$KIT_JAR" simulator --port 0 --port-file "$OUT/simulator.port" --max-lifetime-s 1800 \
  >"$OUT/simulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$OUT/simulator.port" ] && break; sleep 0.1; done
sim="http://127.0.0.1:$(cat "$OUT/simulator.port")"

# --- gateway ----------------------------------------------------------------------------------
gw_port=$(free_port)
log "starting the gateway on $gw_port (database $DB)"
env SLUICE_HTTP_PORT="$gw_port" SLUICE_HTTP_HOST=127.0.0.1 SLUICE_ADMIN_TOKEN="$ADMIN_TOKEN" \
  SLUICE_MASTER_KEY="$MASTER_KEY" SLUICE_REDIS_URL="$REDIS_URL" \
  SLUICE_PG_URL="postgresql://postgres:postgres@127.0.0.1:5432/$DB" \
  SLUICE_WHATSAPP_BASE_URL="$sim" SLUICE_TELEGRAM_BASE_URL="$sim" SLUICE_TWILIO_BASE_URL="$sim" \
  SLUICE_PUBLIC_URL="http://127.0.0.1:$gw_port" \
  java $GATEWAY_JAVA_OPTS -XX:+ExitOnOutOfMemoryError -jar "$GATEWAY_JAR" \
  --config "$root/config/gateway.yaml" >"$OUT/gateway.log" 2>&1 &
gw_pid=$!
pids+=($gw_pid)
wait_http "http://127.0.0.1:$gw_port/health/ready" 60
rss_sampler "$gw_pid" "$OUT/gateway-rss.kb" &
pids+=($!)

java -jar "$KIT_JAR" setup --admin-url "http://127.0.0.1:$gw_port" --admin-token "$ADMIN_TOKEN" \
  --app "$APP" --app-secret "$APP_SECRET" --tenants "$TENANTS" \
  --channels-per-tenant "$CHANNELS_PER_TENANT" --users "$USERS" --per-minute "$PER_MINUTE" \
  --burst "$BURST" --keys-out "$OUT/keys.txt"

# --- bare baseline ----------------------------------------------------------------------------
bl_port=$(free_port)
java $GATEWAY_JAVA_OPTS -XX:+ExitOnOutOfMemoryError -jar "$KIT_JAR" baseline --port "$bl_port" \
  --redis-url "$REDIS_URL" --app-secret "$APP_SECRET" --per-minute "$PER_MINUTE" --burst "$BURST" \
  --max-lifetime-s 1800 >"$OUT/baseline.log" 2>&1 &
bl_pid=$!
pids+=($bl_pid)
wait_port "$bl_port" 30
rss_sampler "$bl_pid" "$OUT/baseline-rss.kb" &
pids+=($!)

# --- load -------------------------------------------------------------------------------------
load() { # name server-pid url mode tag [rate]
  local name=$1 server=$2 url=$3 mode=$4 tag=$5 rate=${6:-0} duration=$MAX_S
  [ "$mode" = rate ] && duration=$RATE_S
  log "$name: $mode${6:+ at $rate req/s} for ${WARMUP_S}+${duration} s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  local b0 s0 r0 t0 b1 s1 r1 t1
  b0=$(busy_jiffies); s0=$(pid_jiffies "$server"); r0=$(pid_jiffies "$redis_server_pid"); t0=$(date +%s.%N)
  java -jar "$KIT_JAR" ingress --url "$url" --app-secret "$APP_SECRET" --mode "$mode" \
    --rate "$rate" --concurrency "$CONCURRENCY" --connections "$CONNECTIONS" --loops "$LOAD_LOOPS" \
    --warmup-s "$WARMUP_S" --duration-s "$duration" --tenants "$TENANTS" \
    --channels-per-tenant "$CHANNELS_PER_TENANT" --users "$USERS" \
    --redelivery-share "$REDELIVERY_SHARE" --tag "$tag" --label "$name" --out "$OUT/$name"
  b1=$(busy_jiffies); s1=$(pid_jiffies "$server"); r1=$(pid_jiffies "$redis_server_pid"); t1=$(date +%s.%N)
  local gen
  gen=$(sed -n 's/.*"generatorCpuS" : \([0-9.]*\).*/\1/p' "$OUT/$name.json")
  local done_total
  done_total=$(sed -n 's/.*"completedTotal" : \([0-9]*\).*/\1/p' "$OUT/$name.json")
  awk -v n="$name" -v b=$((b1 - b0)) -v s=$((s1 - s0)) -v r=$((r1 - r0)) -v g="${gen:-0}" \
    -v e="$(echo "$t1 $t0" | awk '{print $1 - $2}')" -v hz="$CLK" -v c="$NCPU" \
    -v k="${done_total:-0}" 'BEGIN {
      cap = e * hz * c / 100; gj = g * hz; o = b - s - r - gj; if (o < 0) o = 0
      per = k > 0 ? s / hz / k * 1e6 : 0; rper = k > 0 ? r / hz / k * 1e6 : 0
      printf "%s %.0f%% %.0f%% %.0f%% %.0f%% %.0f%% %.0f %.0f\n",
        n, b/cap, s/cap, r/cap, gj/cap, o/cap, per, rper }' >>"$OUT/cpu.txt"
}
peak() { sed -n 's/.*"throughputPerSec" : \([0-9.]*\).*/\1/p' "$1"; }

sluice_url="http://127.0.0.1:$gw_port/webhooks/meta/$APP"
baseline_url="http://127.0.0.1:$bl_port/webhooks/meta/$APP"

wait_quiet() { # the machine may be shared: give other work a chance to finish first
  local deadline=$((SECONDS + QUIET_WAIT_S)) b0 b1 pct
  while :; do
    b0=$(busy_jiffies); sleep 3; b1=$(busy_jiffies)
    pct=$(( (b1 - b0) * 100 / (3 * CLK * NCPU) ))
    if [ "$pct" -lt 25 ]; then log "machine idle enough (${pct}% busy)"; return; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "machine still ${pct}% busy after ${QUIET_WAIT_S} s of waiting; running anyway (see the CPU table)"
      return
    fi
  done
}

best() { # name: copy the round with the highest throughput to <name>.json/.html
  local best_file="" best_peak=-1 f p
  for f in "$OUT/$1"-r*.json; do
    p=$(peak "$f")
    if awk -v a="$p" -v b="$best_peak" 'BEGIN{exit !(a > b)}'; then best_peak=$p; best_file=$f; fi
  done
  cp "$best_file" "$OUT/$1.json"
  cp "${best_file%.json}.html" "$OUT/$1.html"
}

wait_quiet
if [ "$PROFILE" = 1 ]; then
  # The "profile" settings, sampling every 1 ms instead of 10 ms for more samples in a short phase.
  jfc="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc"
  sed '/"jdk.ExecutionSample"/,/<\/event>/s/10 ms/1 ms/' "$jfc" >"$OUT/sampling.jfc"
  jcmd "$gw_pid" JFR.start name=bench settings="$OUT/sampling.jfc" delay="${WARMUP_S}s" \
    duration="${MAX_S}s" filename="$OUT/gateway.jfr" >/dev/null
fi
expect=()
for r in $(seq 1 "$ROUNDS"); do
  load "sluice-max-r$r" "$gw_pid" "$sluice_url" max "smax$r"
  expect+=(--expect "smax$r=$OUT/sluice-max-r$r.acked")
  sleep 2
  load "baseline-max-r$r" "$bl_pid" "$baseline_url" max "bmax$r"
  sleep 2
done
best sluice-max
best baseline-max
rate=$(awk -v p="$(peak "$OUT/sluice-max.json")" -v f="$RATE_FRACTION" 'BEGIN{printf "%d", p*f}')
if [ "$rate" -lt 1 ]; then log "Sluice's peak is 0: see $OUT/gateway.log"; exit 1; fi
load sluice-rate "$gw_pid" "$sluice_url" rate srate "$rate"
expect+=(--expect "srate=$OUT/sluice-rate.acked")
sleep 2
load baseline-rate "$bl_pid" "$baseline_url" rate brate "$rate"

# --- drain and verify -------------------------------------------------------------------------
log "draining Sluice's tenant queues through the pull API"
java -jar "$KIT_JAR" drain --url "http://127.0.0.1:$gw_port" --keys "$OUT/keys.txt" \
  "${expect[@]}" \
  --out "$OUT/drain.json" --parallel 4 --deadline-s 240

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cores: $(nproc)"
  free -g | sed 's/^/memory: /'
  java -version 2>&1 | head -1 | sed 's/^/java: /'
  echo "redis: $(redis-cli -u "$REDIS_URL" info server | tr -d '\r' | awk -F: '/^redis_version/{print $2}')"
  echo "redis durability: $(cat "$OUT/redis-durability.txt")"
  echo "postgresql: $(PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'show server_version')"
  echo "gateway JVM options: -XX:+ExitOnOutOfMemoryError $GATEWAY_JAVA_OPTS"
  echo "load: WARMUP_S=$WARMUP_S MAX_S=$MAX_S ROUNDS=$ROUNDS RATE_S=$RATE_S CONCURRENCY=$CONCURRENCY" \
    "CONNECTIONS=$CONNECTIONS LOAD_LOOPS=$LOAD_LOOPS TENANTS=$TENANTS" \
    "CHANNELS_PER_TENANT=$CHANNELS_PER_TENANT USERS=$USERS REDELIVERY_SHARE=$REDELIVERY_SHARE" \
    "PER_MINUTE=$PER_MINUTE BURST=$BURST RATE_FRACTION=$RATE_FRACTION"
} >"$OUT/environment.txt"
cat "$OUT/environment.txt"
echo
java -jar "$KIT_JAR" table --dir "$OUT"
if [ "$PROFILE" = 1 ] && [ -f "$OUT/gateway.jfr" ]; then
  java -jar "$KIT_JAR" jfr-top --file "$OUT/gateway.jfr" --top 25 >"$OUT/hotspots.txt"
  log "hot spots of the gateway (JFR, max-rate phase): $OUT/hotspots.txt"
fi
echo
echo "reports: $OUT/{sluice,baseline}-{max,rate}.html"
