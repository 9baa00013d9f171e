#!lua name=sluice
--[[
Sluice's Redis function library: loaded with FUNCTION LOAD REPLACE at every gateway start and
called with FCALL. Every function touches only keys passed in KEYS, and all of them share one hash
tag ({t:<tenant>:<partition>}), so each call lands in one cluster slot and runs unchanged on a
single Redis or a Redis Cluster. Each call is atomic: a gateway that dies mid-call leaves either
all of its effects or none.

A tenant queue partition is a stream that holds exactly the unacknowledged events: an entry is
added at admission and deleted (XDEL) when the tenant acknowledges it, so XLEN is the backlog.
Entries handed out and not yet acknowledged are "leased" in a sorted set (entry id -> time in ms
when the lease ends); an expired lease makes the entry visible again.
]]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

--[[
sluice_admit: admit a batch of inbound events of one tenant partition.
KEYS[1]      the partition's inbound stream          {t:T:P}:in
KEYS[2]      the partition's quarantine stream       {t:T:P}:in:q
KEYS[2+2i-1] event i's dedup marker                  {t:T:P}:dd:<channel>:<event id>
KEYS[2+2i]   event i's rate state (GCRA "TAT", ms)   {t:T:P}:rl:<channel>:<phone hash>
ARGV[1]      dedup TTL (seconds)
ARGV[2]      backlog bound of this partition (inbound + quarantine entries)
then 5 per event i:
  payload    the event JSON stored in field e
  raw        the provider's object stored in field r
  conv       conversation key stored in field c (ordering unit)
  interval   GCRA emission interval in ms; 0 = not rate limited (status events)
  tolerance  GCRA burst tolerance in ms (burst * interval)
Returns one integer per event: 0 enqueued, 1 duplicate (nothing written), 2 quarantined (over the
per-phone limit: enqueued on the quarantine stream), 3 refused (backlog bound reached: nothing
written, not even the dedup marker, so the provider's redelivery is admitted later).
Events of one batch are admitted in order; a repeat inside the batch counts as a duplicate.
]]
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
        -- GCRA: the theoretical arrival time (TAT) may run ahead of now by at most the tolerance.
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

--[[
sluice_pull: hand out the oldest visible events of one partition, in stream order.
KEYS[1]  the stream            {t:T:P}:in or {t:T:P}:in:q
KEYS[2]  its lease set         {t:T:P}:in:lease or {t:T:P}:in:q:lease
ARGV[1]  most events to return
ARGV[2]  lease length in ms (visibility timeout)
ARGV[3]  most entries to scan
ARGV[4]  most events of one conversation per call; 0 = no limit
Returns a flat array: id1, conv1, payload1, raw1, id2, ...
Order per conversation: once an entry of a conversation is found under a live lease, no later
entry of that conversation is handed out until it is acknowledged or its lease ends (then the
earlier one comes back first).
]]
local function pull(keys, args)
  local stream, leases = keys[1], keys[2]
  local max, lease_ms = tonumber(args[1]), tonumber(args[2])
  local scan_limit, per_conv = tonumber(args[3]), tonumber(args[4])
  local now = now_ms()
  local blocked, taken, out = {}, {}, {}
  local count, scanned, cursor = 0, 0, '-'
  while count < max and scanned < scan_limit do
    local entries = redis.call('XRANGE', stream, cursor, '+', 'COUNT', 100)
    if #entries == 0 then break end
    for _, entry in ipairs(entries) do
      local id, f = entry[1], entry[2]
      scanned = scanned + 1
      local fields = {}
      for j = 1, #f, 2 do fields[f[j]] = f[j + 1] end
      local conv = fields['c'] or id
      if not blocked[conv] then
        local until_ms = redis.call('ZSCORE', leases, id)
        if until_ms and tonumber(until_ms) > now then
          blocked[conv] = true
        elseif per_conv > 0 and (taken[conv] or 0) >= per_conv then
          blocked[conv] = true
        else
          redis.call('ZADD', leases, now + lease_ms, id)
          taken[conv] = (taken[conv] or 0) + 1
          out[#out + 1] = id
          out[#out + 1] = conv
          out[#out + 1] = fields['e'] or ''
          out[#out + 1] = fields['r'] or ''
          count = count + 1
          if count >= max then break end
        end
      end
      if scanned >= scan_limit then break end
    end
    cursor = '(' .. entries[#entries][1]
  end
  return out
end

--[[
sluice_ack: acknowledge (delete) events of one partition.
KEYS[1]  the stream, KEYS[2] its lease set
ARGV     entry ids
Returns the number of entries deleted (ids already acknowledged count 0).
]]
local function ack(keys, args)
  if #args == 0 then return 0 end
  local deleted = redis.call('XDEL', keys[1], unpack(args))
  redis.call('ZREM', keys[2], unpack(args))
  return deleted
end

--[[
sluice_backlog: entries waiting in one partition.
KEYS[1] inbound stream, KEYS[2] quarantine stream. Returns {inbound, quarantine}.
]]
local function backlog(keys, args)
  return { redis.call('XLEN', keys[1]), redis.call('XLEN', keys[2]) }
end

-- sluice_version: the library version, so a gateway can see what is loaded. No keys.
redis.register_function{ function_name = 'sluice_version',
  callback = function(keys, args) return 2 end, flags = { 'no-writes' } }
redis.register_function{ function_name = 'sluice_admit', callback = admit }
redis.register_function{ function_name = 'sluice_pull', callback = pull }
redis.register_function{ function_name = 'sluice_ack', callback = ack }
redis.register_function{ function_name = 'sluice_backlog', callback = backlog,
  flags = { 'no-writes' } }
