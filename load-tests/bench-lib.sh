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
