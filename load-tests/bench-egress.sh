#!/usr/bin/env bash
# Egress benchmark, from nothing: Sluice vs Kannel on the same fake provider, the bare egress
# baseline, an open-model sweep, and Sluice's WhatsApp correctness phases (load-tests/README.md).
#
# Installs what is missing (JDK, Maven, curl, wrk, nginx-light, Kannel: bearerbox + smsbox +
# fakesmsc), builds, makes sure PostgreSQL runs (scripts/ensure-backends.sh), starts a dedicated
# Redis with AOF everysec on a free port, the fixed-answer fake provider (nginx, fake-provider.sh:
# Twilio, WhatsApp, Infobip, Kannel's HTTP SMSC, the bare baseline), the full provider simulator
# (WhatsApp only, for the correctness phases), the gateway (own database, own admin token; Twilio
# → nginx, WhatsApp → simulator) and Kannel (bearerbox with a store file; two SMSCs: `smsc = http`
# → nginx and fakesmsc; smsbox for sendsms), all on 127.0.0.1. Then:
#
# Throughput (PHASES=all|throughput), closed loop with wrk (pre-built requests, wrk/egress.lua):
#   1. warm-up, unmeasured: WARMUP_S of Sluice SMS and of the bare baseline (the JVMs' JIT needs
#      ~60 s), at most 10 s of each other variant;
#   2. ROUNDS × every variant, alternating, ROUND_S each: Kannel over HTTP to nginx, Sluice SMS
#      (Twilio → nginx), Sluice SMS with outbound events off (if the gateway knows the tenant field),
#      Kannel with DLRs (dlr-mask 31, internal DLR storage, dlr-url → nginx), Kannel → fakesmsc
#      (its best case), Sluice Batch API vs Kannel multi-recipient sendsms (BATCH_N each), and the
#      bare egress baseline (BARE=1); delivered = lines in the fake's log in the window;
#   3. medians per variant: delivered msg/s, server CPU µs per delivered message (Sluice: gateway
#      + Redis and its children + every PostgreSQL process of the cluster; Kannel: bearerbox +
#      smsbox; bare: its JVM + Redis), generator (wrk) and fake (nginx) CPU beside; lost/duplicates;
#   4. open-model sweep (SWEEP=1): the kit's Java generator in rate mode (wrk2 is not in Debian)
#      at SWEEP_FRACTIONS × Sluice's median peak, SWEEP_S each, until accepted→sent p99 (from the
#      gateway's ledger after each step: a message's sent row against its created_at) exceeds
#      P99_LIMIT_MS.
# Correctness (PHASES=all|correctness), the full simulator, as before:
#   5. Sluice WhatsApp max (status webhooks back), then at RATE_FRACTION × that peak for RATE_S with
#      the status drain (accepted→sent/read), mixed with inbound webhooks for MIX_S, soak (SOAK_S).
# Prints the tables (throughput.md, and table.md for the correctness phases) and tears everything
# down (trap).
#
# Knobs (environment):
#   PHASES=all|throughput|correctness
#   WARMUP_S=60 ROUND_S=30 ROUNDS=3 THREADS=2 CONNECTIONS=64       wrk load (ROUND_S >= 30 to report)
#   BATCH_N=10 BARE=1 KANNEL_DLR=1 NOEVENTS=1                         which variants run
#   SWEEP=1 SWEEP_S=30 SWEEP_FRACTIONS="0.4 0.6 0.8 1.0 1.2" P99_LIMIT_MS=250
#   NGINX_WORKERS=1 KANNEL_HTTP_PENDING=64                            fake's workers; Kannel's sends in flight
#   MAX_S=30 RATE_S=60 MIX_S=60 SOAK_S=0 CWARMUP_S=5                  correctness phases (seconds)
#   RATE_FRACTION=0.8 MIX_FRACTION=0.5 SOAK_FRACTION=0.8 MIX_INGRESS_RATE=300
#   CONCURRENCY=64 LOAD_LOOPS=1                                       the Java generator (sweep, correctness)
#   WA_TENANTS=10 WA_CHANNELS_PER_TENANT=4 SMS_TENANTS=4 INGRESS_TENANTS=10 USERS=100000
#   SENT_DELAY_MS=20 DELIVERED_DELAY_MS=100 READ_DELAY_MS=300         simulated provider status delays
#   SETTLE_S=180 QUIET_WAIT_S=60 PROFILE=0|1 GATEWAY_JAVA_OPTS="" SKIP_BUILD=0|1
#   GATEWAY_JAR=… GATEWAY_CONFIG=…                                    another build (a before/after run)
#   OUT=dir                                                           results: load-tests/target/bench-egress/<time>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

PHASES=${PHASES:-all}
WARMUP_S=${WARMUP_S:-60}
ROUND_S=${ROUND_S:-30}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
BATCH_N=${BATCH_N:-10}
BARE=${BARE:-1}
KANNEL_DLR=${KANNEL_DLR:-1}
NOEVENTS=${NOEVENTS:-1}
SWEEP=${SWEEP:-1}
SWEEP_S=${SWEEP_S:-30}
SWEEP_FRACTIONS=${SWEEP_FRACTIONS:-0.4 0.6 0.8 1.0 1.2}
P99_LIMIT_MS=${P99_LIMIT_MS:-250}
NGINX_WORKERS=${NGINX_WORKERS:-1}
KANNEL_HTTP_PENDING=${KANNEL_HTTP_PENDING:-64}
MAX_S=${MAX_S:-30}
RATE_S=${RATE_S:-60}
MIX_S=${MIX_S:-60}
SOAK_S=${SOAK_S:-0}
CWARMUP_S=${CWARMUP_S:-5}
RATE_FRACTION=${RATE_FRACTION:-0.8}
MIX_FRACTION=${MIX_FRACTION:-0.5}
SOAK_FRACTION=${SOAK_FRACTION:-0.8}
MIX_INGRESS_RATE=${MIX_INGRESS_RATE:-300}
CONCURRENCY=${CONCURRENCY:-64}
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
case $PHASES in all | throughput | correctness) ;; *) echo "PHASES must be all, throughput or correctness" >&2; exit 2 ;; esac
throughput() { [ "$PHASES" != correctness ]; }
correctness() { [ "$PHASES" != throughput ]; }

APP=loadapp
APP_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ADMIN_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
KANNEL_PASSWORD="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DB="sluice_bench_egress_$$"
GATEWAY_JAR=${GATEWAY_JAR:-$root/gateway/target/sluice-gateway.jar}
GATEWAY_CONFIG=${GATEWAY_CONFIG:-$root/config/gateway.yaml}
KIT_JAR="$here/target/sluice-load-tests.jar"
FAKESMSC=/usr/lib/kannel/test/fakesmsc

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
. "$here/bench-lib.sh"

pids=()
redis_pid=""
cleanup() {
  set +e
  stop_pids ${pids[@]+"${pids[@]}"}
  stop_bench_redis
  rm -rf "$OUT/kannel/store" "$OUT/nginx/tmp"
  drop_bench_db "$DB"
  log "torn down (results in $OUT)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ------------------------------------------------------------------------------------
base_tools
command -v wrk >/dev/null || missing+=(wrk)
[ -x /usr/sbin/nginx ] && [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || missing+=(nginx-light)
[ -x /usr/sbin/bearerbox ] || missing+=(kannel)
[ -x "$FAKESMSC" ] || missing+=(kannel-extras)
install_missing ${missing[@]+"${missing[@]}"}
mkdir -p "$OUT"

if [ "$SKIP_BUILD" != 1 ]; then
  log "building (mvn package)"
  (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true package)
fi

"$root/scripts/ensure-backends.sh"   # PostgreSQL (and the shared Redis, installed if absent)

rss_sampler() { # pid, file: "<epochMs> <VmRSS kB>" once a second while the process lives
  while [ -r "/proc/$1/status" ]; do
    echo "$(date +%s%3N) $(awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null)" >>"$2" || true
    sleep 1
  done
}

irq_jiffies() { awk '/^cpu /{print $7+$8}' /proc/stat; }   # interrupts: loopback networking mostly
pid_jiffies() { local j=0 p; for p in "$@"; do j=$((j + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $j; }
# CPU of the main shell's reaped children (wrk runs in the foreground: its CPU lands here on exit).
ms() { date +%s%3N; }

# --- Redis ------------------------------------------------------------------------------------
start_bench_redis
{
  redis-cli -p "$redis_port" config get appendonly | tr '\n' ' '
  redis-cli -p "$redis_port" config get appendfsync | tr '\n' ' '
  redis-cli -p "$redis_port" config get save | tr '\n' ' '
} >"$OUT/redis-durability.txt"

# PostgreSQL: every process of the cluster counts (postmaster and all its children).
pg_pid=$(pg_postmaster_pid)
[ -n "$pg_pid" ] || log "PostgreSQL's postmaster pid not found: its CPU will read 0"

# --- fixed-answer fake provider (nginx) -------------------------------------------------------
ng_port=$(free_port)
"$here/fake-provider.sh" "$OUT/nginx" "$ng_port" "$NGINX_WORKERS" >"$OUT/nginx.out" 2>&1 &
ng_pid=$!
pids+=($ng_pid)
wait_http "http://127.0.0.1:$ng_port/health" 30
fake="http://127.0.0.1:$ng_port"
log "fake provider (nginx, $NGINX_WORKERS worker(s)) on $ng_port"

# --- provider simulator (WhatsApp, correctness phases) ----------------------------------------
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
log "starting the gateway on $gw_port (database $DB; Twilio → nginx, WhatsApp → simulator)"
env SLUICE_HTTP_PORT="$gw_port" SLUICE_HTTP_HOST=127.0.0.1 SLUICE_ADMIN_TOKEN="$ADMIN_TOKEN" \
  SLUICE_MASTER_KEY="$MASTER_KEY" SLUICE_REDIS_URL="$REDIS_URL" \
  SLUICE_PG_URL="postgresql://postgres:postgres@127.0.0.1:5432/$DB" \
  SLUICE_WHATSAPP_BASE_URL="$sim" SLUICE_TELEGRAM_BASE_URL="$sim" SLUICE_TWILIO_BASE_URL="$fake" \
  SLUICE_PUBLIC_URL="http://127.0.0.1:$gw_port" \
  java $GATEWAY_JAVA_OPTS -XX:+ExitOnOutOfMemoryError -jar "$GATEWAY_JAR" \
  --config "$GATEWAY_CONFIG" >"$OUT/gateway.log" 2>&1 &
gw_pid=$!
pids+=($gw_pid)
wait_http "http://127.0.0.1:$gw_port/health/ready" 60
rss_sampler "$gw_pid" "$OUT/gateway-rss.txt" &
pids+=($!)

setup() {
  java -jar "$KIT_JAR" setup --admin-url "http://127.0.0.1:$gw_port" --admin-token "$ADMIN_TOKEN" \
    --app "$APP" --app-secret "$APP_SECRET" --users "$USERS" "$@"
}
sms_setup() { # SMS tenants for the Kannel comparison: Twilio channels with pacing lifted (Kannel has none).
  setup --existing-app --tenants "$SMS_TENANTS" --channels-per-tenant 1 \
    --provider twilio --public-url "http://127.0.0.1:$gw_port" --outbound-per-second 1000000 \
    --outbound-burst 10000 --per-recipient-per-minute 1000000 --recipient-burst 10000 "$@"
}
# Inbound tenants (mixed phase), as bench-ingress.sh makes them; this call creates the Meta app.
setup --tenants "$INGRESS_TENANTS" --channels-per-tenant 2 --per-minute 600 --burst 100 \
  --keys-out "$OUT/ingress-keys.txt"
# WhatsApp egress tenants: 80 msg/s per number (the gateway's default pacing, the simulator's limit).
setup --existing-app --first-tenant 200 --tenants "$WA_TENANTS" \
  --channels-per-tenant "$WA_CHANNELS_PER_TENANT" --keys-out "$OUT/wa-keys.txt" \
  --routes-out "$OUT/wa-routes.txt"
sms_setup --first-tenant 100 --keys-out "$OUT/sms-keys.txt" --routes-out "$OUT/sms-routes.txt"
noevents=0
if [ "$NOEVENTS" = 1 ]; then
  # The same, with outbound status events off (tenant field outboundEvents, newer gateways only).
  if sms_setup --first-tenant 300 --outbound-events none --keys-out "$OUT/sms-noevents-keys.txt" \
    --routes-out "$OUT/sms-noevents-routes.txt" >"$OUT/setup-noevents.log" 2>&1; then
    noevents=1
  else
    log "this gateway does not take outboundEvents on tenants: no 'events off' variant ($OUT/setup-noevents.log)"
  fi
fi

# --- Kannel: bearerbox (store file) + smsc http → nginx + fakesmsc + smsbox (sendsms) ---------
mkdir -p "$OUT/kannel/store"
k_admin=$(free_port); k_smsbox=$(free_port); k_smsc=$(free_port); k_sendsms=$(free_port); k_mo=$(free_port)
{
  kannel_core_conf "$k_admin" "$k_smsbox" "$KANNEL_PASSWORD" "$k_sendsms"
  cat <<KCONF

# The same fake provider as Sluice's: one GET per message, "OK id=<unique>" back.
group = smsc
smsc = http
smsc-id = http
allowed-smsc-id = http
system-type = generic
send-url = "http://127.0.0.1:$ng_port/kannel/send?from=%p&to=%P&text=%b"
status-success-regex = "^OK"
generic-foreign-id-regex = "id=([0-9a-f]+)"
max-pending-submits = $KANNEL_HTTP_PENDING
port = $k_mo
connect-allow-ip = 127.0.0.1

# Kannel's best case: its own fake SMSC over a socket. The listener has no bind-address setting
# (it binds every interface); it accepts connections from 127.0.0.1 only.
group = smsc
smsc = fake
smsc-id = fake
allowed-smsc-id = fake
port = $k_smsc
connect-allow-ip = 127.0.0.1

group = sms-service
keyword = default
text = "ok"
catch-all = true
max-messages = 0
KCONF
} >"$OUT/kannel/kannel.conf"
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
log "Kannel: bearerbox (store file), smsc http → nginx, fakesmsc on $k_smsc, sendsms on $k_sendsms"

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

# phase NAME KIND(kannel|sms|wa) MODE RATE DURATION: one load phase, then its backlog drains.
# MIX_INGRESS=<rate> in the environment adds signed inbound webhooks at that rate meanwhile.
phase() {
  local name=$1 kind=$2 mode=$3 rate=$4 duration=$5 tag
  tag=$(echo "$name" | tr -cd 'A-Za-z0-9')
  log "$name: $kind $mode${rate:+ at $rate msg/s} for ${CWARMUP_S}+${duration} s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  local before_count before_unique before_dups sampler drain_pid="" ingress_pid=""
  before_count=$(delivered_count "$kind")
  before_unique=$(sim_number unique); before_dups=$(sim_number duplicates)
  count_sampler "$kind" "$OUT/$name.delivered" &
  sampler=$!
  if [ "$kind" = wa ]; then
    java -jar "$KIT_JAR" status-drain --url "http://127.0.0.1:$gw_port" --keys "$OUT/wa-keys.txt" \
      --accepted "$OUT/$name.accepted" --out "$OUT/$name-status" --final read --label "$name" \
      --settle-s 30 --deadline-s $((CWARMUP_S + duration + SETTLE_S + 60)) --parallel 4 \
      >"$OUT/$name-status.log" 2>&1 &
    drain_pid=$!
  fi
  if [ "$PROFILE" = 1 ] && { [ "$name" = sluice-sms-max-r1 ] || [ "$name" = sluice-wa-max ]; }; then
    jcmd "$gw_pid" JFR.start name="$name" settings="$OUT/sampling.jfc" delay="${CWARMUP_S}s" \
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
      --warmup-s "$CWARMUP_S" --duration-s "$duration" --tenants "$INGRESS_TENANTS" \
      --channels-per-tenant 2 --users "$USERS" --redelivery-share 0.05 --tag mixin \
      --label mixed-ingress --out "$OUT/mixed-ingress" >"$OUT/mixed-ingress.log" 2>&1 &
    ingress_pid=$!
  fi
  local target_args=(--target sluice --url "http://127.0.0.1:$gw_port" --routes "$OUT/$kind-routes.txt")
  [ "$kind" = kannel ] && target_args=(--target kannel --url "$kannel_url" --kannel-user bench --kannel-password "$KANNEL_PASSWORD")
  java -jar "$KIT_JAR" egress "${target_args[@]}" --mode "$mode" --rate "${rate:-0}" \
    --concurrency "$CONCURRENCY" --connections "$CONNECTIONS" --loops "$LOAD_LOOPS" \
    --warmup-s "$CWARMUP_S" --duration-s "$duration" --users "$USERS" --tag "$tag" \
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

# --- throughput phases: wrk closed loop, fake provider, medians -------------------------------
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
json_field() { sed -n "s/.*\"$2\":\\([0-9.]*\\).*/\\1/p" "$1" | head -1; }
bare_pid=""
printf 'name\tvariant\tround\tmeasured\tseconds\trequests\texpected\tdelivered\tfound\tmissing\tduplicates\tgw\tredis\tpg\tkannel\tbare\tnginx\tfakesmsc\twrk\tbusy\tdlr\tnon2xx\n' >"$OUT/rounds.tsv"

# variant_args VARIANT: sets v_target v_url v_log v_env (extra wrk environment)
variant_args() {
  local k="username=bench&password=$KANNEL_PASSWORD"
  local dlr="dlr-mask=31&dlr-url=http%3A%2F%2F127.0.0.1%3A$ng_port%2Fkannel%2Fdlr%3Ftype%3D%25d"
  v_env=(WRK_ROUTES="$OUT/sms-routes.txt" WRK_BATCH=1)
  case $1 in
    sluice-sms) v_target=sluice; v_url="http://127.0.0.1:$gw_port"; v_log="$OUT/nginx/logs/twilio.log" ;;
    sluice-sms-noevents) v_target=sluice; v_url="http://127.0.0.1:$gw_port"; v_log="$OUT/nginx/logs/twilio.log"
      v_env=(WRK_ROUTES="$OUT/sms-noevents-routes.txt" WRK_BATCH=1) ;;
    sluice-batch) v_target=sluice-batch; v_url="http://127.0.0.1:$gw_port"; v_log="$OUT/nginx/logs/twilio.log"
      v_env=(WRK_ROUTES="$OUT/sms-routes.txt" WRK_BATCH="$BATCH_N") ;;
    kannel-http) v_target=kannel; v_url="$kannel_url"; v_log="$OUT/nginx/logs/kannel.log"
      v_env+=(WRK_KANNEL="$k&smsc=http") ;;
    kannel-dlr) v_target=kannel; v_url="$kannel_url"; v_log="$OUT/nginx/logs/kannel.log"
      v_env+=(WRK_KANNEL="$k&smsc=http&$dlr") ;;
    kannel-multi) v_target=kannel-multi; v_url="$kannel_url"; v_log="$OUT/nginx/logs/kannel.log"
      v_env=(WRK_BATCH="$BATCH_N" WRK_KANNEL="$k&smsc=http") ;;
    kannel-fakesmsc) v_target=kannel; v_url="$kannel_url"; v_log="$OUT/kannel/received.txt"
      v_env+=(WRK_KANNEL="$k&smsc=fake") ;;
    bare) v_target=bare; v_url="http://127.0.0.1:$bare_port"; v_log="$OUT/nginx/logs/bare.log" ;;
    *) log "unknown variant $1"; exit 1 ;;
  esac
}

# cpu_reading: jiffies of each party "gw redis pg kannel bare nginx fakesmsc busy dlr-lines", from
# one read of /proc (fast, so the reading hardly widens the window). Each party is a process tree:
# its roots, the children they reaped (cutime + cstime) and every live descendant; the difference
# between two readings is exact for children that start or end in between (a child's CPU moves
# from "live" to its parent's cutime when it is reaped). So the PostgreSQL backends, walwriter,
# checkpointer and autovacuum workers, and Redis's AOF rewrite child, all count.
cpu_reading() {
  echo "$(tree_jiffies "gw:$gw_pid redis:$redis_pid pg:${pg_pid:-0} kannel:$bb_pid,$sb_pid bare:${bare_pid:-0} nginx:$ng_pid fakesmsc:$fake_pid")" \
    "$(lines "$OUT/nginx/logs/kannel-dlr.log")"
}

# tround NAME VARIANT ROUND MEASURED(0|1) SECONDS: one wrk run, then its backlog drains and the
# fake's log is checked for every accepted message (lost) and for repeats (duplicates).
tround() {
  local name=$1 variant=$2 round=$3 measured=$4 secs=$5 tag c0 c1 r0 r1 g0 g1 t0 t1
  tag=$(echo "$name" | tr -cd 'A-Za-z0-9')
  variant_args "$variant"
  log "$name: wrk $v_target, $THREADS threads, $CONNECTIONS connections, ${secs} s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  r0=$(cpu_reading); c0=$(lines "$v_log"); t0=$(date +%s.%N); g0=$(self_children_jiffies)
  env "${v_env[@]}" WRK_TARGET="$v_target" WRK_TAG="$tag" WRK_USERS="$USERS" WRK_OUT="$OUT/$name.wrk.json" \
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${secs}s" --timeout 10s -s "$here/wrk/egress.lua" "$v_url" \
    >"$OUT/$name.wrk.txt" 2>&1 || log "$name: wrk failed ($OUT/$name.wrk.txt)"
  g1=$(self_children_jiffies); t1=$(date +%s.%N); c1=$(lines "$v_log"); r1=$(cpu_reading)
  local expected requests non2xx per=1
  requests=$(json_field "$OUT/$name.wrk.json" requests); requests=${requests:-0}
  expected=$(json_field "$OUT/$name.wrk.json" deliveriesExpected); expected=${expected:-0}
  non2xx=$(json_field "$OUT/$name.wrk.json" statusErrors); non2xx=${non2xx:-0}
  [ "$variant" = kannel-multi ] && per=$BATCH_N
  # The backlog drains: until the fake has every accepted message, nothing moved for 15 s, or SETTLE_S.
  local start=$SECONDS last=-1 still=0 now
  while [ $((SECONDS - start)) -lt "$SETTLE_S" ]; do
    now=$(( $(lines "$v_log") - c0 ))
    [ "$now" -ge "$expected" ] && break
    if [ "$now" -eq "$last" ]; then still=$((still + 1)); else still=0; fi
    [ "$still" -ge 15 ] && break
    last=$now; sleep 1
  done
  sleep 1   # nginx flushes its log every 500 ms
  local check
  check=$({ grep "^lt-$tag-" "$v_log" || true; } | sort | uniq -c | awk -v per="$per" -v want="$expected" '
    { found += ($1 < per ? $1 : per); if ($1 > per) dups += $1 - per }
    END { missing = want - found; if (missing < 0) missing = 0; printf "%d %d %d", found, missing, dups }')
  awk -v n="$name" -v v="$variant" -v r="$round" -v m="$measured" -v s="$(echo "$t1 $t0" | awk '{print $1 - $2}')" \
    -v q="$requests" -v e="$expected" -v d=$((c1 - c0)) -v chk="$check" -v a="$r0" -v b="$r1" \
    -v w=$((g1 - g0)) -v x="$non2xx" 'BEGIN {
      split(chk, k, " "); split(a, p, " "); split(b, c, " ")
      printf "%s\t%s\t%s\t%s\t%.3f\t%d\t%d\t%d\t%d\t%d\t%d", n, v, r, m, s, q, e, d, k[1], k[2], k[3]
      for (i = 1; i <= 9; i++) { if (i == 8) printf "\t%d", w; printf "\t%d", c[i] - p[i] }
      printf "\t%d\n", x }' >>"$OUT/rounds.tsv"
  local found missing dups
  read -r found missing dups <<<"$check"
  log "$name: $requests requests ($non2xx non-2xx), $((c1 - c0)) delivered in the window; after draining: $found of $expected expected found, $missing missing, $dups duplicates"
}

# The table: medians over the measured rounds of each variant.
summarise() {
  awk -F'\t' -v hz="$CLK" -v cores="$NCPU" -v batch="$BATCH_N" '
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n == 0 ? 0 : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
    }
    NR == 1 || $4 != 1 { next }
    {
      v = $2; if (!(v in rounds)) order[++nv] = v; rounds[v]++
      sec = $5; del = $8 > 0 ? $8 : 1
      gw = $12; redis = $13; pg = $14; kannel = $15; bare = $16; ng = $17; fs = $18; gen = $19; busy = $20
      if (v ~ /^sluice/) server = gw + redis + pg; else if (v ~ /^kannel/) server = kannel; else server = bare + redis
      fake = (v == "kannel-fakesmsc") ? fs : ng
      us = 1e6 / hz / del; cap = sec * hz * cores / 100
      rate[v] = rate[v] " " $8 / sec; acc[v] = acc[v] " " $7 / sec; srv[v] = srv[v] " " server * us
      g[v] = g[v] " " gen * us; f[v] = f[v] " " fake * us
      pS[v] = pS[v] " " server / cap; pG[v] = pG[v] " " gen / cap; pF[v] = pF[v] " " fake / cap
      pB[v] = pB[v] " " busy / cap
      miss[v] += $10; dup[v] += $11; non[v] += $22; dlr[v] += $21
    }
    END {
      print "| variant | rounds | delivered msg/s (median) | accepted msg/s | server CPU µs/msg | wrk µs/msg | fake µs/msg | server % | wrk % | fake % | machine % | missing | duplicates | non-2xx |"
      print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      for (i = 1; i <= nv; i++) {
        v = order[i]; R[v] = median(rate[v]); S[v] = median(srv[v])
        printf "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %d | %d | %d |\n", v, rounds[v], R[v], median(acc[v]), S[v],
          median(g[v]), median(f[v]), median(pS[v]), median(pG[v]), median(pF[v]), median(pB[v]), miss[v], dup[v], non[v]
      }
      print ""
      print "server = Sluice: gateway + Redis (and children) + every PostgreSQL process; Kannel: bearerbox + smsbox; bare: its JVM + Redis."
      print "% = share of the machine (" cores " cores) in the measured window; µs/msg per message delivered to the fake in the window."
      print "accepted > delivered: a backlog built up in the window (it drains before the next round; missing counts what never arrived)."
      if ("kannel-dlr" in dlr) print "kannel-dlr: " dlr["kannel-dlr"] " delivery reports (SMSC submit) fetched by smsbox from the fake during the measured rounds."
      print ""
      print "| comparison | ratio | target |"
      print "|---|---:|---|"
      if (R["kannel-http"] > 0 && ("sluice-sms" in R)) {
        printf "| Sluice SMS / Kannel over HTTP, delivered msg/s | %.2f | ≥ 1.0 |\n", R["sluice-sms"] / R["kannel-http"]
        printf "| Sluice SMS / Kannel over HTTP, server CPU per message | %.2f | ≤ 1.0 |\n", S["sluice-sms"] / S["kannel-http"]
      }
      if (R["kannel-dlr"] > 0 && ("sluice-sms" in R)) {
        printf "| Sluice SMS (events on) / Kannel with DLRs, delivered msg/s | %.2f | ≥ 1.0 |\n", R["sluice-sms"] / R["kannel-dlr"]
        printf "| Sluice SMS (events on) / Kannel with DLRs, server CPU per message | %.2f | ≤ 1.0 |\n", S["sluice-sms"] / S["kannel-dlr"]
      }
      if (R["kannel-http"] > 0 && ("sluice-sms-noevents" in R))
        printf "| Sluice SMS (events off) / Kannel over HTTP, delivered msg/s | %.2f | ≥ 1.0 |\n", R["sluice-sms-noevents"] / R["kannel-http"]
      if (R["kannel-fakesmsc"] > 0 && ("sluice-sms" in R))
        printf "| Sluice SMS / Kannel → fakesmsc (its best case), delivered msg/s | %.2f | (for reference) |\n", R["sluice-sms"] / R["kannel-fakesmsc"]
      if (R["kannel-multi"] > 0 && ("sluice-batch" in R))
        printf "| Sluice Batch API / Kannel multi-recipient sendsms (%d per request), delivered msg/s | %.2f | ≥ 2.0 |\n", batch, R["sluice-batch"] / R["kannel-multi"]
      if (R["bare"] > 0 && ("sluice-sms" in R))
        printf "| Sluice SMS / bare egress baseline, delivered msg/s | %.2f | ≥ 0.8 |\n", R["sluice-sms"] / R["bare"]
    }' "$OUT/rounds.tsv"
}

# sweep_step NAME RATE: open model (the kit's Java generator: wrk2 is not in Debian) into Sluice SMS;
# accepted→sent from the gateway's ledger afterwards, so nothing else runs during the load.
sweep_step() {
  local name=$1 rate=$2 tag c0 t0 t1 accepted
  tag=$(echo "$name" | tr -cd 'A-Za-z0-9')
  c0=$(lines "$OUT/nginx/logs/twilio.log"); t0=$(date +%s.%N)
  java -jar "$KIT_JAR" egress --target sluice --url "http://127.0.0.1:$gw_port" \
    --routes "$OUT/sms-routes.txt" --mode rate --rate "$rate" --concurrency "$CONCURRENCY" \
    --connections "$CONNECTIONS" --loops "$LOAD_LOOPS" --warmup-s 0 --duration-s "$SWEEP_S" \
    --users "$USERS" --tag "$tag" --label "$name" --out "$OUT/$name" >"$OUT/$name.log" 2>&1 || {
    # Past the peak its requests time out (the gateway, or the generator itself, saturated).
    log "$name: the generator failed ($OUT/$name.log): the sweep ends at the step before"
    return 1
  }
  t1=$(date +%s.%N)
  accepted=$(json_num "$OUT/$name.json" acceptedTotal); accepted=${accepted:-0}
  local start=$SECONDS
  while [ $((SECONDS - start)) -lt "$SETTLE_S" ] && [ $(( $(lines "$OUT/nginx/logs/twilio.log") - c0 )) -lt "$accepted" ]; do sleep 1; done
  sleep 2   # the ledger records "sent" after the provider answered
  PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d "$DB" -tA -F ' ' -c "
    select count(*), count(s.at),
      coalesce(percentile_cont(0.5) within group (order by extract(epoch from s.at - a.created_at) * 1000), 0),
      coalesce(percentile_cont(0.99) within group (order by extract(epoch from s.at - a.created_at) * 1000), 0),
      coalesce(max(extract(epoch from s.at - a.created_at) * 1000), 0)
    from messages a
    left join message_events s on s.message_id = a.id and s.status = 'sent'
    where a.created_at >= to_timestamp($t0) and a.created_at < to_timestamp($t1)" \
    | awk -v n="$name" -v r="$rate" -v a="$accepted" -v s="$SWEEP_S" \
      '{ printf "%s\t%d\t%d\t%.1f\t%d\t%d\t%.0f\t%.0f\t%.0f\n", n, r, a, a / s, $1, $2, $3, $4, $5 }' >>"$OUT/sweep.tsv"
  tail -1 "$OUT/sweep.tsv"
}

# --- the throughput phases --------------------------------------------------------------------
if throughput; then
  variants=(kannel-http sluice-sms)
  [ "$KANNEL_DLR" = 1 ] && variants+=(kannel-dlr)
  [ "$noevents" = 1 ] && variants+=(sluice-sms-noevents)
  if [ "$BATCH_N" -gt 1 ]; then variants+=(kannel-multi sluice-batch); fi
  variants+=(kannel-fakesmsc)
  if [ "$BARE" = 1 ]; then
    bare_port=$(free_port)
    java -jar "$KIT_JAR" bare-egress --port "$bare_port" --redis-url "$REDIS_URL" \
      --provider-url "$fake/bare" --max-lifetime-s 7200 >"$OUT/bare-egress.log" 2>&1 &
    bare_pid=$!
    pids+=($bare_pid)
    wait_port "$bare_port" 60
    variants+=(bare)
  fi
  log "throughput variants: ${variants[*]}"
  wait_quiet
  for v in "${variants[@]}"; do   # warm-up, unmeasured: the JVMs' JIT needs WARMUP_S of load
    case $v in sluice-sms | bare) w=$WARMUP_S ;; *) w=$((WARMUP_S < 10 ? WARMUP_S : 10)) ;; esac
    tround "warmup-$v" "$v" 0 0 "$w"
  done
  for r in $(seq 1 "$ROUNDS"); do
    for v in "${variants[@]}"; do tround "$v-r$r" "$v" "$r" 1 "$ROUND_S"; done
  done
  summarise | tee "$OUT/throughput.md"
  if [ "$SWEEP" = 1 ]; then
    peak=$(awk -F'\t' '$2 == "sluice-sms" && $4 == 1 { print $8 / $5 }' "$OUT/rounds.tsv" | sort -n \
      | awk '{ a[NR] = $1 } END { print NR ? (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) : 0 }')
    log "open-model sweep around Sluice's median SMS peak ($peak msg/s), until accepted→sent p99 > ${P99_LIMIT_MS} ms"
    printf 'step\trate\taccepted\tacceptedPerS\tledgerAccepted\tledgerSent\tp50Ms\tp99Ms\tmaxMs\n' >"$OUT/sweep.tsv"
    for f in $SWEEP_FRACTIONS; do
      rate=$(awk -v p="$peak" -v f="$f" 'BEGIN { printf "%d", p * f }')
      [ "$rate" -ge 1 ] || continue
      sweep_step "sweep-$rate" "$rate" || break
      p99=$(tail -1 "$OUT/sweep.tsv" | cut -f8)
      [ "${p99%.*}" -gt "$P99_LIMIT_MS" ] && break
    done
    {
      echo
      echo "Open-model sweep (Sluice SMS, the kit's Java generator, ${SWEEP_S} s per step; accepted→sent from the ledger):"
      echo
      echo "| rate | accepted/s | ledger accepted | ledger sent | p50 ms | p99 ms | max ms |"
      echo "|---:|---:|---:|---:|---:|---:|---:|"
      awk -F'\t' 'NR > 1 { printf "| %d | %.0f | %d | %d | %d | %d | %d |\n", $2, $4, $5, $6, $7, $8, $9 }' "$OUT/sweep.tsv"
      awk -F'\t' -v l="$P99_LIMIT_MS" 'NR > 1 && $8 <= l && $2 > best { best = $2 } END {
        printf "\nhighest rate with accepted→sent p99 ≤ %d ms: %s msg/s\n", l, best ? best : "none" }' "$OUT/sweep.tsv"
    } | tee -a "$OUT/throughput.md"
  fi
fi

# --- the correctness phases (full simulator, WhatsApp end to end) -----------------------------
if correctness; then
  if [ "$PROFILE" = 1 ]; then
    # The "profile" settings, sampling every 1 ms instead of 10 ms for more samples in a short phase.
    sampling_jfc "$OUT/sampling.jfc"
  fi
  wait_quiet
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
  echo "kannel: $(dpkg-query -W -f='${Version}' kannel 2>/dev/null) (store-type file, store-dump-freq 1, smsc http max-pending-submits $KANNEL_HTTP_PENDING)"
  echo "wrk: $(dpkg-query -W -f='${Version}' wrk 2>/dev/null); nginx: $(dpkg-query -W -f='${Version}' nginx-light 2>/dev/null), $NGINX_WORKERS worker(s)"
  echo "gateway JVM options: -XX:+ExitOnOutOfMemoryError $GATEWAY_JAVA_OPTS"
  echo "gateway RSS max: $(sort -n "$OUT/gateway-rss.kb" | tail -1) kB"
  echo "load: PHASES=$PHASES WARMUP_S=$WARMUP_S CWARMUP_S=$CWARMUP_S ROUND_S=$ROUND_S ROUNDS=$ROUNDS THREADS=$THREADS" \
    "CONNECTIONS=$CONNECTIONS BATCH_N=$BATCH_N SWEEP_S=$SWEEP_S SWEEP_FRACTIONS=\"$SWEEP_FRACTIONS\"" \
    "MAX_S=$MAX_S RATE_S=$RATE_S MIX_S=$MIX_S SOAK_S=$SOAK_S RATE_FRACTION=$RATE_FRACTION" \
    "MIX_FRACTION=$MIX_FRACTION SOAK_FRACTION=$SOAK_FRACTION MIX_INGRESS_RATE=$MIX_INGRESS_RATE" \
    "CONCURRENCY=$CONCURRENCY LOAD_LOOPS=$LOAD_LOOPS WA_TENANTS=$WA_TENANTS" \
    "WA_CHANNELS_PER_TENANT=$WA_CHANNELS_PER_TENANT SMS_TENANTS=$SMS_TENANTS USERS=$USERS"
} >"$OUT/environment.txt"
cat "$OUT/environment.txt"
echo
throughput && cat "$OUT/throughput.md"
if correctness; then
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
fi
