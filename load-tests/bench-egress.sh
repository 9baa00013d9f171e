#!/usr/bin/env bash
# Egress benchmark, from nothing: Sluice vs Kannel, and Sluice end to end (load-tests/README.md).
#
# Installs what is missing (JDK, Maven, curl, Kannel: bearerbox + smsbox + fakesmsc), builds, makes
# sure PostgreSQL runs (scripts/ensure-backends.sh), starts a dedicated Redis with AOF everysec on a
# free port, the provider simulator (as the gateway's provider APIs: nothing leaves the machine),
# the gateway (own database, own admin token) and Kannel (bearerbox with a store file, fakesmsc as
# the SMSC, smsbox for sendsms), all on 127.0.0.1. Then, in this order:
#
#   1. ROUNDS × (Kannel max, Sluice SMS max), alternating: closed loop into Kannel's sendsms and
#      into Sluice's POST /v1/messages for Twilio SMS channels (pacing lifted, no delivery reports
#      on either side); what counts is messages per second *delivered to the fake provider*
#      (fakesmsc / the simulator) in the measured window; the best round of each counts;
#   2. Sluice WhatsApp max: closed loop, the simulator sends Meta-signed status webhooks (sent,
#      delivered, read) back to the gateway; Sluice's egress peak = sent per second in the window;
#   3. Sluice WhatsApp at RATE_FRACTION × that peak (open model) for RATE_S: accepted→sent and
#      accepted→read from the status events drained through the pull API while the load runs;
#   4. mixed: WhatsApp egress at MIX_FRACTION × peak and signed inbound webhooks at
#      MIX_INGRESS_RATE, at once, for MIX_S; the inbound queues are drained and checked after;
#   5. soak (SOAK_S > 0, e.g. 600): WhatsApp egress at SOAK_FRACTION × peak, gateway RSS sampled;
#   6. prints the tables (also table.md) and tears everything down (trap).
# After every phase the backlog is allowed to drain (at most SETTLE_S) and the fake provider's count
# of unique texts is compared with what the API accepted: lost = 0 and duplicates = 0.
#
# Knobs (environment):
#   WARMUP_S=5 MAX_S=30 ROUNDS=3 RATE_S=60 MIX_S=60 SOAK_S=0   phase lengths (seconds)
#   RATE_FRACTION=0.8 MIX_FRACTION=0.5 SOAK_FRACTION=0.8        shares of Sluice's WhatsApp peak
#   MIX_INGRESS_RATE=300                                        inbound webhooks/s in the mixed phase
#   CONCURRENCY=64 CONNECTIONS=64 LOAD_LOOPS=1                  max mode in flight; pool; loops
#   WA_TENANTS=10 WA_CHANNELS_PER_TENANT=4 SMS_TENANTS=4 INGRESS_TENANTS=10 USERS=100000
#   SENT_DELAY_MS=20 DELIVERED_DELAY_MS=100 READ_DELAY_MS=300  simulated provider status delays
#   SETTLE_S=180                                                longest wait for a backlog to drain
#   QUIET_WAIT_S=60                                             wait for an idle machine (< 25 % busy)
#   PROFILE=0|1                                                 1: JFR of the gateway during sluice-sms-max-r1
#                                                               and sluice-wa-max + hot spots (hotspots-*.txt)
#   GATEWAY_JAVA_OPTS=""  SKIP_BUILD=0|1  OUT=dir               results: load-tests/target/bench-egress/<time>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

WARMUP_S=${WARMUP_S:-5}
MAX_S=${MAX_S:-30}
ROUNDS=${ROUNDS:-3}
RATE_S=${RATE_S:-60}
MIX_S=${MIX_S:-60}
SOAK_S=${SOAK_S:-0}
RATE_FRACTION=${RATE_FRACTION:-0.8}
MIX_FRACTION=${MIX_FRACTION:-0.5}
SOAK_FRACTION=${SOAK_FRACTION:-0.8}
MIX_INGRESS_RATE=${MIX_INGRESS_RATE:-300}
CONCURRENCY=${CONCURRENCY:-64}
CONNECTIONS=${CONNECTIONS:-64}
LOAD_LOOPS=${LOAD_LOOPS:-1}
WA_TENANTS=${WA_TENANTS:-10}
WA_CHANNELS_PER_TENANT=${WA_CHANNELS_PER_TENANT:-4}
SMS_TENANTS=${SMS_TENANTS:-4}
INGRESS_TENANTS=${INGRESS_TENANTS:-10}
USERS=${USERS:-100000}
SENT_DELAY_MS=${SENT_DELAY_MS:-20}
DELIVERED_DELAY_MS=${DELIVERED_DELAY_MS:-100}
READ_DELAY_MS=${READ_DELAY_MS:-300}
SETTLE_S=${SETTLE_S:-180}
QUIET_WAIT_S=${QUIET_WAIT_S:-60}
PROFILE=${PROFILE:-0}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
SKIP_BUILD=${SKIP_BUILD:-0}
OUT=${OUT:-$here/target/bench-egress/$(date +%Y%m%d-%H%M%S)}

APP=loadapp
APP_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ADMIN_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
KANNEL_PASSWORD="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DB="sluice_bench_egress_$$"
GATEWAY_JAR="$root/gateway/target/sluice-gateway.jar"
KIT_JAR="$here/target/sluice-load-tests.jar"
FAKESMSC=/usr/lib/kannel/test/fakesmsc

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
  rm -rf "$OUT/kannel/store"
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
[ -x /usr/sbin/bearerbox ] || missing+=(kannel)
[ -x "$FAKESMSC" ] || missing+=(kannel-extras)
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

rss_sampler() { # pid, file: "<epochMs> <VmRSS kB>" once a second while the process lives
  while [ -r "/proc/$1/status" ]; do
    echo "$(date +%s%3N) $(awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null)" >>"$2" || true
    sleep 1
  done
}

CLK=$(getconf CLK_TCK)
NCPU=$(nproc)
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
irq_jiffies() { awk '/^cpu /{print $7+$8}' /proc/stat; }   # interrupts: loopback networking mostly
pid_jiffies() { local j=0 p; for p in "$@"; do j=$((j + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $j; }
ms() { date +%s%3N; }

# --- Redis ------------------------------------------------------------------------------------
redis_port=$(free_port)
mkdir -p "$OUT/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$OUT/redis" --appendonly yes \
  --appendfsync everysec --save "" --logfile "$OUT/redis.log" &
redis_pid=$!
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
REDIS_URL="redis://127.0.0.1:$redis_port"
log "dedicated Redis on $redis_port (appendonly yes, appendfsync everysec, save \"\")"
{
  redis-cli -p "$redis_port" config get appendonly | tr '\n' ' '
  redis-cli -p "$redis_port" config get appendfsync | tr '\n' ' '
  redis-cli -p "$redis_port" config get save | tr '\n' ' '
} >"$OUT/redis-durability.txt"

# --- provider simulator -----------------------------------------------------------------------
gw_port=$(free_port)
java -jar "$KIT_JAR" simulator --port 0 --port-file "$OUT/simulator.port" --max-lifetime-s 7200 \
  --statusWebhookUrl "http://127.0.0.1:$gw_port/webhooks/meta/$APP" --appSecret "$APP_SECRET" \
  --readShare 1 --sentDelayMs "$SENT_DELAY_MS" --deliveredDelayMs "$DELIVERED_DELAY_MS" \
  --readDelayMs "$READ_DELAY_MS" --twilioCallbackShare 0 >"$OUT/simulator.log" 2>&1 &
sim_pid=$!
pids+=($sim_pid)
for _ in $(seq 1 100); do [ -s "$OUT/simulator.port" ] && break; sleep 0.1; done
sim="http://127.0.0.1:$(cat "$OUT/simulator.port")"

# --- gateway ----------------------------------------------------------------------------------
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
rss_sampler "$gw_pid" "$OUT/gateway-rss.txt" &
pids+=($!)

setup() {
  java -jar "$KIT_JAR" setup --admin-url "http://127.0.0.1:$gw_port" --admin-token "$ADMIN_TOKEN" \
    --app "$APP" --app-secret "$APP_SECRET" --users "$USERS" "$@"
}
# Inbound tenants (mixed phase), as bench-ingress.sh makes them; this call creates the Meta app.
setup --tenants "$INGRESS_TENANTS" --channels-per-tenant 2 --per-minute 600 --burst 100 \
  --keys-out "$OUT/ingress-keys.txt"
# WhatsApp egress tenants: 80 msg/s per number (the gateway's default pacing, the simulator's limit).
setup --existing-app --first-tenant 200 --tenants "$WA_TENANTS" \
  --channels-per-tenant "$WA_CHANNELS_PER_TENANT" --keys-out "$OUT/wa-keys.txt" \
  --routes-out "$OUT/wa-routes.txt"
# SMS tenants for the Kannel comparison: Twilio channels with pacing lifted (Kannel has none).
setup --existing-app --first-tenant 100 --tenants "$SMS_TENANTS" --channels-per-tenant 1 \
  --provider twilio --public-url "http://127.0.0.1:$gw_port" --outbound-per-second 1000000 \
  --outbound-burst 10000 --per-recipient-per-minute 1000000 --recipient-burst 10000 \
  --keys-out "$OUT/sms-keys.txt" --routes-out "$OUT/sms-routes.txt"

# --- Kannel: bearerbox (store file) + fakesmsc (the SMSC) + smsbox (sendsms) ------------------
mkdir -p "$OUT/kannel/store"
k_admin=$(free_port); k_smsbox=$(free_port); k_smsc=$(free_port); k_sendsms=$(free_port)
cat >"$OUT/kannel/kannel.conf" <<EOF
group = core
admin-port = $k_admin
admin-interface = 127.0.0.1
admin-password = $KANNEL_PASSWORD
status-password = $KANNEL_PASSWORD
smsbox-port = $k_smsbox
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "$OUT/kannel/bearerbox.log"
log-level = 2
# Durability: every accepted message is written to the store file until the SMSC took it.
store-type = file
store-location = "$OUT/kannel/store/kannel.store"
store-dump-freq = 1

# The fake SMSC listener has no bind-address setting (it binds every interface); it accepts
# connections from 127.0.0.1 only.
group = smsc
smsc = fake
smsc-id = fake
port = $k_smsc
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $k_smsbox
sendsms-port = $k_sendsms
sendsms-interface = 127.0.0.1
log-file = "$OUT/kannel/smsbox.log"
log-level = 2

group = sendsms-user
username = bench
password = $KANNEL_PASSWORD
max-messages = 1

group = sms-service
keyword = default
text = "ok"
catch-all = true
max-messages = 0
EOF
/usr/sbin/bearerbox -v 2 "$OUT/kannel/kannel.conf" >"$OUT/kannel/bearerbox.out" 2>&1 &
bb_pid=$!
pids+=($bb_pid)
wait_port "$k_smsc" 30
# fakesmsc logs each message it receives ("Got message N: <from to text ...>"): keep the text
# only (our unique message id), never the numbers.
"$FAKESMSC" -H 127.0.0.1 -r "$k_smsc" -i 1 -m 0 "1 2 text nop" \
  > >(awk '/Got message/ { t = $NF; sub(/>$/, "", t); print t; fflush() }' >"$OUT/kannel/received.txt") 2>&1 &
fake_pid=$!
pids+=($fake_pid)
/usr/sbin/smsbox -v 2 "$OUT/kannel/kannel.conf" >"$OUT/kannel/smsbox.out" 2>&1 &
sb_pid=$!
pids+=($sb_pid)
wait_port "$k_sendsms" 30
kannel_url="http://127.0.0.1:$k_sendsms"
log "Kannel: bearerbox (store file), fakesmsc on $k_smsc, sendsms on $k_sendsms"

# --- measuring helpers ------------------------------------------------------------------------
sim_endpoint() { # whatsapp|twilio: sends the simulator accepted for that endpoint
  curl -s --max-time 5 "$sim/stats" | grep -o "\"acceptedPerEndpoint\":{[^}]*}" | grep -o "\"$1\":[0-9]*" | cut -d: -f2 | grep . || echo 0
}
sim_number() { # unique|duplicates
  curl -s --max-time 5 "$sim/stats" | grep -o "^{\"received\":[0-9]*,\"accepted\":[0-9]*,\"unique\":[0-9]*,\"duplicates\":[0-9]*" | grep -o "\"$1\":[0-9]*" | cut -d: -f2
}
delivered_count() { # kind: what the fake provider has received so far
  case $1 in
    kannel) wc -l <"$OUT/kannel/received.txt" ;;
    sms) sim_endpoint twilio ;;
    wa) sim_endpoint whatsapp ;;
  esac
}
count_sampler() { # kind file: "<epochMs> <count>" twice a second
  while :; do echo "$(ms) $(delivered_count "$1")" >>"$2"; sleep 0.5; done
}
json_num() { sed -n "s/.*\"$2\" : \\([0-9.]*\\).*/\\1/p" "$1" | head -1; }

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

# phase NAME KIND(kannel|sms|wa) MODE RATE DURATION: one load phase, then its backlog drains.
# MIX_INGRESS=<rate> in the environment adds signed inbound webhooks at that rate meanwhile.
phase() {
  local name=$1 kind=$2 mode=$3 rate=$4 duration=$5 tag
  tag=$(echo "$name" | tr -cd 'A-Za-z0-9')
  log "$name: $kind $mode${rate:+ at $rate msg/s} for ${WARMUP_S}+${duration} s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  local before_count before_unique before_dups sampler drain_pid="" ingress_pid=""
  before_count=$(delivered_count "$kind")
  before_unique=$(sim_number unique); before_dups=$(sim_number duplicates)
  count_sampler "$kind" "$OUT/$name.delivered" &
  sampler=$!
  if [ "$kind" = wa ]; then
    java -jar "$KIT_JAR" status-drain --url "http://127.0.0.1:$gw_port" --keys "$OUT/wa-keys.txt" \
      --accepted "$OUT/$name.accepted" --out "$OUT/$name-status" --final read --label "$name" \
      --settle-s 30 --deadline-s $((WARMUP_S + duration + SETTLE_S + 60)) --parallel 4 \
      >"$OUT/$name-status.log" 2>&1 &
    drain_pid=$!
  fi
  if [ "$PROFILE" = 1 ] && { [ "$name" = sluice-sms-max-r1 ] || [ "$name" = sluice-wa-max ]; }; then
    jcmd "$gw_pid" JFR.start name="$name" settings="$OUT/sampling.jfc" delay="${WARMUP_S}s" \
      duration="${duration}s" filename="$OUT/gateway-$name.jfr" >/dev/null
  fi
  local b0 g0 k0 r0 s0 d0 t0 p0 i0 b1 g1 k1 r1 s1 t1 p1 i1 pg
  # PostgreSQL backends serving this benchmark's database only (others may share the server).
  pg=$(PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc \
    "select pid from pg_stat_activity where datname = '$DB'" 2>/dev/null | tr '\n' ' ')
  b0=$(busy_jiffies); g0=$(pid_jiffies "$gw_pid"); k0=$(pid_jiffies "$bb_pid" "$sb_pid")
  r0=$(pid_jiffies "$redis_pid"); s0=$(pid_jiffies "$sim_pid" "$fake_pid"); d0=0; t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  p0=$(pid_jiffies $pg); i0=$(irq_jiffies)
  if [ -n "${MIX_INGRESS:-}" ]; then
    java -jar "$KIT_JAR" ingress --url "http://127.0.0.1:$gw_port/webhooks/meta/$APP" \
      --app-secret "$APP_SECRET" --mode rate --rate "$MIX_INGRESS" --connections 32 \
      --warmup-s "$WARMUP_S" --duration-s "$duration" --tenants "$INGRESS_TENANTS" \
      --channels-per-tenant 2 --users "$USERS" --redelivery-share 0.05 --tag mixin \
      --label mixed-ingress --out "$OUT/mixed-ingress" >"$OUT/mixed-ingress.log" 2>&1 &
    ingress_pid=$!
  fi
  local target_args=(--target sluice --url "http://127.0.0.1:$gw_port" --routes "$OUT/$kind-routes.txt")
  [ "$kind" = kannel ] && target_args=(--target kannel --url "$kannel_url" --kannel-user bench --kannel-password "$KANNEL_PASSWORD")
  java -jar "$KIT_JAR" egress "${target_args[@]}" --mode "$mode" --rate "${rate:-0}" \
    --concurrency "$CONCURRENCY" --connections "$CONNECTIONS" --loops "$LOAD_LOOPS" \
    --warmup-s "$WARMUP_S" --duration-s "$duration" --users "$USERS" --tag "$tag" \
    --label "$name" --out "$OUT/$name"
  [ -n "$ingress_pid" ] && { wait "$ingress_pid" || log "the ingress generator failed: $OUT/mixed-ingress.log"; tail -1 "$OUT/mixed-ingress.log"; }
  [ -n "$drain_pid" ] && d0=$(pid_jiffies "$drain_pid")
  b1=$(busy_jiffies); g1=$(pid_jiffies "$gw_pid"); k1=$(pid_jiffies "$bb_pid" "$sb_pid")
  r1=$(pid_jiffies "$redis_pid"); s1=$(pid_jiffies "$sim_pid" "$fake_pid"); t1=$(date +%s.%N)
  # shellcheck disable=SC2086
  p1=$(pid_jiffies $pg); i1=$(irq_jiffies)
  local gen ingen=0
  gen=$(json_num "$OUT/$name.json" generatorCpuS)
  [ -n "$ingress_pid" ] && ingen=$(json_num "$OUT/mixed-ingress.json" generatorCpuS)
  awk -v n="$name" -v b=$((b1 - b0)) -v g=$((g1 - g0)) -v k=$((k1 - k0)) -v r=$((r1 - r0)) \
    -v s=$((s1 - s0)) -v p=$((p1 - p0)) -v i=$((i1 - i0)) -v d="$d0" -v gc="${gen:-0}" \
    -v ic="${ingen:-0}" -v la="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v e="$(echo "$t1 $t0" | awk '{print $1 - $2}')" -v hz="$CLK" -v c="$NCPU" 'BEGIN {
      cap = e * hz * c / 100; gen = (gc + ic) * hz + d; o = b - g - k - r - s - p - i - gen
      if (o < 0) o = 0
      printf "%s %.0f%% %.0f%% %.0f%% %.0f%% %.0f%% %.0f%% %.0f%% %.0f%% %.0f%% %s\n",
        n, b/cap, g/cap, k/cap, r/cap, p/cap, s/cap, gen/cap, i/cap, o/cap, la }' >>"$OUT/cpu.txt"
  echo "$name $CLK $((g1 - g0)) $((k1 - k0)) $((r1 - r0)) $((p1 - p0)) $((s1 - s0))" >>"$OUT/cpu-raw.txt"

  # Let the backlog drain: until the provider has as many as were accepted, or nothing moved for
  # 15 s, or SETTLE_S.
  local accepted settle_start=$SECONDS last=-1 still=0 now settled=false
  accepted=$(json_num "$OUT/$name.json" acceptedTotal)
  while [ $((SECONDS - settle_start)) -lt "$SETTLE_S" ]; do
    now=$(( $(delivered_count "$kind") - before_count ))
    if [ "$now" -ge "$accepted" ]; then settled=true; break; fi
    if [ "$now" -eq "$last" ]; then still=$((still + 1)); else still=0; fi
    [ "$still" -ge 15 ] && break
    last=$now; sleep 1
  done
  local settle_s=$((SECONDS - settle_start)) unique dups
  sleep 1
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  if [ "$kind" = kannel ]; then
    unique=$( (grep "^lt-$tag-" "$OUT/kannel/received.txt" || true) | sort -u | wc -l)
    dups=$(( $( (grep "^lt-$tag-" "$OUT/kannel/received.txt" || true) | wc -l) - unique ))
  else
    unique=$(( $(sim_number unique) - before_unique )); dups=$(( $(sim_number duplicates) - before_dups ))
  fi
  printf '{"accepted":%s,"unique":%s,"duplicates":%s,"settled":%s,"settleS":%s}\n' \
    "$accepted" "$unique" "$dups" "$settled" "$settle_s" >"$OUT/$name.provider.json"
  log "$name: accepted $accepted, provider got $unique unique ($dups duplicates), backlog drained in ${settle_s} s"
  if [ -n "$drain_pid" ]; then wait "$drain_pid" || log "status drain failed: $OUT/$name-status.log"; tail -1 "$OUT/$name-status.log"; fi
}

sent_rate() { # name: sent per second in the measured window (from the .delivered samples)
  java -jar "$KIT_JAR" egress-table --dir "$OUT" --rate-of "$1"
}

# --- the phases -------------------------------------------------------------------------------
if [ "$PROFILE" = 1 ]; then
  # The "profile" settings, sampling every 1 ms instead of 10 ms for more samples in a short phase.
  jfc="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc"
  sed '/"jdk.ExecutionSample"/,/<\/event>/s/10 ms/1 ms/' "$jfc" >"$OUT/sampling.jfc"
fi
wait_quiet
for r in $(seq 1 "$ROUNDS"); do
  phase "kannel-max-r$r" kannel max "" "$MAX_S"
  phase "sluice-sms-max-r$r" sms max "" "$MAX_S"
done
phase sluice-wa-max wa max "" "$MAX_S"
peak=$(sent_rate sluice-wa-max)
log "Sluice's WhatsApp egress peak: $peak msg/s sent"
rate=$(awk -v p="$peak" -v f="$RATE_FRACTION" 'BEGIN{printf "%d", p*f}')
if [ "$rate" -lt 1 ]; then log "Sluice's peak is 0: see $OUT/gateway.log"; exit 1; fi
wait_quiet
phase sluice-wa-rate wa rate "$rate" "$RATE_S"
MIX_INGRESS=$MIX_INGRESS_RATE phase mixed-egress wa rate \
  "$(awk -v p="$peak" -v f="$MIX_FRACTION" 'BEGIN{printf "%d", p*f}')" "$MIX_S"
log "draining the inbound queues of the mixed phase"
java -jar "$KIT_JAR" drain --url "http://127.0.0.1:$gw_port" --keys "$OUT/ingress-keys.txt" \
  --expect "mixin=$OUT/mixed-ingress.acked" --out "$OUT/mixed-drain.json" --parallel 4 --deadline-s 240
if [ "$SOAK_S" -gt 0 ]; then
  soak_start=$(ms)
  phase soak wa rate "$(awk -v p="$peak" -v f="$SOAK_FRACTION" 'BEGIN{printf "%d", p*f}')" "$SOAK_S"
  awk -v s="$soak_start" -v e="$(ms)" '$1 >= s && $1 <= e' "$OUT/gateway-rss.txt" >"$OUT/soak-rss.txt"
fi
awk '{print $2}' "$OUT/gateway-rss.txt" >"$OUT/gateway-rss.kb"
# Redis's view of the run, for diagnosis: per-command cost and the slowest calls.
redis-cli -p "$redis_port" info commandstats >"$OUT/redis-commandstats.txt" 2>&1 || true
redis-cli -p "$redis_port" slowlog get 20 >"$OUT/redis-slowlog.txt" 2>&1 || true

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cores: $(nproc)"
  free -g | sed 's/^/memory: /'
  java -version 2>&1 | head -1 | sed 's/^/java: /'
  echo "redis: $(redis-cli -p "$redis_port" info server | tr -d '\r' | awk -F: '/^redis_version/{print $2}')"
  echo "redis durability: $(cat "$OUT/redis-durability.txt")"
  echo "postgresql: $(PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'show server_version')"
  echo "kannel: $(dpkg-query -W -f='${Version}' kannel 2>/dev/null) (store-type file, store-dump-freq 1)"
  echo "gateway JVM options: -XX:+ExitOnOutOfMemoryError $GATEWAY_JAVA_OPTS"
  echo "load: WARMUP_S=$WARMUP_S MAX_S=$MAX_S ROUNDS=$ROUNDS RATE_S=$RATE_S MIX_S=$MIX_S" \
    "SOAK_S=$SOAK_S RATE_FRACTION=$RATE_FRACTION MIX_FRACTION=$MIX_FRACTION" \
    "SOAK_FRACTION=$SOAK_FRACTION MIX_INGRESS_RATE=$MIX_INGRESS_RATE CONCURRENCY=$CONCURRENCY" \
    "CONNECTIONS=$CONNECTIONS LOAD_LOOPS=$LOAD_LOOPS WA_TENANTS=$WA_TENANTS" \
    "WA_CHANNELS_PER_TENANT=$WA_CHANNELS_PER_TENANT SMS_TENANTS=$SMS_TENANTS USERS=$USERS" \
    "SENT_DELAY_MS=$SENT_DELAY_MS DELIVERED_DELAY_MS=$DELIVERED_DELAY_MS READ_DELAY_MS=$READ_DELAY_MS"
} >"$OUT/environment.txt"
cat "$OUT/environment.txt"
echo
java -jar "$KIT_JAR" egress-table --dir "$OUT"
if [ "$PROFILE" = 1 ]; then
  for f in "$OUT"/gateway-*.jfr; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .jfr); n=${n#gateway-}
    java -jar "$KIT_JAR" jfr-top --file "$f" --top 25 >"$OUT/hotspots-$n.txt"
    log "hot spots of the gateway during $n (JFR): $OUT/hotspots-$n.txt"
  done
fi
echo
echo "reports: $OUT/*.html"
