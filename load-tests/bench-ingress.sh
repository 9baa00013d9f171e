#!/usr/bin/env bash
# Ingress benchmark, from nothing: Sluice vs the bare baseline vs the minimal limit server, all
# three under the same saturating generator (wrk replaying pre-signed Meta webhooks).
# See load-tests/README.md ("bench-ingress.sh").
#
# Builds, makes sure PostgreSQL runs (scripts/ensure-backends.sh), starts a dedicated Redis with
# AOF everysec on a free port, the provider simulator (the gateway's provider APIs point at it, so
# nothing can leave the machine), the gateway (own database, own admin token), the bare baseline
# (Redis database 1) and the minimal limit server (Redis database 2); creates tenants, a Meta app
# and channels through the operator API. Then: one unmeasured warm-up of each server, ROUNDS rounds
# of ROUND_S seconds per server in alternating order, the CPU time of every process of each side
# per request, medians, a drain of Sluice's queues through the pull API (lost = 0, duplicates = 0)
# and the table. Torn down by a trap. Loopback only. Every knob is an environment variable:
#
#   WARMUP_S=60                 unmeasured warm-up per server (the gateway's JIT needs about 60 s)
#   ROUND_S=30 ROUNDS=3         measured rounds per server, alternating the three servers
#   THREADS=2 CONNECTIONS=128   wrk threads and connections (all servers alike)
#   TIMEOUT_S=10                wrk's request timeout
#   WRK_STATUS=1                0: wrk counts 2xx vs other only, without a Lua call per response
#                               (about 1.5 µs less wrk CPU per request)
#   MAX_RATE=120000             sizes the pre-signed request files: MAX_RATE × seconds requests per
#                               round; a faster server replays its file (duplicates, counted as wraps)
#   BODY_BYTES=600              webhook body size (the message text is padded up to it)
#   TENANTS=20 CHANNELS_PER_TENANT=2 USERS=100000 REDELIVERY_SHARE=0.05
#   PER_MINUTE=600 BURST=100    inbound per-phone limit of every channel (and of both references)
#   BENCH_REDIS=dedicated|shared  dedicated: redis-server on a free port, AOF everysec
#   REDIS_MAXMEMORY=10gb        cap of the dedicated Redis (noeviction: writes fail, servers answer
#                               503, instead of the machine running out of memory)
#   GATEWAY_JAVA_OPTS=""        extra JVM options of the gateway and both references
#   PROFILE=0|1                 1: JFR of the gateway in the second half of its warm-up + hot spots
#   QUIET_WAIT_S=60             wait up to this long for the machine to go idle (< 25 % busy over
#                               3 s) before the warm-up; the CPU columns show what others took
#   SKIP_BUILD=0|1  OUT=dir     results go to OUT (default load-tests/target/bench-ingress/<time>)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

WARMUP_S=${WARMUP_S:-60}
ROUND_S=${ROUND_S:-30}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-128}
TIMEOUT_S=${TIMEOUT_S:-10}
export WRK_STATUS=${WRK_STATUS:-1}
MAX_RATE=${MAX_RATE:-120000}
BODY_BYTES=${BODY_BYTES:-600}
TENANTS=${TENANTS:-20}
CHANNELS_PER_TENANT=${CHANNELS_PER_TENANT:-2}
USERS=${USERS:-100000}
REDELIVERY_SHARE=${REDELIVERY_SHARE:-0.05}
PER_MINUTE=${PER_MINUTE:-600}
BURST=${BURST:-100}
BENCH_REDIS=${BENCH_REDIS:-dedicated}
REDIS_MAXMEMORY=${REDIS_MAXMEMORY:-10gb}
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
RUN="$(date +%s | tail -c 7)"   # in every wamid: a rerun against a shared Redis is not a duplicate
GATEWAY_JAR=${GATEWAY_JAR:-$root/gateway/target/sluice-gateway.jar}
GATEWAY_CONFIG=${GATEWAY_CONFIG:-$root/config/gateway.yaml}
KIT_JAR="$here/target/sluice-load-tests.jar"
LUA="$here/wrk/ingress.lua"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
. "$here/bench-lib.sh"

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
  rm -rf "$OUT/requests"
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
command -v wrk >/dev/null || missing+=(wrk)
install_missing ${missing[@]+"${missing[@]}"}
mkdir -p "$OUT/requests"

if [ "$SKIP_BUILD" != 1 ]; then
  log "building (mvn package)"
  (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true package)
fi

"$root/scripts/ensure-backends.sh"   # PostgreSQL (and the shared Redis, installed if absent)

wait_file() { # file, seconds
  for _ in $(seq 1 $(($2 * 5))); do [ -s "$1" ] && return 0; sleep 0.2; done
  log "$1 did not appear within $2 s"; return 1
}

# CPU of a process and all its descendants, dead or alive: its own time, the time of its reaped
# children (cutime/cstime), and the time of its live children and their reaped children. Catches
# Redis's AOF rewrite child and every PostgreSQL backend and background worker. (A process may
# exit while cat reads /proc: not an error.)
tree_jiffies() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v r="$1" '{
    pid = $1; s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
    if (pid == r || f[2] == r) t += f[12] + f[13] + f[14] + f[15] } END { print t + 0 }'
}
# CPU of the event-loop threads of a Vert.x process (thread names "vert.x-eventloop-thread-N").
loop_jiffies() {
  { cat /proc/"$1"/task/[0-9]*/stat 2>/dev/null || true; } | awk '/\(vert\.x-eventloo/ {
    s = $0; sub(/^.*\) /, "", s); split(s, f, " "); t += f[12] + f[13] } END { print t + 0 }'
}

# --- Redis ------------------------------------------------------------------------------------
if [ "$BENCH_REDIS" = dedicated ]; then
  redis_port=$(free_port)
  mkdir -p "$OUT/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$OUT/redis" --appendonly yes \
    --appendfsync everysec --save "" --maxmemory "$REDIS_MAXMEMORY" --maxmemory-policy noeviction \
    --logfile "$OUT/redis.log" &
  redis_pid=$!
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
  REDIS_URL="redis://127.0.0.1:$redis_port"
  GATEWAY_KEY_PREFIX=""
  log "dedicated Redis on $redis_port (appendonly yes, appendfsync everysec, save \"\", maxmemory $REDIS_MAXMEMORY)"
else
  REDIS_URL="redis://127.0.0.1:6379"
  # A namespace of this run's own: the shared Redis is stamped by other databases' gateways.
  GATEWAY_KEY_PREFIX="$DB:"
  log "shared Redis on 6379 ($(redis-cli config get appendonly | tr '\n' ' '))"
fi
redis_server_pid=$(redis-cli -u "$REDIS_URL" info server | tr -d '\r' | awk -F: '/^process_id/{print $2}')
{
  redis-cli -u "$REDIS_URL" config get appendonly | tr '\n' ' '
  redis-cli -u "$REDIS_URL" config get appendfsync | tr '\n' ' '
  redis-cli -u "$REDIS_URL" config get save | tr '\n' ' '
} >"$OUT/redis-durability.txt"
# The postmaster: the parent of the checkpointer; every PostgreSQL process descends from it.
pg_checkpointer=$(PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc \
  "select pid from pg_stat_activity where backend_type = 'checkpointer'")
pg_pid=$(awk '{s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[2]}' "/proc/$pg_checkpointer/stat")

# --- provider simulator (the gateway's provider APIs point here: nothing leaves the machine) -----
java -jar "$KIT_JAR" simulator --port 0 --port-file "$OUT/simulator.port" --max-lifetime-s 3600 \
  >"$OUT/simulator.log" 2>&1 &
pids+=($!)
wait_file "$OUT/simulator.port" 120
sim="http://127.0.0.1:$(cat "$OUT/simulator.port")"

# --- gateway ----------------------------------------------------------------------------------
gw_port=$(free_port)
log "starting the gateway on $gw_port (database $DB)"
env SLUICE_HTTP_PORT="$gw_port" SLUICE_HTTP_HOST=127.0.0.1 SLUICE_ADMIN_TOKEN="$ADMIN_TOKEN" \
  SLUICE_MASTER_KEY="$MASTER_KEY" SLUICE_REDIS_URL="$REDIS_URL" \
  SLUICE_REDIS_KEY_PREFIX="$GATEWAY_KEY_PREFIX" \
  SLUICE_PG_URL="postgresql://postgres:postgres@127.0.0.1:5432/$DB" \
  SLUICE_WHATSAPP_BASE_URL="$sim" SLUICE_TELEGRAM_BASE_URL="$sim" SLUICE_TWILIO_BASE_URL="$sim" \
  SLUICE_PUBLIC_URL="http://127.0.0.1:$gw_port" \
  java $GATEWAY_JAVA_OPTS -XX:+ExitOnOutOfMemoryError -jar "$GATEWAY_JAR" \
  --config "$GATEWAY_CONFIG" >"$OUT/gateway.log" 2>&1 &
gw_pid=$!
pids+=($gw_pid)
wait_http "http://127.0.0.1:$gw_port/health/ready" 180

java -jar "$KIT_JAR" setup --admin-url "http://127.0.0.1:$gw_port" --admin-token "$ADMIN_TOKEN" \
  --app "$APP" --app-secret "$APP_SECRET" --tenants "$TENANTS" \
  --channels-per-tenant "$CHANNELS_PER_TENANT" --users "$USERS" --per-minute "$PER_MINUTE" \
  --burst "$BURST" --keys-out "$OUT/keys.txt"

# --- the two references, each in its own Redis database (flushed between rounds) ---------------
java $GATEWAY_JAVA_OPTS -XX:+ExitOnOutOfMemoryError -jar "$KIT_JAR" baseline --port 0 \
  --port-file "$OUT/baseline.port" --redis-url "$REDIS_URL/1" --app-secret "$APP_SECRET" \
  --per-minute "$PER_MINUTE" --burst "$BURST" --max-lifetime-s 3600 >"$OUT/baseline.log" 2>&1 &
bl_pid=$!
pids+=($bl_pid)
java $GATEWAY_JAVA_OPTS -XX:+ExitOnOutOfMemoryError -jar "$KIT_JAR" limit-server --port 0 \
  --port-file "$OUT/limit.port" --redis-url "$REDIS_URL/2" --app-secret "$APP_SECRET" \
  --per-minute "$PER_MINUTE" --burst "$BURST" --max-lifetime-s 3600 >"$OUT/limit.log" 2>&1 &
lim_pid=$!
pids+=($lim_pid)
wait_file "$OUT/baseline.port" 180
wait_file "$OUT/limit.port" 180

declare -A srv_port=([sluice]=$gw_port [baseline]=$(cat "$OUT/baseline.port") [limit]=$(cat "$OUT/limit.port"))
declare -A srv_pid=([sluice]=$gw_pid [baseline]=$bl_pid [limit]=$lim_pid)
declare -A redis_db=([baseline]=1 [limit]=2)

# --- load -------------------------------------------------------------------------------------
requests() { # tag seconds: pre-signed requests for one phase, shared by the three servers
  local n=$((MAX_RATE * $2))
  log "signing $n requests for phase $1 ($THREADS files)"
  java -jar "$KIT_JAR" wrk-requests --out "$OUT/requests/$1" --tag "$RUN-$1" --count "$n" \
    --threads "$THREADS" --app-secret "$APP_SECRET" --path "/webhooks/meta/$APP" \
    --tenants "$TENANTS" --channels-per-tenant "$CHANNELS_PER_TENANT" --users "$USERS" \
    --redelivery-share "$REDELIVERY_SHARE" --body-bytes "$BODY_BYTES" >"$OUT/requests-$1.txt"
}

wrk_json() { sed -n 's/^wrk-json //p' "$1"; }

run_wrk() { # server phase seconds: one wrk run; writes $OUT/<server>-<phase>.{wrk,cpu}
  local server=$1 phase=$2 seconds=$3 name="$1-$2"
  log "$name: wrk -t$THREADS -c$CONNECTIONS -d${seconds}s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  local b0 s0 l0 r0 p0 t0 b1 s1 l1 r1 p1 t1 wrk_cpu
  b0=$(busy_jiffies); s0=$(tree_jiffies "${srv_pid[$server]}"); l0=$(loop_jiffies "${srv_pid[$server]}")
  r0=$(tree_jiffies "$redis_server_pid"); p0=$(tree_jiffies "$pg_pid"); t0=$(date +%s.%N)
  wrk_cpu=$( { TIMEFORMAT='%U %S'; time wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" \
    --timeout "${TIMEOUT_S}s" -s "$LUA" "http://127.0.0.1:${srv_port[$server]}" \
    -- "$OUT/requests/$phase" >"$OUT/$name.wrk"; } 2>&1 | tail -1)
  b1=$(busy_jiffies); s1=$(tree_jiffies "${srv_pid[$server]}"); l1=$(loop_jiffies "${srv_pid[$server]}")
  r1=$(tree_jiffies "$redis_server_pid"); p1=$(tree_jiffies "$pg_pid"); t1=$(date +%s.%N)
  # One line: elapsed s, machine busy, server, its event loops, redis, postgresql (jiffies), wrk (s)
  echo "$t0 $t1 $((b1 - b0)) $((s1 - s0)) $((l1 - l0)) $((r1 - r0)) $((p1 - p0)) $wrk_cpu" \
    | awk '{printf "%.3f %d %d %d %d %d %.2f\n", $2 - $1, $3, $4, $5, $6, $7, $8 + $9}' \
    >"$OUT/$name.cpu"
  wrk_json "$OUT/$name.wrk" >"$OUT/$name.json"
  if [ ! -s "$OUT/$name.json" ]; then log "wrk gave no result: see $OUT/$name.wrk"; exit 1; fi
}

acked() { # server phase: the .acked bit set of the first deliveries wrk sent
  local unique
  unique=$(grep -o '"unique":[0-9]*' "$OUT/$1-$2.json" | cut -d: -f2 | paste -sd,)
  java -jar "$KIT_JAR" wrk-requests --acked-out "$OUT/$1-$2.acked" --threads "$THREADS" \
    --unique "$unique"
}

flush_reference() { # server: empty the reference's Redis database (outside every measured window)
  [ -n "${redis_db[$1]:-}" ] && redis-cli -u "$REDIS_URL" -n "${redis_db[$1]}" flushdb >/dev/null
  return 0
}

wait_aof() { # an AOF rewrite started during one run must not bill its CPU to the next side
  for _ in $(seq 1 600); do
    redis-cli -u "$REDIS_URL" info persistence | tr -d '\r' | grep -q '^aof_rewrite_in_progress:1' || return 0
    sleep 0.5
  done
}

servers=(sluice baseline limit)
wait_quiet
requests warmup "$WARMUP_S"
if [ "$PROFILE" = 1 ]; then
  # The second half of the gateway's warm-up (JIT mostly done; no measured round pays for the
  # profiler), with the "profile" settings sampling every 1 ms instead of 10 ms.
  jfc="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc"
  sed '/"jdk.ExecutionSample"/,/<\/event>/s/10 ms/1 ms/' "$jfc" >"$OUT/sampling.jfc"
  jcmd "$gw_pid" JFR.start name=bench settings="$OUT/sampling.jfc" delay="$((WARMUP_S / 2))s" \
    duration="$((WARMUP_S - WARMUP_S / 2))s" filename="$OUT/gateway.jfr" >/dev/null
fi
for s in "${servers[@]}"; do
  run_wrk "$s" warmup "$WARMUP_S"
  flush_reference "$s"
done
acked sluice warmup
rm -f "$OUT/requests/warmup".*
expect=(--expect "$RUN-warmup=$OUT/sluice-warmup.acked")
: >"$OUT/rounds.txt"
for r in $(seq 1 "$ROUNDS"); do
  requests "r$r" "$ROUND_S"
  for i in 0 1 2; do # rotate the order so no server always runs first or last
    s=${servers[$(((i + r - 1) % 3))]}
    sleep 2
    wait_aof
    run_wrk "$s" "r$r" "$ROUND_S"
    flush_reference "$s"
    echo "$r $s $(cat "$OUT/$s-r$r.cpu") $(cat "$OUT/$s-r$r.json")" >>"$OUT/rounds.txt"
  done
  acked sluice "r$r"
  expect+=(--expect "$RUN-r$r=$OUT/sluice-r$r.acked")
  rm -f "$OUT/requests/r$r".*
done
redis_peak=$(redis-cli -u "$REDIS_URL" info memory | tr -d '\r' | awk -F: '/^used_memory_peak_human/{print $2}')

# --- drain and verify -------------------------------------------------------------------------
log "draining Sluice's tenant queues through the pull API"
java -jar "$KIT_JAR" drain --url "http://127.0.0.1:$gw_port" --keys "$OUT/keys.txt" \
  "${expect[@]}" --out "$OUT/drain.json" --parallel 4 --deadline-s 600 --redis-url "$REDIS_URL" \
  | tee "$OUT/drain.txt"
if grep -q '"lostInRedis"' "$OUT/drain.json"; then
  log "lost events: see lostInRedis in $OUT/drain.json (a sample looked up in Redis)"
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cores: $NCPU"
  free -g | sed 's/^/memory: /'
  java -version 2>&1 | head -1 | sed 's/^/java: /'
  echo "wrk: $(wrk -v 2>&1 | head -1)"
  echo "redis: $(redis-cli -u "$REDIS_URL" info server | tr -d '\r' | awk -F: '/^redis_version/{print $2}'), peak memory $redis_peak"
  echo "redis durability: $(cat "$OUT/redis-durability.txt")"
  echo "postgresql: $(PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'show server_version')"
  echo "gateway JVM options: -XX:+ExitOnOutOfMemoryError $GATEWAY_JAVA_OPTS"
  echo "load: WARMUP_S=$WARMUP_S ROUND_S=$ROUND_S ROUNDS=$ROUNDS THREADS=$THREADS" \
    "CONNECTIONS=$CONNECTIONS WRK_STATUS=$WRK_STATUS MAX_RATE=$MAX_RATE BODY_BYTES=$BODY_BYTES TENANTS=$TENANTS" \
    "CHANNELS_PER_TENANT=$CHANNELS_PER_TENANT USERS=$USERS REDELIVERY_SHARE=$REDELIVERY_SHARE" \
    "PER_MINUTE=$PER_MINUTE BURST=$BURST"
  echo "request files: $(cat "$OUT"/requests-r1.txt)"
} >"$OUT/environment.txt"
cat "$OUT/environment.txt"
echo

# --- table ------------------------------------------------------------------------------------
# rounds.txt: round server elapsed busy server loops redis pg (jiffies) wrk-cpu-s wrk-json
sluice_errors=$(grep -h '^[0-9]* sluice ' "$OUT/rounds.txt" | grep -c -v -E '"status":\{"2(00|xx)":[0-9]*\},"errors":\{"connect":0,"read":0,"write":0,"status":0,"timeout":0\}' || true)
awk -v hz="$CLK" -v c="$NCPU" -v drain="$(cat "$OUT/drain.txt")" -v serr="$sluice_errors" \
  -f "$here/wrk/ingress-table.awk" "$OUT/rounds.txt" | tee "$OUT/table.md"
if [ "$PROFILE" = 1 ] && [ -f "$OUT/gateway.jfr" ]; then
  java -jar "$KIT_JAR" jfr-top --file "$OUT/gateway.jfr" --top 25 >"$OUT/hotspots.txt"
  log "hot spots of the gateway (JFR, second half of its warm-up): $OUT/hotspots.txt"
fi
echo
echo "results: $OUT (table.md, rounds.txt, *.wrk, drain.json)"
