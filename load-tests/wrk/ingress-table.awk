# Ingress benchmark table from the rounds of bench-ingress.sh (load-tests/README.md).
#
#   awk -v hz=$(getconf CLK_TCK) -v c=$(nproc) -v drain="…" -v serr=N -f ingress-table.awk rounds.txt
#
# rounds.txt, one line per wrk run: round server elapsed-s then, in clock ticks over that run, the
# machine's busy time, the server process tree, its event-loop threads, Redis (with children),
# PostgreSQL (all processes), then wrk's CPU seconds and wrk's JSON line (ingress.lua).
function pct(j) { return 100 * j / hz / (e * c) }
function us(j) { return ok > 0 ? j / hz / ok * 1e6 : 0 }
function median(a, n,   i, j, t) {
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function field(json, key,   m) { # first integer after "key":
  if (match(json, "\"" key "\":[0-9.]+")) { m = substr(json, RSTART, RLENGTH); sub(/.*:/, "", m); return m + 0 }
  return 0
}
BEGIN {
  label["sluice"] = "Sluice"; label["baseline"] = "bare baseline"; label["limit"] = "minimal limit"
  print "Per round (CPU % of all " c " cores over the round; µs = CPU time per 2xx response; Sluice's side = gateway + Redis + PostgreSQL, a reference's = server + Redis):\n"
  print "| round | server | 2xx/s | p99 ms | non-2xx | side µs | server µs | redis µs | pg µs | wrk µs | busy | server | its loops | redis | pg | wrk | others | wraps |"
  print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
}
{
  r = $1; s = $2; e = $3; busy = $4; sv = $5; lp = $6; rd = $7; pg = $8; wc = $9
  json = $0; sub(/^[^{]*/, "", json)
  st = json; sub(/.*"status":\{/, "", st); sub(/\}.*/, "", st)
  ok = 0; bad = 0; n = split(st, kv, ",")
  for (i = 1; i <= n; i++) { split(kv[i], p, ":"); code = p[1]; gsub(/"/, "", code); if (code ~ /^2/) ok += p[2]; else bad += p[2] }
  bad += field(json, "connect") + field(json, "read") + field(json, "write") + field(json, "timeout")
  wraps = 0; w = json; while (match(w, /"wraps":[0-9]+/)) { x = substr(w, RSTART, RLENGTH); sub(/.*:/, "", x); wraps += x; w = substr(w, RSTART + RLENGTH) }
  rate = ok / e; side = sv + rd + (s == "sluice" ? pg : 0)
  wj = wc * hz; others = busy - sv - rd - pg - wj; if (others < 0) others = 0
  loops = 100 * lp / hz / (e * c)
  printf "| %s | %s | %.0f | %.1f | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %d |\n",
    r, label[s], rate, field(json, "p99") / 1000, bad, us(side), us(sv), us(rd), us(pg), us(wj), pct(busy), pct(sv), loops, pct(rd), pct(pg), pct(wj), pct(others), wraps
  k = ++cnt[s]; R[s, k] = rate; SIDE[s, k] = us(side); SV[s, k] = us(sv); RD[s, k] = us(rd); PG[s, k] = us(pg); WK[s, k] = us(wj)
  IDLE[s, k] = pct(busy) < 100 ? 100 - pct(busy) : 0; WS[s, k] = pct(wj); SS[s, k] = pct(sv)
  errs[s] += bad; wr[s] += wraps
}
END {
  print "\nMedians over the rounds:\n"
  print "| server | 2xx/s | side µs/req | server µs | redis µs | pg µs | wrk µs | idle CPU | wrk CPU | non-2xx + errors | wraps |"
  print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  split("sluice baseline limit", order, " ")
  for (o = 1; o <= 3; o++) {
    s = order[o]; n = cnt[s]
    for (k = 1; k <= n; k++) { a1[k] = R[s, k]; a2[k] = SIDE[s, k]; a3[k] = SV[s, k]; a4[k] = RD[s, k]; a5[k] = PG[s, k]; a6[k] = WK[s, k]; a7[k] = IDLE[s, k]; a8[k] = WS[s, k] }
    M[s] = median(a1, n); MS[s] = median(a2, n); idle = median(a7, n)
    printf "| %s | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f%% | %.0f%% | %d | %d |\n",
      label[s], M[s], MS[s], median(a3, n), median(a4, n), median(a5, n), median(a6, n), idle, median(a8, n), errs[s], wr[s]
    IDLEM[s] = idle; WKM[s] = median(a6, n)
  }
  rb = M["baseline"] > 0 ? M["sluice"] / M["baseline"] : 0
  rl = M["limit"] > 0 ? M["sluice"] / M["limit"] : 0
  print "\n| comparison (medians) | Sluice / reference, 2xx/s | reference / Sluice, CPU µs per request | target |"
  print "|---|---:|---:|---|"
  printf "| Sluice vs bare baseline | %.2f | %.2f | ≥ 0.80 %s |\n", rb, (MS["sluice"] > 0 ? MS["baseline"] / MS["sluice"] : 0), (rb >= 0.8 ? "✅ met" : "❌ missed")
  printf "| Sluice vs minimal limit server | %.2f | %.2f | ≥ 0.50 %s (moonshot 0.80 %s) |\n", rl, (MS["sluice"] > 0 ? MS["limit"] / MS["sluice"] : 0), (rl >= 0.5 ? "✅ met" : "❌ missed"), (rl >= 0.8 ? "✅" : "❌")
  print "\nGenerator check: a round is generator-bound when CPU was left idle (the server could have taken more) or wrk cost more CPU per request than the side it loads."
  for (o = 1; o <= 3; o++) {
    s = order[o]
    verdict = IDLEM[s] > 10 ? "NOT saturated: CPU left idle (raise CONNECTIONS, or see what else limits it)" : WKM[s] >= MS[s] ? "generator-bound: wrk costs as much CPU per request as the side it loads" : "saturated (no idle CPU, wrk the cheaper side)"
    printf "- %s: median idle CPU %.0f%%, wrk %.1f µs vs side %.1f µs per request → %s\n", label[s], IDLEM[s], WKM[s], MS[s], verdict
  }
  printf "\nSluice drain (warm-up and every round; \"acknowledged\" = first deliveries wrk sent): %s\n", drain
  if (serr > 0) print "(" serr " Sluice run(s) had non-2xx answers or socket errors: wrk cannot tell which requests they were, so they count as acknowledged and may show up as lost.)"
}
