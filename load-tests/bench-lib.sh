# Helpers shared by the bench-*.sh scripts, sourced after each defines log() (and, for wait_quiet,
# QUIET_WAIT_S). Functions only, plus CLK and NCPU; nothing runs when it is sourced.

CLK=$(getconf CLK_TCK)
NCPU=$(nproc)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_missing() { # packages…: installs them with apt-get (none given: nothing)
  [ $# -gt 0 ] || return 0
  log "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

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

# Busy CPU time of the whole machine, in jiffies (user, nice, system, irq, softirq, steal).
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }

# CPU time of this script's finished children (curl, wrk…), in jiffies.
self_children_jiffies() { sed 's/^.*) //' "/proc/$$/stat" | awk '{ print $14 + $15 }'; }

wait_quiet() { # the machine may be shared: give other work a chance to finish first
  local deadline=$((SECONDS + QUIET_WAIT_S)) b0 b1 pct
  while :; do
    b0=$(busy_jiffies); sleep 3; b1=$(busy_jiffies)
    pct=$(( (b1 - b0) * 100 / (3 * CLK * NCPU) ))
    if [ "$pct" -lt 25 ]; then log "machine idle enough (${pct}% busy)"; return; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "machine still ${pct}% busy after ${QUIET_WAIT_S} s of waiting; running anyway (see the CPU columns)"
      return
    fi
  done
}

# tree_jiffies "name:pid[,pid…] name:pid …": the CPU time (jiffies) of each group, in order, then
# busy_jiffies, on one line. Each group is a process tree: its roots, the children they reaped
# (cutime + cstime) and every live descendant, so the difference between two readings is exact for
# children that start or end in between (PostgreSQL backends, Redis's AOF rewrite child, curl).
# A pid of 0 or one that is gone counts 0.
tree_jiffies() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v spec="$1" '
    {
      pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      parent[pid] = f[2]; own[pid] = f[12] + f[13]; reaped[pid] = f[14] + f[15]
    }
    END {
      n = split(spec, groups, " ")
      for (g = 1; g <= n; g++) {
        split(groups[g], kv, ":"); m = split(kv[2], roots, ","); split("", in_tree); total = 0
        for (r = 1; r <= m; r++) if (roots[r] in own) { in_tree[roots[r]] = 1; total += reaped[roots[r]] }
        do { grew = 0; for (p in parent) if (!(p in in_tree) && (parent[p] in in_tree)) { in_tree[p] = 1; grew = 1 } } while (grew)
        for (p in in_tree) total += own[p]
        printf "%d ", total
      }
    }'
  busy_jiffies
}

# thread_jiffies PID: the CPU time (jiffies) of each of the process's threads, summed by name with
# digits as '#' ("vert.x-eventloop-thread-#", "sluice-smpp-#-#"), one "name jiffies" a line.
thread_jiffies() {
  for t in /proc/"$1"/task/[0-9]*; do
    printf '%s\t%s\n' "$(tr -d '\n' <"$t/comm" 2>/dev/null | tr '0-9' '#' | tr ' ' '_')" \
      "$(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{ print $12 + $13 }')"
  done | awk -F'\t' '$2 != "" { j[$1] += $2 } END { for (n in j) print n, j[n] }' | sort
}

# thread_split BEFORE AFTER HZ: what each thread name used between two thread_jiffies readings,
# CPU-s, busiest first (threads that ended in between are not counted).
thread_split() {
  awk -v hz="$3" 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > 0) printf "%s %.2f\n", $1, d / hz }' \
    "$1" "$2" | sort -k2 -rn
}

# gen_numbers PREFIX N TAG: PREFIX.numbers, N distinct valid US numbers (digits, country code 1,
# no '+'), the same for the same TAG (python3).
gen_numbers() {
  python3 - "$1" "$2" "$3" <<'PY'
import random, sys
prefix, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(tag)
areas = [202, 212, 213, 305, 312, 415, 617, 646, 702, 718]
seen = set()
with open(prefix + ".numbers", "w") as nums:
    while len(seen) < n:
        exchange = rnd.randint(200, 999)
        if exchange % 100 == 11:   # N11 codes are not exchanges
            continue
        number = "1%d%d%04d" % (rnd.choice(areas), exchange, rnd.randrange(10000))
        if number in seen:
            continue
        seen.add(number)
        nums.write(number + "\n")
PY
}

# kannel_requests PREFIX TAG PER URL-PREFIX: PREFIX.curl, a curl config (curl --parallel -K) of
# Kannel sendsms requests for the numbers of PREFIX.numbers, PER numbers each (`to` joined with
# '+', an encoded space); the text of request i with k recipients is "lt-<TAG>-<i>-<k>".
kannel_requests() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys
prefix, tag, per, url = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
numbers = [l.strip() for l in open(prefix + ".numbers") if l.strip()]
with open(prefix + ".curl", "w") as out:
    for i in range(0, len(numbers), per):
        chunk = numbers[i:i + per]
        out.write('url = "%s&to=%s&text=lt-%s-%d-%d"\noutput = "/dev/null"\n'
                  % (url, "+".join(chunk), tag, i // per, len(chunk)))
PY
}

# start_bench_redis: a dedicated Redis on a free port with AOF everysec (RDB snapshots off), its
# files in $OUT/redis; sets redis_port, redis_pid and REDIS_URL. stop_bench_redis undoes it.
start_bench_redis() {
  redis_port=$(free_port)
  mkdir -p "$OUT/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$OUT/redis" --appendonly yes \
    --appendfsync everysec --save "" --logfile "$OUT/redis.log" &
  redis_pid=$!
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
  REDIS_URL="redis://127.0.0.1:$redis_port"
  log "dedicated Redis on $redis_port (appendonly yes, appendfsync everysec, save \"\")"
}
stop_bench_redis() {
  [ -n "${redis_pid:-}" ] || return 0
  kill "$redis_pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$OUT/redis"
}

# stop_pids PID…: SIGTERM to each, then up to 10 s for each to go before SIGKILL.
stop_pids() {
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null; done
  for pid in "$@"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  return 0
}

# pg_postmaster_pid: the pid of the local PostgreSQL's postmaster (empty if not found): the root
# of every process of the cluster, for tree_jiffies.
pg_postmaster_pid() {
  local dir
  dir=$(PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'show data_directory')
  head -1 "$dir/postmaster.pid" 2>/dev/null || true
}

# wait_count WANT SECONDS WHAT COMMAND…: until COMMAND prints a number ≥ WANT (polled every
# POLL_S, 0.25 s unless set), it stayed the same for 15 s, or SECONDS; says which in the log.
wait_count() {
  local want=$1 secs=$2 what=$3 start=$SECONDS changed=$SECONDS last=-1 now=0
  shift 3
  while [ $((SECONDS - start)) -lt "$secs" ]; do
    now=$("$@"); now=${now:-0}
    [ "$now" -ge "$want" ] && return 0
    [ "$now" -ne "$last" ] && changed=$SECONDS
    [ $((SECONDS - changed)) -ge 15 ] && { log "$what: nothing new for 15 s, $now of $want"; return 1; }
    last=$now; sleep "${POLL_S:-0.25}"
  done
  log "$what: $now of $want after $secs s"; return 1
}

# kannel_core_conf ADMIN-PORT SMSBOX-PORT PASSWORD: Kannel's `group = core` (on 127.0.0.1, logs
# and the store file under $OUT/kannel) and, after a blank line, its `group = smsbox` with sendsms
# on SENDSMS-PORT (4th argument) and a sendsms-user `bench`.
kannel_core_conf() {
  cat <<KCONF
group = core
admin-port = $1
admin-interface = 127.0.0.1
admin-password = $3
status-password = $3
smsbox-port = $2
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "$OUT/kannel/bearerbox.log"
log-level = 2
# Durability: every accepted message is written to the store file until the SMSC took it.
store-type = file
store-location = "$OUT/kannel/store/kannel.store"
store-dump-freq = 1
# Delivery reports (dlr-mask on sendsms) are kept in bearerbox's internal DLR storage.
dlr-storage = internal

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $2
sendsms-port = $4
sendsms-interface = 127.0.0.1
log-file = "$OUT/kannel/smsbox.log"
log-level = 2

group = sendsms-user
username = bench
password = $3
max-messages = 1
KCONF
}

# drop_bench_db DB: drops a benchmark's own database (its connections closed by force).
drop_bench_db() {
  PGPASSWORD=postgres psql -q -h 127.0.0.1 -U postgres -d postgres \
    -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1
}

# base_tools: puts in the array `missing` the packages of what every bench needs and lacks (a JDK,
# Maven, curl); the caller adds its own, then install_missing "${missing[@]}".
base_tools() {
  missing=()
  command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v curl >/dev/null || missing+=(curl)
  return 0
}

# sampling_jfc FILE: JFR's "profile" settings with execution samples every 1 ms instead of 10 ms
# (more samples in a short phase), written to FILE.
sampling_jfc() {
  local jfc
  jfc="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/jfr/profile.jfc"
  sed '/"jdk.ExecutionSample"/,/<\/event>/s/10 ms/1 ms/' "$jfc" >"$1"
}
