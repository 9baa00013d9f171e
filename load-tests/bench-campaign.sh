#!/usr/bin/env bash
# Campaign benchmark, from nothing: one Sluice campaign of N personalised WhatsApp messages (a CSV
# through POST /v1/campaigns) against Kannel sending the same N recipients through multi-recipient
# sendsms, on one machine, alternating, with every server process's CPU counted
# (load-tests/README.md, "bench-campaign.sh").
#
# Installs what is missing (JDK, Maven, curl, nginx-light, Kannel: bearerbox + smsbox + fakesmsc),
# builds, makes sure PostgreSQL runs, starts a dedicated Redis with AOF everysec on a free port, the
# fixed-answer fake provider (fake-provider.sh: nginx answering the WhatsApp Cloud API and Kannel's
# `smsc = http`, each delivery logged with nginx's time), Kannel (bearerbox with a store file; two
# SMSCs: fakesmsc and `smsc = http` → nginx; smsbox for sendsms) and the gateway (own database, own
# admin token; WhatsApp → nginx), all on 127.0.0.1. One tenant, one WhatsApp channel paced at
# PER_SECOND. Then:
#
#   1. memory (MEM=1): the gateway runs with dispatch off and campaigns.maxQueued = MEM_QUEUED; a
#      campaign of 2 × MEM_QUEUED rows fills its share of the outbound queue and stops there; Redis
#      INFO used_memory before the campaign and with the share full (ledger stream written out),
#      divided by the messages queued = Redis bytes per queued campaign message; MEMORY USAGE of
#      every key, grouped by key name with the ids taken out, says where they go. Then the gateway
#      restarts with dispatch on (campaigns.maxQueued = MAX_QUEUED, default the gateway's own) and
#      that campaign is sent;
#   2. warm-up, unmeasured: a Sluice campaign of WARMUP_ROWS rows (the JVM's JIT), and a Kannel run
#      of min(N, WARMUP_ROWS / 5) recipients into each Kannel variant;
#   3. ROUNDS rounds, each: Sluice, then Kannel → fakesmsc, then (KANNEL_HTTP=1) Kannel → nginx:
#      - Sluice: a CSV of N rows (random valid distinct US numbers, a first_name column unique per
#        row) sent as multipart POST /v1/campaigns, message "Hi {{first_name}}". Create: the
#        request's time (every row checked and stored before the 201) → rows/s stored. Expansion:
#        each message's accepted time in the ledger (messages.created_at) → rows/s queued, first
#        to last (it starts as soon as the audience is committed, before the 201 is written).
#        Delivery: nginx's time of every request → msg/s from the first to the last delivery, in
#        the steady middle (10 %–90 % of the deliveries), the pauses (gaps > 0.5 s, summed), and
#        end to end from the start of the upload. The window closes when the campaign is
#        `completed`; Redis used_memory is sampled twice a second in it;
#      - Kannel: the same N numbers, KANNEL_RECIPIENTS per sendsms request (`to` = numbers
#        separated by spaces; Kannel sends one text to all of them, so it is not personalised),
#        KANNEL_CONNECTIONS requests in flight (curl --parallel); delivered = lines at fakesmsc (each
#        timed as it arrives) or in nginx's log; bearerbox's RSS and queue sampled once a second;
#      - CPU of every process of each side from /proc, as process trees (children that start or end
#        in between count): the gateway, Redis and its AOF child, every PostgreSQL process of the
#        cluster; bearerbox + smsbox; beside them the fake (nginx, or fakesmsc and its timestamping
#        filter) and the generator (curl);
#      - the fake's log is checked: every recipient exactly once (missing / duplicates);
#   4. the tables (campaign.md): per run and medians over rounds — rows/s stored, rows/s expanded,
#      msg/s delivered, Kannel msg/s, ratio, server CPU-seconds per 1,000 messages, Redis bytes per
#      queued message — and the memory breakdown.
# Everything is torn down by a trap.
#
# Knobs (environment):
#   N=200000 ROUNDS=2 WARMUP_ROWS=50000                    recipients per run; rounds; warm-up rows
#   KANNEL_RECIPIENTS=100 KANNEL_CONNECTIONS=8 KANNEL_HTTP=1 KANNEL_HTTP_PENDING=64
#   MEM=1 MEM_QUEUED=5000 MAX_QUEUED=                      memory phase; the sending gateway's maxQueued
#   PER_SECOND=50000 OUTBOUND_EVENTS=all|final|failures|none   the channel's pacing; the tenant's events
#   NGINX_WORKERS=1 SETTLE_S=300 QUIET_WAIT_S=60 SKIP_BUILD=0|1 GATEWAY_JAVA_OPTS=""
#   GATEWAY_JAR=… GATEWAY_CONFIG=…                         another build (a before/after run)
#   OUT=dir                                                results: load-tests/target/bench-campaign/<time>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

N=${N:-200000}
ROUNDS=${ROUNDS:-2}
WARMUP_ROWS=${WARMUP_ROWS:-50000}
KANNEL_RECIPIENTS=${KANNEL_RECIPIENTS:-100}
KANNEL_CONNECTIONS=${KANNEL_CONNECTIONS:-8}
KANNEL_HTTP=${KANNEL_HTTP:-1}
KANNEL_HTTP_PENDING=${KANNEL_HTTP_PENDING:-64}
MEM=${MEM:-1}
MEM_QUEUED=${MEM_QUEUED:-5000}
MAX_QUEUED=${MAX_QUEUED:-}
PER_SECOND=${PER_SECOND:-50000}
OUTBOUND_EVENTS=${OUTBOUND_EVENTS:-all}
NGINX_WORKERS=${NGINX_WORKERS:-1}
SETTLE_S=${SETTLE_S:-300}
QUIET_WAIT_S=${QUIET_WAIT_S:-60}
SKIP_BUILD=${SKIP_BUILD:-0}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
GATEWAY_JAR=${GATEWAY_JAR:-$root/gateway/target/sluice-gateway.jar}
GATEWAY_CONFIG=${GATEWAY_CONFIG:-$root/config/gateway.yaml}
OUT=${OUT:-$here/target/bench-campaign/$(date +%Y%m%d-%H%M%S)}
KIT_JAR="$here/target/sluice-load-tests.jar"
FAKESMSC=/usr/lib/kannel/test/fakesmsc

APP=campaignapp
APP_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ADMIN_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
KANNEL_PASSWORD="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DB="sluice_bench_campaign_$$"

log() { printf '[campaign %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
. "$here/bench-lib.sh"

pids=()
redis_pid=""
gw_pid=""
smp_pid=""
cleanup() {
  set +e
  [ -n "$smp_pid" ] && kill "$smp_pid" 2>/dev/null
  stop_pids $gw_pid ${pids[@]+"${pids[@]}"}
  stop_bench_redis
  rm -rf "$OUT/kannel/store" "$OUT/nginx/tmp" "$OUT"/*.csv "$OUT"/*.numbers "$OUT"/*.curl
  drop_bench_db "$DB"
  log "torn down (results in $OUT)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ------------------------------------------------------------------------------------
base_tools
command -v perl >/dev/null || missing+=(perl)
[ -x /usr/sbin/nginx ] && [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || missing+=(nginx-light)
[ -x /usr/sbin/bearerbox ] || missing+=(kannel)
[ -x "$FAKESMSC" ] || missing+=(kannel-extras)
install_missing ${missing[@]+"${missing[@]}"}
command -v python3 >/dev/null || { log "python3 is missing (it writes the audience files)"; exit 1; }
mkdir -p "$OUT"

if [ "$SKIP_BUILD" != 1 ]; then
  log "building (mvn package)"
  (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true package)
fi

"$root/scripts/ensure-backends.sh"   # PostgreSQL (and the shared Redis, installed if absent)

# CPU of the main shell's reaped children (curl runs in the foreground: its CPU lands here on exit).
now_s() { date +%s.%N; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
psql_db() { PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d "$DB" -tA "$@"; }

# --- Redis ------------------------------------------------------------------------------------
start_bench_redis
rcli() { redis-cli -p "$redis_port" "$@"; }
used_memory() { rcli info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'; }

pg_pid=$(pg_postmaster_pid)
[ -n "$pg_pid" ] || log "PostgreSQL's postmaster pid not found: its CPU will read 0"

# --- fixed-answer fake provider (nginx) -------------------------------------------------------
ng_port=$(free_port)
"$here/fake-provider.sh" "$OUT/nginx" "$ng_port" "$NGINX_WORKERS" >"$OUT/nginx.out" 2>&1 &
ng_pid=$!
pids+=($ng_pid)
wait_http "http://127.0.0.1:$ng_port/health" 30
fake="http://127.0.0.1:$ng_port"
wa_log="$OUT/nginx/logs/whatsapp.log"
kh_log="$OUT/nginx/logs/kannel-timed.log"
log "fake provider (nginx, $NGINX_WORKERS worker(s)) on $ng_port"

# --- Kannel: bearerbox (store file) + fakesmsc + smsc http → nginx + smsbox (sendsms) ---------
mkdir -p "$OUT/kannel/store"
k_admin=$(free_port); k_smsbox=$(free_port); k_smsc=$(free_port); k_sendsms=$(free_port); k_mo=$(free_port)
{
  kannel_core_conf "$k_admin" "$k_smsbox" "$KANNEL_PASSWORD" "$k_sendsms"
  cat <<KCONF

# Kannel's own fake SMSC over a socket (its best case). The listener binds every interface; it
# accepts connections from 127.0.0.1 only.
group = smsc
smsc = fake
smsc-id = fake
allowed-smsc-id = fake
port = $k_smsc
connect-allow-ip = 127.0.0.1

# The same fake provider as Sluice's: one GET per message, "OK id=<unique>" back, timed in the log.
group = smsc
smsc = http
smsc-id = http
allowed-smsc-id = http
system-type = generic
send-url = "http://127.0.0.1:$ng_port/kannel/timed?from=%p&to=%P&text=%b"
status-success-regex = "^OK"
generic-foreign-id-regex = "id=([0-9a-f]+)"
max-pending-submits = $KANNEL_HTTP_PENDING
port = $k_mo
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
# fakesmsc prints "Got message N: <from to text>" per message: keep the arrival time (ms) and the
# text (the run's unique id), never the numbers. The subshell is the root of both processes.
(
  "$FAKESMSC" -H 127.0.0.1 -r "$k_smsc" -i 1 -m 0 "1 2 text nop" 2>&1 |
    perl -MTime::HiRes=time -ne '$| = 1; if (/Got message/) { my @f = split; my $t = $f[-1]; $t =~ s/>$//; printf "%.3f %s\n", time, $t }'
) >"$OUT/kannel/received.txt" &
fs_pid=$!
pids+=($fs_pid)
/usr/sbin/smsbox -v 2 "$OUT/kannel/kannel.conf" >"$OUT/kannel/smsbox.out" 2>&1 &
sb_pid=$!
pids+=($sb_pid)
wait_port "$k_sendsms" 30
fs_log="$OUT/kannel/received.txt"
log "Kannel: bearerbox (store file), fakesmsc on $k_smsc, smsc http → nginx, sendsms on $k_sendsms"

# --- gateway ----------------------------------------------------------------------------------
gw_port=$(free_port)
gw="http://127.0.0.1:$gw_port"
start_gateway() { # dispatch: true|false, campaigns.maxQueued ("" = the gateway's default)
  local extra=()
  [ -n "$2" ] && extra+=(SLUICE_CAMPAIGNS_MAX_QUEUED="$2")
  env SLUICE_HTTP_PORT="$gw_port" SLUICE_HTTP_HOST=127.0.0.1 SLUICE_ADMIN_TOKEN="$ADMIN_TOKEN" \
    SLUICE_MASTER_KEY="$MASTER_KEY" SLUICE_REDIS_URL="$REDIS_URL" \
    SLUICE_PG_URL="postgresql://postgres:postgres@127.0.0.1:5432/$DB" \
    SLUICE_WHATSAPP_BASE_URL="$fake" SLUICE_PUBLIC_URL="$gw" SLUICE_DISPATCH_ENABLED="$1" \
    "${extra[@]}" \
    java $GATEWAY_JAVA_OPTS -XX:+ExitOnOutOfMemoryError -jar "$GATEWAY_JAR" \
    --config "$GATEWAY_CONFIG" >>"$OUT/gateway.log" 2>&1 &
  gw_pid=$!
  wait_http "$gw/health/ready" 90
}
stop_gateway() {
  kill "$gw_pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$gw_pid" 2>/dev/null || true
  wait "$gw_pid" 2>/dev/null || true
  gw_pid=""
}

if [ "$MEM" = 1 ]; then
  log "starting the gateway on $gw_port with dispatch off, campaigns.maxQueued $MEM_QUEUED (database $DB)"
  start_gateway false "$MEM_QUEUED"
else
  log "starting the gateway on $gw_port (database $DB)"
  start_gateway true "$MAX_QUEUED"
fi
events=()
[ "$OUTBOUND_EVENTS" != all ] && events=(--outbound-events "$OUTBOUND_EVENTS")
# One tenant, one WhatsApp channel (→ nginx), pacing lifted to PER_SECOND (the campaign has no cap
# of its own, so the channel's pacing is its rate).
java -jar "$KIT_JAR" setup --admin-url "$gw" --admin-token "$ADMIN_TOKEN" --app "$APP" \
  --app-secret "$APP_SECRET" --tenants 1 --channels-per-tenant 1 --provider whatsapp \
  --outbound-per-second "$PER_SECOND" --outbound-burst "$PER_SECOND" \
  --per-recipient-per-minute 1000000 --recipient-burst 10000 "${events[@]}" \
  --keys-out "$OUT/keys.txt" --routes-out "$OUT/routes.txt" >"$OUT/setup.log" 2>&1
read -r _ API_KEY CHANNEL <"$OUT/routes.txt"

# --- audiences --------------------------------------------------------------------------------
# gen_audience PREFIX ROWS TAG: PREFIX.csv (phone,first_name; distinct valid US numbers, first_name
# "<TAG>x<row>" so that every text is unique) and PREFIX.numbers (the same numbers, digits only).
gen_audience() {
  gen_numbers "$1" "$2" "$3"
  awk -v tag="$3" 'BEGIN { print "phone,first_name" } { printf "+%s,%sx%d\n", $0, tag, NR }' "$1.numbers" >"$1.csv"
}

# --- measuring --------------------------------------------------------------------------------
# cpu_reading: jiffies of each party "gw redis pg kannel nginx fakesmsc busy" from one read of /proc
# (tree_jiffies: each party with its children).
cpu_reading() {
  tree_jiffies "gw:${gw_pid:-0} redis:$redis_pid pg:${pg_pid:-0} kannel:$bb_pid,$sb_pid nginx:$ng_pid fakesmsc:$fs_pid"
}

# Samples "<epoch s> <Redis used_memory> <bearerbox VmRSS kB> <bearerbox queued>" every 0.5 s
# into FILE until killed (bearerbox's queue from its status page once a second).
sampler() {
  local i=0 q=-1
  while :; do
    if [ $((i % 2)) -eq 0 ]; then
      curl -s --max-time 1 -o "$1.status" "http://127.0.0.1:$k_admin/status.txt?password=$KANNEL_PASSWORD" 2>/dev/null || true
      # Messages bearerbox holds for its SMSCs: "queued N msgs" of each SMSC connection, plus its
      # global outgoing queue ("sent S (Q queued)").
      q=$(awk '/ queued [0-9]+ msgs\)/ { s = $0; sub(/.* queued /, "", s); sub(/ msgs.*/, "", s); n += s }
        /^SMS: received/ { s = $0; sub(/.*, sent [0-9]+ \(/, "", s); sub(/ queued.*/, "", s); n += s }
        END { print n + 0 }' "$1.status" 2>/dev/null)
    fi
    echo "$(now_s) $(used_memory) $(awk '/^VmRSS:/ { print $2 }' "/proc/$bb_pid/status" 2>/dev/null) ${q:--1}" >>"$1"
    i=$((i + 1)); sleep 0.5
  done
}

stop_sampler() { kill "$smp_pid" 2>/dev/null || true; wait "$smp_pid" 2>/dev/null || true; smp_pid=""; }

# deliveries LOG FROM TAG: "<count> <unique> <first s> <last s> <10 % s> <90 % s> <idle s>" of the lines
# ("<time> <text>", text containing TAG) after byte FROM of LOG, per recipient: Sluice's texts are
# one per row; Kannel's "lt-<tag>-<i>-<k>" stands for k recipients, so a text seen more than k
# times is a duplicate. Idle: the sum of the pauses longer than 0.5 s between two deliveries.
deliveries() {
  local tmp="$OUT/.deliveries"
  { tail -c +$(($2 + 1)) "$1" | grep -F -- "$3" || true; } >"$tmp"
  local counts times
  counts=$(awk '
    { text = substr($0, index($0, " ") + 1); n++; seen[text]++ }
    END {
      for (x in seen) {
        k = 1; c = split(x, parts, "-"); if (x ~ /^lt-/) k = parts[c] + 0
        unique += (seen[x] < k ? seen[x] : k)
      }
      printf "%d %d", n, unique
    }' "$tmp")
  times=$(cut -d' ' -f1 "$tmp" | sort -n | awk '{ t[NR] = $1; if (NR > 1 && $1 - t[NR - 1] > 0.5) idle += $1 - t[NR - 1] } END {
      if (NR == 0) { print "0 0 0 0 0"; exit }
      lo = int(NR * 0.1); if (lo < 1) lo = 1; hi = int(NR * 0.9); if (hi < 1) hi = 1
      printf "%.3f %.3f %.3f %.3f %.3f", t[1], t[NR], t[lo], t[hi], idle }')
  rm -f "$tmp"
  echo "$counts $times"
}

bytes() { if [ -f "$1" ]; then stat -c %s "$1"; else echo 0; fi; }

# wait_lines LOG FROM WANT: until LOG holds WANT lines after byte FROM, nothing moved for 15 s, or
# SETTLE_S.
lines_after() { tail -c +$(($2 + 1)) "$1" 2>/dev/null | wc -l; }   # LOG FROM
wait_lines() { wait_count "$3" "$SETTLE_S" "at the fake" lines_after "$1" "$2"; }

create_campaign() { # csv file, tag → prints the campaign id; the response is kept in $OUT
  local code
  code=$(curl -sS -o "$OUT/$2.created.json" -w '%{http_code}' -H "Authorization: Bearer $API_KEY" \
    --form-string "campaign={\"name\":\"bench $2\",\"channel\":\"$CHANNEL\",\"message\":{\"text\":\"Hi {{first_name}}\"}}" \
    -F "audience=@$1;type=text/csv" "$gw/v1/campaigns")
  if [ "$code" != 201 ]; then
    log "POST /v1/campaigns answered $code: $(head -c 300 "$OUT/$2.created.json")"; return 1
  fi
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$OUT/$2.created.json"
}

campaign_status() { psql_db -c "select status from campaigns where id = '$1'"; }

wait_completed() { # id, seconds
  local until=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$until" ]; do
    [ "$(campaign_status "$1")" = completed ] && return 0
    sleep 0.2
  done
  log "campaign $1 is $(campaign_status "$1") after $2 s"; return 1
}

printf 'name\tside\tround\tmeasured\trecipients\tcreate_s\tstart\texpand_first\texpand_last\texpanded\tdeliv_first\tdeliv_last\tdeliv_lo\tdeliv_hi\tlines\tunique\tend\tgw\tredis\tpg\tkannel\tnginx\tfakesmsc\tgen\tbusy\tcgw\tcredis\tcpg\tmem0\tmem_peak\tmem_end\trss0\trss_peak\tqueue_peak\tnon2xx\tidle\n' >"$OUT/runs.tsv"

# sluice_run NAME ROUND MEASURED ROWS: one campaign of ROWS rows, created, expanded, sent, completed.
sluice_run() {
  local name=$1 round=$2 measured=$3 rows=$4 tag id r0 r1 r2 t0 t1 t2 g0 g1 m0 from
  tag=$(echo "$name" | tr -cd 'A-Za-z0-9')
  gen_audience "$OUT/$name" "$rows" "$tag"
  log "$name: Sluice campaign of $rows rows (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  from=$(bytes "$wa_log")
  m0=$(used_memory)
  : >"$OUT/$name.samples"
  sampler "$OUT/$name.samples" &
  smp_pid=$!
  g0=$(self_children_jiffies); r0=$(cpu_reading); t0=$(now_s)
  id=$(create_campaign "$OUT/$name.csv" "$name")
  t1=$(now_s); r1=$(cpu_reading); g1=$(self_children_jiffies)
  log "$name: campaign $id stored in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
  wait_lines "$wa_log" "$from" "$rows" || true
  wait_completed "$id" 60 || true
  t2=$(now_s); r2=$(cpu_reading)
  stop_sampler
  sleep 1   # nginx flushes its log every 500 ms
  local exp del
  exp=$(psql_db -F ' ' -c "select count(*), coalesce(extract(epoch from min(created_at)), 0),
    coalesce(extract(epoch from max(created_at)), 0) from messages where campaign_id = '$id'")
  del=$(deliveries "$wa_log" "$from" " Hi ${tag}x")
  record "$name" sluice "$round" "$measured" "$rows" "$t0" "$t1" "$t2" "$r0" "$r1" "$r2" "$exp" "$del" \
    "$((g1 - g0))" "$m0" "$OUT/$name.samples" 0
}

# kannel_run NAME VARIANT(fakesmsc|http) ROUND MEASURED NUMBERS-PREFIX: the same recipients through
# multi-recipient sendsms.
kannel_run() {
  local name=$1 variant=$2 round=$3 measured=$4 numbers=$5 tag log_file r0 r1 t0 t1 g0 g1 want non2xx from
  tag=$(echo "$name" | tr -cd 'A-Za-z0-9')
  want=$(lines "$numbers.numbers")
  cp "$numbers.numbers" "$OUT/$name.numbers"
  kannel_requests "$OUT/$name" "$tag" "$KANNEL_RECIPIENTS" \
    "http://127.0.0.1:$k_sendsms/cgi-bin/sendsms?username=bench&password=$KANNEL_PASSWORD&smsc=$([ "$variant" = http ] && echo http || echo fake)&from=14155550000"
  log_file=$fs_log
  [ "$variant" = http ] && log_file=$kh_log
  log "$name: Kannel → $variant, $want recipients, $KANNEL_RECIPIENTS per request, $KANNEL_CONNECTIONS in flight (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  from=$(bytes "$log_file")
  : >"$OUT/$name.samples"
  sampler "$OUT/$name.samples" &
  smp_pid=$!
  sleep 0.6   # one sample before
  g0=$(self_children_jiffies); r0=$(cpu_reading); t0=$(now_s)
  curl -s --parallel --parallel-max "$KANNEL_CONNECTIONS" -K "$OUT/$name.curl" -w '%{http_code}\n' \
    >"$OUT/$name.codes" 2>"$OUT/$name.curl.err" || log "$name: curl failed ($OUT/$name.curl.err)"
  g1=$(self_children_jiffies)
  wait_lines "$log_file" "$from" "$want" || true
  t1=$(now_s); r1=$(cpu_reading)
  stop_sampler
  sleep 1
  non2xx=$({ grep -cv '^202$' "$OUT/$name.codes" || true; })
  record "$name" "kannel-$variant" "$round" "$measured" "$want" "$t0" "$t0" "$t1" "$r0" "$r0" "$r1" \
    "0 0 0" "$(deliveries "$log_file" "$from" "lt-$tag-")" "$((g1 - g0))" 0 "$OUT/$name.samples" "$non2xx"
}

# record NAME SIDE ROUND MEASURED RECIPIENTS T0 T1 T2 R0 R1 R2 "EXPANSION" "DELIVERIES" GEN MEM0 SAMPLES NON2XX
record() {
  local smp=${16}
  awk -v n="$1" -v side="$2" -v round="$3" -v m="$4" -v want="$5" -v t0="$6" -v t1="$7" -v t2="$8" \
    -v a="$9" -v b="${10}" -v c="${11}" -v ex="${12}" -v del="${13}" -v gen="${14}" -v mem0="${15}" \
    -v non2xx="${17}" '
    FNR == NR { if ($2 > mp) mp = $2; me = $2; if (r0 == "") r0 = $3; if ($3 > rp) rp = $3; if ($4 > qp) qp = $4; next }
    END {
      split(a, A, " "); split(b, B, " "); split(c, C, " "); split(ex, E, " "); split(del, D, " ")
      printf "%s\t%s\t%s\t%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%d\t%.3f", n, side, round, m,
        want, t1 - t0, t1, E[2], E[3], E[1], D[3], D[4], D[5], D[6], D[1], D[2], t2
      for (i = 1; i <= 6; i++) printf "\t%d", C[i] - A[i]
      printf "\t%d\t%d", gen, C[7] - A[7]
      for (i = 1; i <= 3; i++) printf "\t%d", B[i] - A[i]
      printf "\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.3f\n", mem0, mp, me, r0, rp, qp, non2xx, D[7]
    }' "$smp" /dev/null >>"$OUT/runs.tsv"
  tail -1 "$OUT/runs.tsv" | awk -F'\t' '{
    d = $12 - $11; printf("[campaign] %s: %d of %d delivered once (%d lines), first to last in %.2f s = %.0f msg/s\n", $1, $16, $5, $15, d, d > 0 ? $16 / d : 0) }' >&2
}

# --- 1. memory: the campaign's share of the queue, full ---------------------------------------
if [ "$MEM" = 1 ]; then
  mem_rows=$((MEM_QUEUED * 2))
  gen_audience "$OUT/memory" "$mem_rows" memory
  mem_from=$(bytes "$wa_log")
  sleep 2
  rcli info memory | tr -d '\r' >"$OUT/memory-info-before.txt"
  mem0=$(awk -F: '$1 == "used_memory" { print $2 }' "$OUT/memory-info-before.txt")
  mem_id=$(create_campaign "$OUT/memory.csv" memory)
  log "memory: campaign $mem_id of $mem_rows rows, dispatch off: waiting for $MEM_QUEUED messages in the queue"
  inq_key="{cmp:$mem_id}:inq"
  for _ in $(seq 1 600); do
    inq=$(rcli get "$inq_key"); inq=${inq:-0}
    [ "$inq" -ge "$MEM_QUEUED" ] && [ "$(rcli xlen '{ledger}:events')" -eq 0 ] && break
    sleep 0.2
  done
  sleep 3   # the last row updates, the ledger's acknowledgements; AOF buffer written out
  queued=$(rcli get "$inq_key"); queued=${queued:-0}
  out_len=0
  for k in $(rcli --scan --pattern '*:out:*'); do
    [ "$(rcli type "$k")" = stream ] && out_len=$((out_len + $(rcli xlen "$k")))
  done
  rcli info memory | tr -d '\r' >"$OUT/memory-info-after.txt"
  mem1=$(awk -F: '$1 == "used_memory" { print $2 }' "$OUT/memory-info-after.txt")
  # Where the bytes are: MEMORY USAGE of every key, grouped by name with ids taken out.
  rcli --scan >"$OUT/memory-keys.txt"
  awk '{ printf "MEMORY USAGE %s SAMPLES 0\n", $0 }' "$OUT/memory-keys.txt" | rcli >"$OUT/memory-usage.txt"
  sed -E 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<uuid>/g; s/[0-9a-f]{16,}/<hex>/g; s/[0-9]+/<n>/g' \
    "$OUT/memory-keys.txt" | paste -d' ' - "$OUT/memory-usage.txt" |
    awk '{ n[$1]++; b[$1] += $2 } END { for (k in n) printf "%s\t%d\t%d\n", k, n[k], b[k] }' |
    sort -t$'\t' -k3,3nr >"$OUT/memory-by-key.tsv"
  clients0=$(awk -F: '$1 == "mem_clients_normal" { print $2 }' "$OUT/memory-info-before.txt")
  clients1=$(awk -F: '$1 == "mem_clients_normal" { print $2 }' "$OUT/memory-info-after.txt")
  printf '%s %s %s %s %s %s %s\n' "$mem0" "$mem1" "$queued" "$out_len" "$mem_rows" "$clients0" "$clients1" >"$OUT/memory.txt"
  log "memory: used_memory $mem0 → $mem1 (client buffers $clients0 → $clients1) with $queued campaign messages queued ($out_len in the outbound streams): $(( ((mem1 - clients1) - (mem0 - clients0)) / (queued > 0 ? queued : 1) )) bytes each without client buffers"
  log "restarting the gateway with dispatch on${MAX_QUEUED:+, campaigns.maxQueued $MAX_QUEUED}"
  stop_gateway
  start_gateway true "$MAX_QUEUED"
  wait_lines "$wa_log" "$mem_from" "$mem_rows" || true
  wait_completed "$mem_id" 60 || true
fi

# --- 2. warm-up, unmeasured -------------------------------------------------------------------
wait_quiet
sluice_run warmup-sluice 0 0 "$WARMUP_ROWS"
kw=$((WARMUP_ROWS / 5 < N ? WARMUP_ROWS / 5 : N))
if [ "$kw" -gt 0 ]; then
  gen_audience "$OUT/warmup-kannel" "$kw" warmupkannel
  kannel_run warmup-kannel-fakesmsc fakesmsc 0 0 "$OUT/warmup-kannel"
  if [ "$KANNEL_HTTP" = 1 ]; then kannel_run warmup-kannel-http http 0 0 "$OUT/warmup-kannel"; fi
fi

# --- 3. rounds ---------------------------------------------------------------------------------
for r in $(seq 1 "$ROUNDS"); do
  sluice_run "sluice-r$r" "$r" 1 "$N"
  kannel_run "kannel-fakesmsc-r$r" fakesmsc "$r" 1 "$OUT/sluice-r$r"
  if [ "$KANNEL_HTTP" = 1 ]; then kannel_run "kannel-http-r$r" http "$r" 1 "$OUT/sluice-r$r"; fi
done

# --- 4. tables ---------------------------------------------------------------------------------
summarise() {
  awk -F'\t' -v hz="$CLK" -v cores="$NCPU" -v memfile="$OUT/memory.txt" '
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n == 0 ? 0 : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
    }
    function add(key, v) { L[key] = L[key] " " v }
    function med(key, fmt) { return (key in L) ? sprintf(fmt, median(L[key])) : "—" }
    function ratio(a, b) { return (a in L) && (b in L) && median(L[b]) > 0 ? sprintf("%.2f", median(L[a]) / median(L[b])) : "—" }
    NR == 1 || $4 != 1 { next }
    {
      s = $2; if (!(s in seen)) { order[++ns] = s; seen[s] = 1 }
      want = $5; got = $16; per = got > 0 ? 1000 / got / hz : 0
      t0 = $7 - $6; e2e = $12 - t0; deliv = $12 - $11; steady = $14 - $13; expand = $9 - $8
      gw = $18; redis = $19; pg = $20; kannel = $21; ng = $22; fs = $23; gen = $24; busy = $25
      server = (s == "sluice") ? gw + redis + pg : kannel
      fake = (s == "kannel-fakesmsc") ? fs : ng
      cap = ($17 - t0) * hz * cores
      rows[++nr] = sprintf("| %s | %d | %s | %s | %.0f | %.1f | %.0f | %.0f | %.2f (%s) | %.3f | %.3f | %.0f%% | %s | %d | %d |",
        $1, want, s == "sluice" ? sprintf("%.2f s = %.0f rows/s", $6, want / $6) : "—",
        s == "sluice" && expand > 0 ? sprintf("%.0f rows/s, done %.1f s after the request", $10 / expand, $9 - t0) : "—",
        deliv > 0 ? got / deliv : 0, $36, steady > 0 ? 0.8 * got / steady : 0, e2e > 0 ? got / e2e : 0,
        server * per, s == "sluice" ? sprintf("gw %.2f, Redis %.2f, PG %.2f", gw * per, redis * per, pg * per) : "bearerbox + smsbox",
        fake * per, gen * per, cap > 0 ? 100 * busy / cap : 0,
        s == "sluice" ? sprintf("Redis %.1f → peak %.1f MiB", $29 / 1048576, $30 / 1048576) : sprintf("RSS +%.1f MiB, queue ≤ %d", ($33 - $32) / 1024, $34),
        want - got, $15 - got)
      add(s ":rate", deliv > 0 ? got / deliv : 0); add(s ":steady", steady > 0 ? 0.8 * got / steady : 0)
      add(s ":e2e", e2e > 0 ? got / e2e : 0)
      add(s ":cpu", server * per); add(s ":fake", fake * per); add(s ":gen", gen * per)
      if (s == "sluice") {
        add("create", want / $6); add("expand", expand > 0 ? $10 / expand : 0)
        add("ccpu", ($26 + $27 + $28) * per); add("scpu", (gw + redis + pg - $26 - $27 - $28) * per)
        add("retained", got > 0 ? ($31 - $29) / got : 0); add("peak", ($30 - $29) / 1048576)
      } else {
        add(s ":rss", $34 > 0 ? ($33 - $32) * 1024 / $34 : 0)
      }
    }
    END {
      print "| run | recipients | create: stored in | expansion (queued) | delivered msg/s (first → last) | idle s | steady msg/s (10–90 %) | end to end msg/s (request → last) | server CPU-s per 1k msgs | fake CPU-s per 1k | generator CPU-s per 1k | machine busy | memory | missing | duplicates |"
      print "|---|---:|---|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|"
      for (i = 1; i <= nr; i++) print rows[i]
      print ""
      print "Sluice = gateway + Redis (and its AOF child) + every PostgreSQL process of the cluster; Kannel = bearerbox + smsbox."
      print "Delivered msg/s: from the first to the last message at the fake (Sluice starts sending once the audience is committed, before the 201);"
      print "idle: the pauses longer than 0.5 s between two deliveries, summed; end to end: from the start of the create request"
      print "(Kannel: of the first sendsms request) to the last message at the fake."
      print "CPU from the start of the create request (Kannel: the first request) to the campaign completed (Kannel: the last delivery)."
      print ""
      print "| medians over rounds | Sluice campaign | Kannel → fakesmsc | Kannel → HTTP (nginx) |"
      print "|---|---:|---:|---:|"
      printf("| rows/s stored (create) | %s | — | — |\n", med("create", "%.0f"))
      printf("| rows/s expanded (queued) | %s | — | — |\n", med("expand", "%.0f"))
      printf("| msgs/s delivered (first → last) | %s | %s | %s |\n", med("sluice:rate", "%.0f"),
        med("kannel-fakesmsc:rate", "%.0f"), med("kannel-http:rate", "%.0f"))
      printf("| msgs/s delivered, steady (10–90 %%) | %s | %s | %s |\n", med("sluice:steady", "%.0f"),
        med("kannel-fakesmsc:steady", "%.0f"), med("kannel-http:steady", "%.0f"))
      printf("| **Sluice / Kannel, delivered** | | **%s** | **%s** |\n", ratio("sluice:rate", "kannel-fakesmsc:rate"),
        ratio("sluice:rate", "kannel-http:rate"))
      printf("| msgs/s end to end (request → last; Sluice: with the upload and store) | %s | %s | %s |\n", med("sluice:e2e", "%.0f"),
        med("kannel-fakesmsc:e2e", "%.0f"), med("kannel-http:e2e", "%.0f"))
      printf("| Sluice / Kannel, end to end | | %s | %s |\n", ratio("sluice:e2e", "kannel-fakesmsc:e2e"),
        ratio("sluice:e2e", "kannel-http:e2e"))
      printf("| server CPU-s per 1k messages | %s (create %s + send %s) | %s | %s |\n", med("sluice:cpu", "%.2f"),
        med("ccpu", "%.2f"), med("scpu", "%.2f"), med("kannel-fakesmsc:cpu", "%.2f"), med("kannel-http:cpu", "%.2f"))
      printf("| **Sluice / Kannel, CPU per message** | | **%s** | **%s** |\n", ratio("sluice:cpu", "kannel-fakesmsc:cpu"),
        ratio("sluice:cpu", "kannel-http:cpu"))
      printf("| fake CPU-s per 1k messages (nginx; fakesmsc + its filter) | %s | %s | %s |\n", med("sluice:fake", "%.3f"),
        med("kannel-fakesmsc:fake", "%.3f"), med("kannel-http:fake", "%.3f"))
      printf("| generator CPU-s per 1k messages (curl) | %s | %s | %s |\n", med("sluice:gen", "%.3f"),
        med("kannel-fakesmsc:gen", "%.3f"), med("kannel-http:gen", "%.3f"))
      mq = "—"
      if ((getline line < memfile) > 0) {
        split(line, M, " ")
        if (M[3] > 0) mq = sprintf("%.0f (%d queued; raw used_memory %.0f)", ((M[2] - M[7]) - (M[1] - M[6])) / M[3], M[3], (M[2] - M[1]) / M[3])
      }
      printf("| bytes per queued message | Redis: %s | bearerbox RSS growth / its peak queue: %s | %s |\n", mq,
        med("kannel-fakesmsc:rss", "%.0f"), med("kannel-http:rss", "%.0f"))
      printf("| Redis while a campaign runs | peak +%s MiB; %s bytes per message left after it | | |\n",
        med("peak", "%.1f"), med("retained", "%.0f"))
    }' "$OUT/runs.tsv"
  if [ -s "$OUT/memory.txt" ]; then
    read -r m0 m1 q olen mrows c0 c1 <"$OUT/memory.txt"
    echo
    echo "Redis with the campaign's share of the queue full (dispatch off, campaigns.maxQueued $MEM_QUEUED, a campaign of $mrows rows): used_memory $m0 → $m1 bytes, of which client buffers $c0 → $c1; $q messages queued ($olen entries in the outbound streams) = **$(( ((m1 - c1) - (m0 - c0)) / (q > 0 ? q : 1) )) bytes per queued message** without the client buffers ($(( (m1 - m0) / (q > 0 ? q : 1) )) with them). Largest key groups (MEMORY USAGE, ids replaced):"
    echo
    echo "| key | keys | bytes | bytes per queued message |"
    echo "|---|---:|---:|---:|"
    head -8 "$OUT/memory-by-key.tsv" | awk -F'\t' -v q="$q" '{ printf("| `%s` | %d | %d | %.0f |\n", $1, $2, $3, q > 0 ? $3 / q : 0) }'
  fi
}
summarise | tee "$OUT/campaign.md"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cores: $(nproc)"
  free -g | sed 's/^/memory: /'
  java -version 2>&1 | head -1 | sed 's/^/java: /'
  echo "redis: $(rcli info server | tr -d '\r' | awk -F: '/^redis_version/{print $2}') (appendonly yes, appendfsync everysec)"
  echo "postgresql: $(PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'show server_version')"
  echo "kannel: $(dpkg-query -W -f='${Version}' kannel 2>/dev/null) (store-type file, store-dump-freq 1; smsc http max-pending-submits $KANNEL_HTTP_PENDING)"
  echo "nginx: $(dpkg-query -W -f='${Version}' nginx-light 2>/dev/null), $NGINX_WORKERS worker(s); curl: $(curl --version | head -1 | cut -d' ' -f2)"
  echo "gateway: $GATEWAY_JAR, JVM options: -XX:+ExitOnOutOfMemoryError $GATEWAY_JAVA_OPTS"
  echo "load: N=$N ROUNDS=$ROUNDS WARMUP_ROWS=$WARMUP_ROWS KANNEL_RECIPIENTS=$KANNEL_RECIPIENTS" \
    "KANNEL_CONNECTIONS=$KANNEL_CONNECTIONS KANNEL_HTTP=$KANNEL_HTTP MEM=$MEM MEM_QUEUED=$MEM_QUEUED" \
    "MAX_QUEUED=${MAX_QUEUED:-default} PER_SECOND=$PER_SECOND OUTBOUND_EVENTS=$OUTBOUND_EVENTS"
} >"$OUT/environment.txt"
echo
cat "$OUT/environment.txt"
