#!/usr/bin/env python3
"""What the gateway's two busiest per-message Redis functions cost Redis itself, on an idle Redis:
sluice_admit_opt (a receipt's or an inbound event's admission) and sluice_out_enqueue_checked (an
accepted message's enqueue), each with 1, 10 and 100 items a call, timed by Redis's own
INFO commandstats (usec_per_call). Compare with a benchmark run's <run>.commandstats to see how much
of Redis's time there is work and how much is waiting for a core.

    redis-server --port 26390 --bind 127.0.0.1 --daemonize yes --save "" \
      --appendonly yes --appendfsync everysec --dir "$(mktemp -d)"
    redis-cli -p 26390 -x FUNCTION LOAD REPLACE < gateway/src/main/resources/redis/sluice.lua
    python3 load-tests/fcall-cost.py 26390
    redis-cli -p 26390 shutdown nosave

Writes keys under {t:T:0} only; use a scratch Redis.
"""
import socket
import sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 26390))
def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)
buf = b""
def reply():
    global buf
    # read one RESP reply (simple parser)
    def need():
        global buf
        while b"\r\n" not in buf: buf += s.recv(1 << 20)
    def parse():
        global buf
        need(); line, _, rest = buf.partition(b"\r\n"); buf = rest
        t = line[:1]
        if t in b"+-:": return line
        if t == b"$":
            n = int(line[1:])
            if n < 0: return None
            while len(buf) < n + 2: buf += s.recv(1 << 20)
            v = buf[:n]; buf = buf[n+2:]; return v
        if t == b"*":
            n = int(line[1:]); return [parse() for _ in range(max(n,0))]
    return parse()
def call(*a):
    s.sendall(enc(*a)); return reply()
call("CONFIG", "RESETSTAT")
payload = b'{"channel":"smpp-bench","provider":"smpp","kind":"status","from":"+15550001","to":"+15550002","providerMessageId":"smpp-bench:123456789","timestamp":1765000000,"type":null,"text":null,"status":"delivered","errorCode":null,"messageId":"0f8fad5b-d9cb-469f-a165-70867728950e","clientRef":null,"receivedAt":1765000000000}'
raw = b'{"id":"123456789","stat":"DELIVRD","err":"000"}'
def admit(n, seq):
    keys = ["{t:T:0}:in", "{t:T:0}:in:q", "{t:T:0}:optout", "{t:T:0}:optout:notes"]
    args = ["86400", "1000000000"]
    for i in range(n):
        keys += ["{t:T:0}:dd:c:%d-%d" % (seq, i), "{t:T:0}:rl:c:x"]
        args += [payload, raw, "c:x", "0", "0", "", ""]
    return call("FCALL", "sluice_admit_opt", len(keys), *keys, *args)
def enqueue(n, seq):
    keys = ["{t:T:0}:out:hi", "{t:T:0}:out:lo", "{t:T:0}:optout"]
    args = ["86400", "1000000000"]
    for i in range(n):
        keys += ["{t:T:0}:idem:%d-%d" % (seq, i), "{t:T:0}:idfp:%d-%d" % (seq, i)]
        args += ["hi", "c:%d-%d" % (seq, i), "id", payload, "0", ""]
    return call("FCALL", "sluice_out_enqueue_checked", len(keys), *keys, *args)
for name, fn in (("admit_opt", admit), ("out_enqueue_checked", enqueue)):
    for n in (1, 10, 100):
        call("CONFIG", "RESETSTAT")
        reps = max(200, 20000 // n)
        for r in range(reps): fn(n, r + n * 1000000)
        st = [l for l in call("INFO", "commandstats").decode().split("\r\n") if l.startswith("cmdstat_fcall")][0]
        us = float(st.split("usec_per_call=")[1].split(",")[0])
        print(f"{name:22s} n={n:3d} {us:8.1f} us/call {us/n:6.1f} us/item")
