#!/usr/bin/env bash
# SMPP benchmark, from nothing: Sluice's `smpp` channel against Kannel's `smsc = smpp`, both bound
# to the same SMSC simulator (the kit's `smsc` tool, on jsmpp), on one machine, alternating, with
# every process's CPU counted (load-tests/README.md, "bench-smpp.sh").
#
# Installs what is missing (JDK, Maven, curl, python3, nginx-light, Kannel: bearerbox + smsbox),
# builds, makes sure PostgreSQL runs, starts a dedicated Redis with AOF everysec on a free port, the
# SMSC simulator (answers every submit_sm at once, sends a delivery receipt for each after
# RECEIPT_DELAY_MS, counts submits per destination), the kit's nginx fake (fake-provider.sh) as
# the sink of Kannel's delivery-report callbacks (dlr-url), Kannel (bearerbox with a store file and
# internal DLR storage, BINDS `smsc = smpp` transceiver binds sharing one smsc-id, each with
# max-pending-submits WINDOW and throughput TPS / BINDS; smsbox for sendsms) and the gateway (own
# database, own admin token) with one tenant and one `smpp` channel (transceiver, BINDS binds,
# windowSize WINDOW, limits.outbound.perSecond TPS), all on 127.0.0.1. Then:
#
#   1. warm-up, unmeasured: WARMUP_N messages through Sluice (the JVM's JIT needs a minute or so
#      of load), at most 10,000 through each Kannel side;
#   2. ROUNDS rounds, each: Sluice, Kannel, Kannel multi-recipient (the order reversed every other
#      round), N fresh recipients (distinct valid US numbers) each:
#      - Sluice: POST /v1/messages/batch, BATCH messages a request (the fastest way in for N
#        distinct recipients), CONCURRENCY requests in flight (curl --parallel);
#      - Kannel: GET /cgi-bin/sendsms with dlr-mask 31 and a dlr-url (nginx's /kannel/dlr, which
#        logs each callback's type: the receipts Kannel matched are counted), KANNEL_RECIPIENTS
#        numbers a request (1: one request per message), CONCURRENCY in flight; and side
#        kannel-multi: the same with KANNEL_MULTI numbers a request (`to` with several numbers, one
#        text: how Kannel's bulk senders use it);
#      - at the simulator: msg/s from the first to the last submit_sm and in the steady middle
#        (10–90 % of the submits), submit → receipt-acknowledged latency (p50/p99), and every
#        recipient exactly once (missing / duplicates / unexpected);
#      - a run ends when the simulator has every submit and every receipt acknowledged, the
#        receipts reached the user (Sluice: the messages' status in the ledger; Kannel: the dlr-url
#        callbacks) and the server side has gone idle;
#      - CPU of every process from /proc, as process trees: the gateway + Redis (and its AOF child)
#        + PostgreSQL (the gateway database's backends and the cluster's background processes; the
#        whole cluster beside, as a shared machine's cluster serves others too) vs bearerbox +
#        smsbox; beside them the simulator, the generator (curl) and the DLR sink (nginx);
#      - Sluice only: accepted → delivered latency from the ledger (a delivered message's
#        created_at → updated_at: when GET /v1/messages/{id} started to show it delivered);
#   3. the tables (smpp.md): per run and medians over rounds, Sluice / Kannel.
# PROFILE=1 records the gateway with JFR for the whole run (the "profile" settings, a sample every
# 1 ms) and prints its hottest methods.
# Everything is torn down by a trap.
#
# Knobs (environment):
#   N=50000 ROUNDS=3 WARMUP_N=100000           messages per run; rounds; Sluice's warm-up messages
#   WINDOW=50 TPS=50000 BINDS=1                 per-bind window (the simulator's receipts in flight:
#                                               WINDOW × BINDS), TPS of the account, binds per side
#   BURST=10 (50000 without TPS)                Sluice's limits.outbound.burst: messages beyond the
#                                               TPS it may send at once (10, the gateway's SMPP
#                                               default; Kannel's `throughput` has no burst)
#   BATCH=100 CONCURRENCY=8                     Sluice's batch size; requests in flight (both sides)
#   KANNEL_RECIPIENTS=1 KANNEL_MULTI=100        numbers per sendsms request (side kannel), and of the
#                                               side kannel-multi (0: not run)
#   RECEIPT_DELAY_MS=0                          the simulator's delay before each receipt
#   SIDES="sluice kannel kannel-multi"          which sides run (no sluice: no gateway started)
#   SETTLE_S=300 QUIET_WAIT_S=60 SKIP_BUILD=0|1 PROFILE=0|1 GATEWAY_JAVA_OPTS=""
#   GATEWAY_JAR=… GATEWAY_CONFIG=…              another build (a before/after run)
#   OUT=dir                                     results: load-tests/target/bench-smpp/<time>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

N=${N:-50000}
# Unpaced (no TPS given): no burst limit either; at a given TPS, the gateway's SMPP default burst.
BURST=${BURST:-$([ -n "${TPS:-}" ] && echo 10 || echo 50000)}
ROUNDS=${ROUNDS:-3}
WARMUP_N=${WARMUP_N:-100000}
WINDOW=${WINDOW:-50}
TPS=${TPS:-50000}
BINDS=${BINDS:-1}
BATCH=${BATCH:-100}
CONCURRENCY=${CONCURRENCY:-8}
KANNEL_RECIPIENTS=${KANNEL_RECIPIENTS:-1}
KANNEL_MULTI=${KANNEL_MULTI:-100}
RECEIPT_DELAY_MS=${RECEIPT_DELAY_MS:-0}
SIDES=${SIDES:-sluice kannel kannel-multi}
[ "$KANNEL_MULTI" -gt 0 ] || SIDES=${SIDES//kannel-multi/}
SETTLE_S=${SETTLE_S:-300}
QUIET_WAIT_S=${QUIET_WAIT_S:-60}
SKIP_BUILD=${SKIP_BUILD:-0}
PROFILE=${PROFILE:-0}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
GATEWAY_JAR=${GATEWAY_JAR:-$root/gateway/target/sluice-gateway.jar}
GATEWAY_CONFIG=${GATEWAY_CONFIG:-$root/config/gateway.yaml}
OUT=${OUT:-$here/target/bench-smpp/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) # absolute: Redis and Kannel run in directories of their own
KIT_JAR="$here/target/sluice-load-tests.jar"

ADMIN_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
KANNEL_PASSWORD="$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SYSTEM_ID=bench
SMPP_PASSWORD="$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"   # SMPP: at most 8 characters
DB="sluice_bench_smpp_$$"
TENANT=smppbench
CHANNEL=smpp-bench
SENDER=14155550000

log() { printf '[smpp %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
. "$here/bench-lib.sh"

pids=()
redis_pid=""
gw_pid=""
cleanup() {
  set +e
  stop_pids $gw_pid ${pids[@]+"${pids[@]}"}
  stop_bench_redis
  rm -rf "$OUT/kannel/store" "$OUT/nginx/tmp" "$OUT"/*.d "$OUT"/*.curl "$OUT"/*.numbers
  drop_bench_db "$DB"
  log "torn down (results in $OUT)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ------------------------------------------------------------------------------------
base_tools
command -v python3 >/dev/null || missing+=(python3)
[ -x /usr/sbin/nginx ] && [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || missing+=(nginx-light)
[ -x /usr/sbin/bearerbox ] && [ -x /usr/sbin/smsbox ] || missing+=(kannel)
install_missing ${missing[@]+"${missing[@]}"}
mkdir -p "$OUT"

if [ "$SKIP_BUILD" != 1 ]; then
  log "building (mvn package)"
  (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true package)
fi

"$root/scripts/ensure-backends.sh"   # PostgreSQL (and the shared Redis, installed if absent)

now_s() { date +%s.%N; }
psql_db() { PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d "$DB" -tA "$@"; }
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(" ".join(str(d.get(k, 0)) for k in sys.argv[2:]))' "$@"; }

start_bench_redis
pg_pid=$(pg_postmaster_pid)
[ -n "$pg_pid" ] || log "PostgreSQL's postmaster pid not found: its CPU will read 0"

# --- the sink of Kannel's delivery-report callbacks (nginx) -----------------------------------
ng_port=$(free_port)
"$here/fake-provider.sh" "$OUT/nginx" "$ng_port" 1 >"$OUT/nginx.out" 2>&1 &
ng_pid=$!
pids+=($ng_pid)
wait_http "http://127.0.0.1:$ng_port/health" 30
dlr_log="$OUT/nginx/logs/kannel-dlr.log"
log "DLR sink (nginx) on $ng_port"

# --- the SMSC simulator -----------------------------------------------------------------------
rm -f "$OUT/smsc.port" "$OUT/smsc-control.port"   # an OUT used before holds the old ones
java -jar "$KIT_JAR" smsc --system-id "$SYSTEM_ID" --password "$SMPP_PASSWORD" \
  --port-file "$OUT/smsc.port" --control-port-file "$OUT/smsc-control.port" \
  --receipt-delay-ms "$RECEIPT_DELAY_MS" --receipt-threads $((WINDOW * BINDS)) --max-lifetime-s 14400 >"$OUT/smsc.log" 2>&1 &
sim_pid=$!
pids+=($sim_pid)
for _ in $(seq 1 100); do [ -s "$OUT/smsc-control.port" ] && break; sleep 0.1; done
smsc_port=$(cat "$OUT/smsc.port")
ctl="http://127.0.0.1:$(cat "$OUT/smsc-control.port")"
log "SMSC simulator: SMPP on $smsc_port, control on $ctl"
binds_up() { grep -c ' bound (' "$OUT/smsc.log" || true; }
wait_binds() { # total binds expected at the simulator
  for _ in $(seq 1 300); do [ "$(binds_up)" -ge "$1" ] && return 0; sleep 0.2; done
  log "only $(binds_up) of $1 binds at the simulator after 60 s"; return 1
}

# --- Kannel: bearerbox (store file, internal DLR storage) + BINDS smsc smpp + smsbox ----------
mkdir -p "$OUT/kannel/store"
k_admin=$(free_port); k_smsbox=$(free_port); k_sendsms=$(free_port)
{
  kannel_core_conf "$k_admin" "$k_smsbox" "$KANNEL_PASSWORD" "$k_sendsms"
  # One group per bind, one smsc-id: bearerbox spreads the messages over them. Kannel's window is
  # max-pending-submits and its pacing `throughput` (per connection); Sluice's windowSize is per
  # bind and limits.outbound.perSecond for the whole account.
  for b in $(seq 1 "$BINDS"); do
    cat <<KCONF

group = smsc
smsc = smpp
smsc-id = smpp
allowed-smsc-id = smpp
host = 127.0.0.1
port = $smsc_port
transceiver-mode = true
smsc-username = $SYSTEM_ID
smsc-password = $SMPP_PASSWORD
system-type = ""
source-addr-ton = 1
source-addr-npi = 1
dest-addr-ton = 1
dest-addr-npi = 1
max-pending-submits = $WINDOW
throughput = $(awk -v t="$TPS" -v b="$BINDS" 'BEGIN { printf "%g", t / b }')
enquire-link-interval = 30
KCONF
  done
} >"$OUT/kannel/kannel.conf"
/usr/sbin/bearerbox -v 2 "$OUT/kannel/kannel.conf" >"$OUT/kannel/bearerbox.out" 2>&1 &
bb_pid=$!
pids+=($bb_pid)
wait_port "$k_smsbox" 30
/usr/sbin/smsbox -v 2 "$OUT/kannel/kannel.conf" >"$OUT/kannel/smsbox.out" 2>&1 &
sb_pid=$!
pids+=($sb_pid)
wait_port "$k_sendsms" 30
wait_binds "$BINDS"
log "Kannel: $BINDS transceiver bind(s) to the simulator (window $WINDOW, throughput $TPS in all), sendsms on $k_sendsms"

side() { case " $SIDES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# --- gateway: one tenant, one smpp channel ----------------------------------------------------
if side sluice; then
  gw_port=$(free_port)
  gw="http://127.0.0.1:$gw_port"
  jfr=()
  if [ "$PROFILE" = 1 ]; then
    sampling_jfc "$OUT/sampling.jfc"
    jfr=("-XX:StartFlightRecording=filename=$OUT/gateway.jfr,settings=$OUT/sampling.jfc,dumponexit=true")
  fi
  log "starting the gateway on $gw_port (database $DB)"
  env SLUICE_HTTP_PORT="$gw_port" SLUICE_HTTP_HOST=127.0.0.1 SLUICE_ADMIN_TOKEN="$ADMIN_TOKEN" \
    SLUICE_MASTER_KEY="$MASTER_KEY" SLUICE_REDIS_URL="$REDIS_URL" \
    SLUICE_PG_URL="postgresql://postgres:postgres@127.0.0.1:5432/$DB" SLUICE_PUBLIC_URL="$gw" \
    java $GATEWAY_JAVA_OPTS ${jfr[@]+"${jfr[@]}"} -XX:+ExitOnOutOfMemoryError -jar "$GATEWAY_JAR" \
    --config "$GATEWAY_CONFIG" >"$OUT/gateway.log" 2>&1 &
  gw_pid=$!
  wait_http "$gw/health/ready" 90
  admin() { # method path body → the response body; fails on a non-2xx
    curl -fsS -X "$1" "$gw$2" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' -d "$3"
  }
  API_KEY=$(admin POST /admin/tenants "{\"id\":\"$TENANT\",\"name\":\"SMPP bench\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["apiKey"])')
  admin POST "/admin/tenants/$TENANT/channels" "$(cat <<JSON
{"id": "$CHANNEL", "provider": "smpp",
 "credentials": {"systemId": "$SYSTEM_ID", "password": "$SMPP_PASSWORD"},
 "smpp": {"host": "127.0.0.1", "port": $smsc_port, "bindMode": "transceiver", "binds": $BINDS,
          "windowSize": $WINDOW, "sourceAddress": {"address": "$SENDER"}},
 "limits": {"outbound": {"perSecond": $TPS, "burst": $BURST,
                         "perRecipientPerMinute": 1000000, "recipientBurst": 10000}}}
JSON
  )" >"$OUT/channel.json"
  wait_binds $((2 * BINDS))
  log "Sluice: tenant $TENANT, channel $CHANNEL with $BINDS transceiver bind(s) to the simulator"
fi

# --- requests ---------------------------------------------------------------------------------
# sluice_requests PREFIX TAG: PREFIX.curl, POST /v1/messages/batch of BATCH messages each (bodies
# in PREFIX.d/, answers next to them), text "lt-<TAG>-<i>" for the i-th number of PREFIX.numbers.
sluice_requests() {
  python3 - "$1" "$2" "$BATCH" "$gw/v1/messages/batch" "$API_KEY" "$CHANNEL" <<'PY'
import json, os, sys
prefix, tag, per, url, key, channel = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
numbers = [l.strip() for l in open(prefix + ".numbers") if l.strip()]
os.makedirs(prefix + ".d", exist_ok=True)
with open(prefix + ".curl", "w") as cfg:
    for b, i in enumerate(range(0, len(numbers), per)):
        items = [{"channel": channel, "to": "+" + n, "type": "text", "text": "lt-%s-%d" % (tag, i + j)}
                 for j, n in enumerate(numbers[i:i + per])]
        body = "%s.d/%06d.json" % (prefix, b)
        with open(body, "w") as f:
            json.dump({"messages": items}, f)
        cfg.write('%surl = "%s"\nheader = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\n'
                  'data-binary = "@%s"\noutput = "%s.d/%06d.out"\nwrite-out = "%%{http_code}\\n"\n'
                  % ("next\n" if b else "", url, key, body, prefix, b))
PY
}

# --- measuring --------------------------------------------------------------------------------
# cpu_reading: jiffies "gw redis pg kannel smsc nginx pgown busy" (tree_jiffies: each with its
# children). pg is the whole PostgreSQL cluster, which on a shared machine serves other users too;
# pgown only the gateway's: the backends connected to its database and the cluster's own
# background processes (WAL writer, checkpointer, background writer, autovacuum launcher), as
# listed by pg_own_pids before each run (the gateway's pool keeps its connections).
pg_own=0
pg_own_pids() {
  PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc "
    select coalesce(string_agg(pid::text, ','), '0') from pg_stat_activity
    where datname = '$DB' or backend_type in ('checkpointer', 'background writer', 'walwriter',
      'autovacuum launcher', 'logical replication launcher')"
}
cpu_reading() {
  tree_jiffies "gw:${gw_pid:-0} redis:$redis_pid pg:${pg_pid:-0} kannel:$bb_pid,$sb_pid smsc:$sim_pid nginx:$ng_pid pgown:$pg_own"
}
bytes() { if [ -f "$1" ]; then stat -c %s "$1"; else echo 0; fi; }
# dlr_delivered FROM: delivered-type (1) callbacks in nginx's log after byte FROM.
dlr_delivered() { tail -c +$(($1 + 1)) "$dlr_log" 2>/dev/null | { grep -c ' 1$' || true; }; }

# smsc_done: how many of the round's messages the simulator has both taken and had the receipt of
# acknowledged (the smaller of its submits and receiptsAcked).
smsc_done() {
  curl -s --max-time 2 "$ctl/stats" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(min(d["submits"], d["receiptsAcked"]))'
}

# delivered_in_ledger T0: the channel's messages since T0 that the ledger shows delivered (polled
# once a second by wait_ledger: the query costs PostgreSQL CPU, outside the gateway's backends).
delivered_in_ledger() {
  psql_db -c "select count(*) from messages where channel_id = '$CHANNEL' and status = 'delivered' and created_at >= to_timestamp($1)"
}

# wait_idle GROUPS…: until the named cpu_reading groups together used under 5 % of a core for two
# seconds in a row (the server side has finished its work: ledger writes, DLR callbacks), at most
# 60 s.
wait_idle() {
  local cols=() g a b quiet=0
  for g in "$@"; do
    case $g in gw) cols+=(1) ;; redis) cols+=(2) ;; pg) cols+=(3) ;; kannel) cols+=(4) ;; pgown) cols+=(7) ;; esac
  done
  for _ in $(seq 1 60); do
    a=$(cpu_reading); sleep 1; b=$(cpu_reading)
    if [ "$(awk -v a="$a" -v b="$b" -v c="${cols[*]}" -v hz="$CLK" 'BEGIN {
        split(a, A, " "); split(b, B, " "); n = split(c, C, " ")
        for (i = 1; i <= n; i++) d += B[C[i]] - A[C[i]]
        print (d < 0.05 * hz) ? 1 : 0 }')" = 1 ]; then
      quiet=$((quiet + 1)); [ "$quiet" -ge 2 ] && return 0
    else
      quiet=0
    fi
  done
  log "the server side did not go idle within 60 s"
}

# record NAME SIDE ROUND MEASURED WANT T0 T1 T2 R0 R1 GEN NON2XX ERRORS CONFIRMED "LEDGER-LATENCY": one
# line of runs.tsv, the simulator's summary of the run (NAME.smsc.json) beside it.
record() {
  local s
  s=$(json "$OUT/$1.smsc.json" submits destinations duplicates missing unexpected submitsPerS \
    steadySubmitsPerS lastSubmitEpochMs receiptP50Ms receiptP99Ms receiptsAcked receiptsAckedPerS \
    answerP50Ms answerP99Ms)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" \
    "$9" "${10}" "${11}" "${12}" "${13}" "${14}" "${15}" "$s" >>"$OUT/runs.tsv"
  tail -1 "$OUT/runs.tsv" | awk -F'\t' '{
    split($16, S, " "); printf("[smpp] %s: %d submits for %d recipients (missing %d, duplicates %d), %.0f msg/s (steady %.0f), receipt p50 %.1f ms p99 %.1f ms (answered in p50 %.1f ms p99 %.1f ms)\n",
      $1, S[1], $5, S[4], S[3], S[6], S[7], S[9], S[10], S[13], S[14]) }' >&2
}

# sluice_run NAME ROUND MEASURED COUNT
sluice_run() {
  local name=$1 round=$2 measured=$3 want=$4 tag t0 t1 t2 r0 r1 g0 g1 non2xx errors confirmed lat
  tag=$(echo "$name" | tr -cd 'A-Za-z0-9')
  gen_numbers "$OUT/$name" "$want" "$tag"
  sluice_requests "$OUT/$name" "$tag"
  curl -s -X POST "$ctl/round?name=$name" >/dev/null
  pg_own=$(pg_own_pids)
  log "$name: Sluice, $want messages, $BATCH per batch request, $CONCURRENCY in flight (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  redis-cli -p "$redis_port" config resetstat >/dev/null
  thread_jiffies "$gw_pid" >"$OUT/$name.threads0"
  g0=$(self_children_jiffies); r0=$(cpu_reading); t0=$(now_s)
  curl -s --parallel --parallel-max "$CONCURRENCY" -K "$OUT/$name.curl" >"$OUT/$name.codes" 2>"$OUT/$name.curl.err" ||
    log "$name: curl failed ($OUT/$name.curl.err)"
  g1=$(self_children_jiffies); t1=$(now_s)
  wait_count "$want" "$SETTLE_S" "$name: at the simulator" smsc_done || true
  POLL_S=1 wait_count "$want" "$SETTLE_S" "$name: delivered in the ledger" delivered_in_ledger "$t0" || true
  wait_idle gw redis pgown
  t2=$(now_s); r1=$(cpu_reading)
  # The gateway's CPU by thread (event loops, the SMPP loop, GC, JIT…): NAME.threads.
  thread_jiffies "$gw_pid" >"$OUT/$name.threads1"
  thread_split "$OUT/$name.threads0" "$OUT/$name.threads1" "$CLK" >"$OUT/$name.threads"
  rm -f "$OUT/$name.threads0" "$OUT/$name.threads1"
  # What Redis spent its time on in this run (commands, calls, µs): NAME.commandstats.
  redis-cli -p "$redis_port" info commandstats | tr -d '\r' | grep '^cmdstat' >"$OUT/$name.commandstats" || true
  # The gateway's SMPP meters at the end of the run (cumulative since it started): NAME.smpp-metrics.
  curl -s "$gw/metrics" | grep '^sluice_smpp_' >"$OUT/$name.smpp-metrics" || true
  non2xx=$({ grep -cv '^200$' "$OUT/$name.codes" || true; })
  errors=$({ cat "$OUT/$name.d"/*.out 2>/dev/null || true; } | { grep -o '"error"' || true; } | wc -l)
  curl -s -X POST "$ctl/summary?out=$OUT/$name.smsc&expect=$OUT/$name.numbers" >/dev/null
  # Accepted → shown `delivered` (what GET /v1/messages/{id} says): the row's update time.
  read -r confirmed lat < <(psql_db -F ' ' -c "
    select count(*),
      coalesce(round(percentile_cont(0.5) within group (order by extract(epoch from updated_at - created_at) * 1000)::numeric, 1), 0)
      || ' ' || coalesce(round(percentile_cont(0.99) within group (order by extract(epoch from updated_at - created_at) * 1000)::numeric, 1), 0)
    from messages where channel_id = '$CHANNEL' and status = 'delivered' and created_at >= to_timestamp($t0)")
  record "$name" sluice "$round" "$measured" "$want" "$t0" "$t1" "$t2" "$r0" "$r1" "$((g1 - g0))" \
    "$non2xx" "$errors" "$confirmed" "$lat"
  rm -rf "$OUT/$name.d"
}

# kannel_run NAME ROUND MEASURED COUNT [PER SIDE]: PER numbers a sendsms request
kannel_run() {
  local name=$1 round=$2 measured=$3 want=$4 per=${5:-$KANNEL_RECIPIENTS} side=${6:-kannel} tag t0 t1 t2 r0 r1 g0 g1 non2xx dlr from
  tag=$(echo "$name" | tr -cd 'A-Za-z0-9')
  gen_numbers "$OUT/$name" "$want" "$tag"
  dlr=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
    "http://127.0.0.1:$ng_port/kannel/dlr?type=%d")
  from=$(bytes "$dlr_log")
  kannel_requests "$OUT/$name" "$tag" "$per" \
    "http://127.0.0.1:$k_sendsms/cgi-bin/sendsms?username=bench&password=$KANNEL_PASSWORD&smsc=smpp&from=$SENDER&dlr-mask=31&dlr-url=$dlr"
  curl -s -X POST "$ctl/round?name=$name" >/dev/null
  pg_own=$(pg_own_pids)
  log "$name: Kannel, $want messages, $per recipient(s) per sendsms request, $CONCURRENCY in flight (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  g0=$(self_children_jiffies); r0=$(cpu_reading); t0=$(now_s)
  curl -s --parallel --parallel-max "$CONCURRENCY" -K "$OUT/$name.curl" -w '%{http_code}\n' \
    >"$OUT/$name.codes" 2>"$OUT/$name.curl.err" || log "$name: curl failed ($OUT/$name.curl.err)"
  g1=$(self_children_jiffies); t1=$(now_s)
  wait_count "$want" "$SETTLE_S" "$name: at the simulator" smsc_done || true
  wait_count "$want" "$SETTLE_S" "$name: Kannel's delivery reports" dlr_delivered "$from" || true
  wait_idle kannel
  t2=$(now_s); r1=$(cpu_reading)
  non2xx=$({ grep -cv '^202$' "$OUT/$name.codes" || true; })
  curl -s -X POST "$ctl/summary?out=$OUT/$name.smsc&expect=$OUT/$name.numbers" >/dev/null
  record "$name" "$side" "$round" "$measured" "$want" "$t0" "$t1" "$t2" "$r0" "$r1" "$((g1 - g0))" \
    "$non2xx" 0 "$(dlr_delivered "$from")" "— —"
}

kannel_multi_run() { kannel_run "$1" "$2" "$3" "$4" "$KANNEL_MULTI" kannel-multi; }

# --- warm-up, rounds --------------------------------------------------------------------------
printf 'name\tside\tround\tmeasured\twant\tt0\tt1\tt2\tr0\tr1\tgen\tnon2xx\terrors\tconfirmed\tledger\tsmsc\n' >"$OUT/runs.tsv"
wait_quiet
if [ "$WARMUP_N" -gt 0 ]; then
  if side sluice; then sluice_run warmup-sluice 0 0 "$WARMUP_N"; fi
  kw=$((WARMUP_N < 10000 ? WARMUP_N : 10000))
  if side kannel; then kannel_run warmup-kannel 0 0 "$kw"; fi
  if side kannel-multi; then kannel_multi_run warmup-kannel-multi 0 0 "$kw"; fi
fi
for r in $(seq 1 "$ROUNDS"); do
  wait_quiet
  order=(sluice kannel kannel-multi)
  [ $((r % 2)) -eq 0 ] && order=(kannel-multi kannel sluice)
  for s in "${order[@]}"; do
    if side "$s"; then "${s//-/_}_run" "$s-r$r" "$r" 1 "$N"; fi
  done
done

# --- tables -----------------------------------------------------------------------------------
summarise() {
  awk -F'\t' -v hz="$CLK" -v cores="$NCPU" -v multi="$KANNEL_MULTI" '
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n == 0 ? 0 : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
    }
    function add(key, v) { L[key] = L[key] " " v }
    function med(key, fmt) { return (key in L) ? sprintf(fmt, median(L[key])) : "—" }
    function ratio(a, b) { return (a in L) && (b in L) && median(L[b]) > 0 ? sprintf("%.2f", median(L[a]) / median(L[b])) : "—" }
    # line(TITLE, KEY, FORMAT, RATIOS): one row of the medians table, Sluice / Kannel beside (bold if RATIOS 1, none if -1)
    function line(title, k, fmt, ratios,   b) {
      b = ratios == 1 ? "**" : ""
      printf("| %s | %s | %s | %s | %s | %s |\n", title, med("sluice:" k, fmt), med("kannel:" k, fmt),
        ratios < 0 ? "" : b ratio("sluice:" k, "kannel:" k) b, med("kannel-multi:" k, fmt),
        ratios < 0 ? "" : b ratio("sluice:" k, "kannel-multi:" k) b)
    }
    NR == 1 || $4 != 1 { next }
    {
      s = $2; split($9, A, " "); split($10, B, " "); split($16, S, " "); split($15, LT, " ")
      got = S[1]; per = got > 0 ? 1000 / got / hz : 0
      gw = B[1] - A[1]; redis = B[2] - A[2]; pg = B[3] - A[3]; kannel = B[4] - A[4]; smsc = B[5] - A[5]; nginx = B[6] - A[6]; pgown = B[7] - A[7]; busy = B[8] - A[8]
      server = (s == "sluice") ? gw + redis + pgown : kannel
      e2e = S[8] / 1000 - $6
      cap = ($8 - $6) * hz * cores
      rows[++nr] = sprintf("| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.3f (%s) | %.3f | %.3f | %.3f | %.0f%% | %.1f / %.1f | %s | %d / %d | %d | %d | %d | %d |",
        $1, $5, ($7 - $6) > 0 ? $5 / ($7 - $6) : 0, S[6], S[7], e2e > 0 ? got / e2e : 0, S[12],
        server * per, s == "sluice" ? sprintf("gw %.3f, Redis %.3f, PG %.3f; PG cluster %.3f", gw * per, redis * per, pgown * per, pg * per) : sprintf("bearerbox + smsbox; PG cluster meanwhile %.3f", pg * per),
        smsc * per, $11 * per, nginx * per, cap > 0 ? 100 * busy / cap : 0, S[9], S[10],
        s == "sluice" ? sprintf("%s / %s", LT[1], LT[2]) : "—", $14, $5, S[4], S[3], S[5], $12 + $13)
      add(s ":rate", S[6]); add(s ":steady", S[7]); add(s ":e2e", e2e > 0 ? got / e2e : 0); add(s ":acks", S[12])
      add(s ":cpu", server * per); add(s ":smsc", smsc * per); add(s ":gen", $11 * per); add(s ":nginx", nginx * per)
      add(s ":p50", S[9]); add(s ":p99", S[10]); add(s ":a50", S[13]); add(s ":a99", S[14])
      if (s == "sluice") { add("gw", gw * per); add("redis", redis * per); add("pg", pgown * per); add("pgall", pg * per); add("l50", LT[1]); add("l99", LT[2]) }
    }
    END {
      print "| run | messages | requests answered, msg/s | submits msg/s (first → last) | steady msg/s (10–90 %) | end to end msg/s (first request → last submit) | receipts acknowledged/s (first submit → last deliver_sm_resp) | server CPU-s per 1k msgs | simulator CPU-s per 1k | generator CPU-s per 1k | DLR sink CPU-s per 1k | machine busy | receipt p50 / p99 ms (submit → deliver_sm_resp) | accepted → delivered p50 / p99 ms (ledger) | receipts confirmed | missing | duplicates | unexpected | failed requests / items |"
      print "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
      for (i = 1; i <= nr; i++) print rows[i]
      print ""
      print "Sluice = gateway + Redis (and its AOF child) + PostgreSQL: the backends of the gateway database and the cluster background"
      print "processes (WAL writer, checkpointer, …); Kannel = bearerbox + smsbox. PG cluster: every PostgreSQL process, other users of"
      print "the shared cluster included (beside a Kannel run: the background level)."
      print "CPU from the first request to the end of the run: every submit and receipt acknowledged at the simulator, every receipt"
      print "at the user (Sluice: `delivered` in the ledger; Kannel: its dlr-url callback, type 1) and the server side idle."
      print "Receipts confirmed: Sluice, messages `delivered` in the ledger; Kannel, delivered-type (1) dlr-url callbacks at nginx."
      print "Kannel asks for dlr-mask 31: a callback when the SMSC took the message (type 8) and one for the receipt (type 1);"
      print "Sluice records both (sent, delivered) in its ledger and queues both as events for the tenant."
      print ""
      print "| medians over rounds | Sluice | Kannel, 1 number a request | Sluice / Kannel | Kannel, " multi " numbers a request | Sluice / Kannel multi |"
      print "|---|---:|---:|---:|---:|---:|"
      line("msg/s at the SMSC (first → last submit)", "rate", "%.0f", 1)
      line("msg/s at the SMSC, steady (10–90 %)", "steady", "%.0f", 0)
      line("msg/s end to end (first request → last submit)", "e2e", "%.0f", 0)
      line("receipts acknowledged/s (first submit → last deliver_sm_resp)", "acks", "%.0f", 0)
      printf("| server CPU-s per 1k messages | %s (gw %s, Redis %s, PG %s; PG cluster %s) | %s | **%s** | %s | **%s** |\n", med("sluice:cpu", "%.3f"),
        med("gw", "%.3f"), med("redis", "%.3f"), med("pg", "%.3f"), med("pgall", "%.3f"), med("kannel:cpu", "%.3f"), ratio("sluice:cpu", "kannel:cpu"),
        med("kannel-multi:cpu", "%.3f"), ratio("sluice:cpu", "kannel-multi:cpu"))
      line("simulator CPU-s per 1k messages", "smsc", "%.3f", -1)
      line("generator (curl) CPU-s per 1k messages", "gen", "%.3f", -1)
      line("DLR sink (nginx: the dlr-url calls of Kannel) CPU-s per 1k messages", "nginx", "%.3f", -1)
      line("receipt latency p50 ms (submit → deliver_sm_resp)", "p50", "%.1f", -1)
      line("receipt latency p99 ms (submit → deliver_sm_resp)", "p99", "%.1f", -1)
      line("of which answering p50 ms (deliver_sm → deliver_sm_resp)", "a50", "%.1f", -1)
      line("of which answering p99 ms (deliver_sm → deliver_sm_resp)", "a99", "%.1f", -1)
      printf("| accepted → shown delivered p50 / p99 ms (Sluice ledger) | %s / %s | | | | |\n", med("l50", "%.1f"), med("l99", "%.1f"))
    }' "$OUT/runs.tsv"
}
summarise | tee "$OUT/smpp.md"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cores: $(nproc)"
  free -g | sed 's/^/memory: /'
  java -version 2>&1 | head -1 | sed 's/^/java: /'
  echo "redis: $(redis-cli -p "$redis_port" info server | tr -d '\r' | awk -F: '/^redis_version/{print $2}') (appendonly yes, appendfsync everysec)"
  echo "postgresql: $(PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'show server_version')"
  echo "kannel: $(dpkg-query -W -f='${Version}' kannel 2>/dev/null) (store-type file, store-dump-freq 1, dlr-storage internal, dlr-mask 31)"
  echo "curl: $(curl --version | head -1 | cut -d' ' -f2)"
  echo "gateway: $GATEWAY_JAR, JVM options: -XX:+ExitOnOutOfMemoryError $GATEWAY_JAVA_OPTS"
  echo "load: SIDES=\"$SIDES\" N=$N ROUNDS=$ROUNDS WARMUP_N=$WARMUP_N WINDOW=$WINDOW TPS=$TPS BURST=$BURST BINDS=$BINDS BATCH=$BATCH" \
    "CONCURRENCY=$CONCURRENCY KANNEL_RECIPIENTS=$KANNEL_RECIPIENTS KANNEL_MULTI=$KANNEL_MULTI RECEIPT_DELAY_MS=$RECEIPT_DELAY_MS"
} >"$OUT/environment.txt"
echo
cat "$OUT/environment.txt"

if [ "$PROFILE" = 1 ] && side sluice; then
  kill "$gw_pid" 2>/dev/null || true   # dumponexit writes the recording
  for _ in $(seq 1 300); do kill -0 "$gw_pid" 2>/dev/null || break; sleep 0.1; done
  gw_pid=""
  java -jar "$KIT_JAR" jfr-top --file "$OUT/gateway.jfr" --top 30 >"$OUT/hotspots.txt" 2>&1 || true
  log "hot spots of the gateway (JFR): $OUT/hotspots.txt"
fi
