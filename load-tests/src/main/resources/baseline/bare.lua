#!lua name=sluicebare
--[[
The bare baseline's Redis function library: the same writes as Sluice's sluice_admit (gateway
src/main/resources/redis/sluice.lua), under its own library and key names, so the baseline does
exactly the Redis work ingress cannot avoid and nothing else.
bare_admit: admit a batch of inbound events of one partition.
KEYS[1]      the partition's inbound stream          {b:N:P}:in
KEYS[2]      the partition's quarantine stream       {b:N:P}:in:q
KEYS[2+2i-1] event i's dedup marker                  {b:N:P}:dd:<event id>
KEYS[2+2i]   event i's rate state (GCRA "TAT", ms)   {b:N:P}:rl:<phone>
ARGV[1]      dedup TTL (seconds)
ARGV[2]      backlog bound of this partition
then 5 per event i: payload, raw, conversation, interval ms (0 = no limit), tolerance ms
Returns one integer per event: 0 enqueued, 1 duplicate, 2 quarantined, 3 refused.
Atomic per call; all keys share one hash tag, so one cluster slot.
]]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function admit(keys, args)
  local stream, quarantine = keys[1], keys[2]
  local ttl = tonumber(args[1])
  local bound = tonumber(args[2])
  local n = (#keys - 2) / 2
  local backlog = redis.call('XLEN', stream) + redis.call('XLEN', quarantine)
  local now = now_ms()
  local out = {}
  for i = 1, n do
    local dd, rl = keys[1 + 2 * i], keys[2 + 2 * i]
    local a = 2 + (i - 1) * 5
    local payload, raw, conv = args[a + 1], args[a + 2], args[a + 3]
    local interval, tolerance = tonumber(args[a + 4]), tonumber(args[a + 5])
    if redis.call('EXISTS', dd) == 1 then
      out[i] = 1
    elseif backlog >= bound then
      out[i] = 3
    else
      local target = stream
      out[i] = 0
      if interval > 0 then
        local tat = tonumber(redis.call('GET', rl) or '0')
        if tat < now then tat = now end
        if tat - now > tolerance then
          target = quarantine
          out[i] = 2
        else
          local next_tat = tat + interval
          redis.call('SET', rl, next_tat, 'PX', math.max(1, next_tat - now))
        end
      end
      redis.call('XADD', target, '*', 'c', conv, 'e', payload, 'r', raw)
      redis.call('SET', dd, '1', 'EX', ttl)
      backlog = backlog + 1
    end
  end
  return out
end

redis.register_function{ function_name = 'bare_admit', callback = admit }
