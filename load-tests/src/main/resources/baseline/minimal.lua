#!lua name=sluicemin
--[[
The minimal limit server's Redis function library: the least Redis work that takes an inbound
event durably and correctly — dedup, per-phone limit, enqueue — for a whole event-loop turn.
min_admit: admit a batch of inbound events.
KEYS[1]      the inbound stream                       {m}:in
KEYS[2]      the quarantine stream (over the limit)   {m}:in:q
KEYS[1+2i]   event i's dedup marker                   {m}:dd:<event id>
KEYS[2+2i]   event i's rate state (GCRA "TAT", ms)    {m}:rl:<phone>
ARGV[1]      dedup TTL (seconds)
ARGV[2]      GCRA emission interval (ms)
ARGV[3]      GCRA tolerance (ms): interval × burst
ARGV[3+i]    event i's raw webhook body
Returns one integer per event: 0 enqueued, 1 duplicate, 2 quarantined.
Atomic per call; every key carries the hash tag {m}, so one cluster slot. The server's key prefix
(--key-prefix, no braces) comes before every key name shown here.
]]

local function admit(keys, args)
  local stream, quarantine = keys[1], keys[2]
  local ttl = args[1]
  local interval, tolerance = tonumber(args[2]), tonumber(args[3])
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local out = {}
  for i = 1, (#keys - 2) / 2 do
    local rl = keys[2 + 2 * i]
    if not redis.call('SET', keys[1 + 2 * i], '1', 'NX', 'EX', ttl) then
      out[i] = 1
    else
      local tat = tonumber(redis.call('GET', rl) or '0')
      if tat < now then tat = now end
      if tat - now > tolerance then
        out[i] = 2
        redis.call('XADD', quarantine, '*', 'r', args[3 + i])
      else
        out[i] = 0
        redis.call('SET', rl, tat + interval, 'PX', tat + interval - now)
        redis.call('XADD', stream, '*', 'r', args[3 + i])
      end
    end
  end
  return out
end

redis.register_function{ function_name = 'min_admit', callback = admit }
