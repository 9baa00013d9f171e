#!/usr/bin/env bash
# What sealing message bodies costs on the egress path (load-tests/README.md,
# "bench-encryption.sh"): bench-egress.sh's throughput phase (Sluice SMS → nginx against Kannel over
# HTTP → the same nginx, wrk closed loop) run with retention.storeBodies on — every accepted
# message's body sealed (AES-256-GCM) with its tenant's data key and written to message_bodies by
# the ledger — and off — no body kept, the path as it was before bodies were stored — alternating
# on, off, on, off… PAIRS times, every run a fresh bench-egress (its own Redis, database, gateway,
# Kannel); Kannel's rate in each run shows how steady the machine was. Medians per mode
# (encryption.md).
#
# Knobs (environment): PAIRS=2 ROUNDS=1 ROUND_S=30 WARMUP_S=60 SKIP_BUILD=0|1 QUIET_WAIT_S=30
#   OUT=dir  (results: load-tests/target/bench-encryption/<time>, one directory per run)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

PAIRS=${PAIRS:-2}
ROUNDS=${ROUNDS:-1}
ROUND_S=${ROUND_S:-30}
WARMUP_S=${WARMUP_S:-60}
SKIP_BUILD=${SKIP_BUILD:-0}
QUIET_WAIT_S=${QUIET_WAIT_S:-30}
OUT=${OUT:-$here/target/bench-encryption/$(date +%Y%m%d-%H%M%S)}

log() { printf '[encryption %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
mkdir -p "$OUT"
if [ "$SKIP_BUILD" != 1 ]; then
  log "building (mvn package)"
  (cd "$root" && mvn -B -q -DskipTests -Dspotless.check.skip=true package)
fi

results="$OUT/runs.tsv"
: >"$results"
for pair in $(seq 1 "$PAIRS"); do
  for mode in on off; do
    run="$OUT/$mode-$pair"
    store=true
    [ "$mode" = off ] && store=false
    log "pair $pair: bodies $mode (retention.storeBodies=$store)"
    SLUICE_RETENTION_STORE_BODIES=$store OUT="$run" PHASES=throughput ROUNDS="$ROUNDS" \
      ROUND_S="$ROUND_S" WARMUP_S="$WARMUP_S" BATCH_N=1 BARE=0 KANNEL_DLR=0 NOEVENTS=0 SWEEP=0 \
      SKIP_BUILD=1 QUIET_WAIT_S="$QUIET_WAIT_S" "$here/bench-egress.sh" >"$OUT/$mode-$pair.log" 2>&1
    # | variant | rounds | delivered msg/s | accepted msg/s | server CPU µs/msg | …
    awk -F'|' -v mode="$mode" -v pair="$pair" '
      { v = $2; gsub(/ /, "", v) }
      v == "sluice-sms" { s_rate = $4 + 0; s_cpu = $6 + 0 }
      v == "kannel-http" { k_rate = $4 + 0; k_cpu = $6 + 0 }
      END { printf "%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\n", mode, pair, s_rate, s_cpu, k_rate, k_cpu }
    ' "$run/throughput.md" | tee -a "$results"
  done
done

python3 - "$results" >"$OUT/encryption.md" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("| run | bodies | Sluice SMS delivered msg/s | Sluice server CPU µs/msg | Kannel HTTP msg/s | Kannel CPU µs/msg |")
print("|---|---|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r[1]} | {r[0]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} |")
med = {}
for mode in ("on", "off"):
    sel = [r for r in rows if r[0] == mode]
    med[mode] = [statistics.median(float(r[i]) for r in sel) for i in (2, 3, 4, 5)]
    m = med[mode]
    print(f"| **median** | {mode} | **{m[0]:.0f}** | **{m[1]:.0f}** | {m[2]:.0f} | {m[3]:.0f} |")
on, off = med["on"], med["off"]
print()
print(f"Sealing and storing bodies: delivered msg/s {on[0] / off[0]:.3f}× (on/off), "
      f"server CPU per message {on[1] / off[1]:.3f}× ({on[1] - off[1]:+.0f} µs); "
      f"Kannel's rate moved {on[2] / off[2]:.3f}× between the two sets of runs.")
PY
cat "$OUT/encryption.md"
