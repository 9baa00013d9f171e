#!lua name=sluice
--[[
Sluice's Redis function library: loaded with FUNCTION LOAD REPLACE at every gateway start and
called with FCALL. Every function touches only keys passed in KEYS (sluice_idem_erase also those
its SCAN finds under KEYS[1]'s hash tag, see there), and all of them share one hash
tag ({t:<tenant>:<partition>}), so each call lands in one cluster slot and runs unchanged on a
single Redis or a Redis Cluster. Key names below are shown without the gateway's key prefix
(redis.keyPrefix, its deployment's namespace), which comes before every one of them; it holds no
braces, so the tag still decides the slot. No function builds a key name itself. Each call is atomic: a gateway that dies mid-call leaves either
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

-- A stream entry's fields (a flat name, value, ... array) as a table name -> value.
local function fields_of(f)
  local fields = {}
  for j = 1, #f, 2 do fields[f[j]] = f[j + 1] end
  return fields
end

-- When the lease of entry `id` in the lease set `leases` ends (ms); 0 when it has none.
local function lease_end(leases, id)
  return tonumber(redis.call('ZSCORE', leases, id) or '0')
end

--[[
scan_and_lease: the scan-and-lease loop of sluice_pull, sluice_out_pull and sluice_push_pull.
Walks `stream` from its oldest entry (XRANGE, 100 at a time) and asks `visit(id, fields)` about
each entry (fields: name -> value); an entry `visit` answers true for is leased until
`lease_until` (ZADD on `leases`) and counted. Stops once `max` entries are leased or `scan_limit`
entries were looked at, so that one call's run time is bounded however long the stream is.
Returns the number of entries leased. What may be leased (a live lease, a conversation held
back, an entry too old) is each function's own rule, in its `visit`; entries `visit` deletes
(dead letters) do not disturb the walk, which goes on after the last entry it read.
]]
local function scan_and_lease(stream, leases, lease_until, max, scan_limit, visit)
  local count, scanned, cursor = 0, 0, '-'
  while count < max and scanned < scan_limit do
    local entries = redis.call('XRANGE', stream, cursor, '+', 'COUNT', 100)
    if #entries == 0 then break end
    for _, entry in ipairs(entries) do
      local id = entry[1]
      scanned = scanned + 1
      if visit(id, fields_of(entry[2])) then
        redis.call('ZADD', leases, lease_until, id)
        count = count + 1
        if count >= max then break end
      end
      if scanned >= scan_limit then break end
    end
    cursor = '(' .. entries[#entries][1]
  end
  return count
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
sluice_admit_nx: sluice_admit with fewer commands per event, for gateways from this version on
(sluice_admit stays as it was for older gateways during a rolling upgrade).
KEYS and ARGV exactly as sluice_admit; the same return codes, order and atomicity.
Per event: the dedup marker is claimed with one SET NX EX instead of EXISTS and a later SET, so an
event costs SET NX, GCRA GET + SET (rate-limited events only) and XADD; a duplicate costs the SET
NX alone. A full backlog is checked before the claim and refuses without writing anything (EXISTS
tells a duplicate from a refusal there), so the provider's redelivery is admitted later. An XADD
that fails gives its marker back before the error ends the call, as sluice_admit never wrote it.
]]
-- The admission loop of sluice_admit_nx and sluice_admit_opt. The events' keys start after
-- `skip_keys` keys (dedup marker, rate state per event) and their arguments after ARGV[2],
-- `per_event` each (payload, raw, conversation, interval, tolerance first). `admitted(a, now)`,
-- when given, is called for each event taken onto a stream (enqueued or quarantined), with the
-- index just before its arguments.
local function admit_events(keys, args, skip_keys, per_event, admitted)
  local stream, quarantine = keys[1], keys[2]
  local ttl = args[1]
  local bound = tonumber(args[2])
  local n = (#keys - skip_keys) / 2
  local backlog = redis.call('XLEN', stream) + redis.call('XLEN', quarantine)
  local now = now_ms()
  local out = {}
  for i = 1, n do
    local dd, rl = keys[skip_keys + 2 * i - 1], keys[skip_keys + 2 * i]
    local a = 2 + (i - 1) * per_event
    if backlog >= bound then
      out[i] = redis.call('EXISTS', dd) == 1 and 1 or 3
    elseif not redis.call('SET', dd, '1', 'NX', 'EX', ttl) then
      out[i] = 1
    else
      local target = stream
      out[i] = 0
      local interval = tonumber(args[a + 4])
      if interval > 0 then
        -- GCRA: the theoretical arrival time (TAT) may run ahead of now by at most the tolerance.
        local tat = tonumber(redis.call('GET', rl) or '0')
        if tat < now then tat = now end
        if tat - now > tonumber(args[a + 5]) then
          target = quarantine
          out[i] = 2
        else
          local next_tat = tat + interval
          redis.call('SET', rl, next_tat, 'PX', math.max(1, next_tat - now))
        end
      end
      local added = redis.pcall('XADD', target, '*', 'c', args[a + 3], 'e', args[a + 1],
        'r', args[a + 2])
      if type(added) == 'table' and added.err then
        -- The marker was claimed first: take it back, so that the redelivery is not a duplicate.
        redis.call('DEL', dd)
        return redis.error_reply(added.err)
      end
      backlog = backlog + 1
      if admitted then admitted(a, now) end
    end
  end
  return out
end

local function admit_nx(keys, args)
  return admit_events(keys, args, 2, 5, nil)
end

--[[
Suppression. A partition's opted-out conversations ({t:T:P}:optout, a set) hold members
"<channel>:<recipient hash>" (one channel) and "*:<recipient hash>" (every channel of the tenant);
the keyed hash also picks the partition, so a recipient's entries and messages share one slot.
Beside the set, a hash ({t:T:P}:optout:notes) keeps a note per member, written with it: the JSON
object {"source": "api"|"keyword"|"provider"|"import", "reason": text, "at": ms}. A member added
by a library before version 7 (a provider opt-out) has no note. A note is written when its member
is added, and kept when the member is added again (the first record of an opt-out is the one
that counts); a member that had none gets one.
]]
local function opt_out(set, notes, member, source, reason, now)
  local note = cjson.encode({ source = source, reason = reason, at = now })
  if redis.call('SADD', set, member) == 1 then
    redis.call('HSET', notes, member, note)
    return 1
  end
  redis.call('HSETNX', notes, member, note)
  return 0
end

local function opt_in(set, notes, member)
  redis.call('HDEL', notes, member)
  return redis.call('SREM', set, member)
end

--[[
sluice_admit_opt: sluice_admit_nx, with an inbound SMS keyword's opt-out or opt-in applied in the
same call (library version 7 on; version 6 gateways call sluice_admit_nx, kept as it was).
KEYS[1] inbound stream, KEYS[2] quarantine stream, KEYS[3] opted-out conversations (set)
{t:T:P}:optout, KEYS[4] their notes (hash) {t:T:P}:optout:notes, then per event i:
KEYS[4+2i-1] its dedup marker, KEYS[4+2i] its rate state (as sluice_admit)
ARGV[1] dedup TTL (seconds), ARGV[2] backlog bound, then 7 per event:
  payload, raw, conv, interval, tolerance   as sluice_admit
  opt       '' (nothing), 'out' (add conv to the opted-out set, note source 'keyword'), 'in'
            (remove conv and its note)
  reason    the note's reason for 'out' (the keyword)
Returns as sluice_admit_nx. The change is made only for an event admitted (enqueued or
quarantined), in the same atomic call: a duplicate (a redelivery) or a refused event changes
nothing, so a keyword is applied once, and never for an event the provider must send again.
]]
local function admit_opt(keys, args)
  local set, notes = keys[3], keys[4]
  return admit_events(keys, args, 4, 7, function(a, now)
    local opt = args[a + 6]
    if opt == 'out' then
      opt_out(set, notes, args[a + 3], 'keyword', args[a + 7], now)
    elseif opt == 'in' then
      opt_in(set, notes, args[a + 3])
    end
  end)
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
  scan_and_lease(stream, leases, now + lease_ms, max, scan_limit, function(id, fields)
    local conv = fields['c'] or id
    if blocked[conv] then return false end
    if lease_end(leases, id) > now or (per_conv > 0 and (taken[conv] or 0) >= per_conv) then
      blocked[conv] = true
      return false
    end
    taken[conv] = (taken[conv] or 0) + 1
    out[#out + 1] = id
    out[#out + 1] = conv
    out[#out + 1] = fields['e'] or ''
    out[#out + 1] = fields['r'] or ''
    return true
  end)
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
KEYS[1] inbound stream, KEYS[2] quarantine stream, KEYS[3] outbound high lane, KEYS[4] outbound
low lane. Returns {inbound, quarantine, high, low}.
]]
local function backlog(keys, args)
  local out = {}
  for i = 1, #keys do out[i] = redis.call('XLEN', keys[i]) end
  return out
end


--------------------------------------------------------------------------------------------------
-- Outbound. A partition has a high and a low lane (stream + lease set each), an attempts hash and
-- a dead-letter stream. As inbound, a stream holds exactly the messages not yet finished; a lease
-- marks a message in flight or waiting (pacing, retry, open breaker) until its time comes. Only one
-- message per conversation (channel + recipient) is handed out at a time, so a waiting message
-- holds back later messages to the same recipient and nothing else.
--------------------------------------------------------------------------------------------------

--[[
sluice_out_enqueue: accept outbound messages of one tenant partition.
KEYS[1] high lane stream, KEYS[2] low lane stream, KEYS[3] opted-out conversations (set),
KEYS[3+i] message i's idempotency marker
ARGV[1] idempotency TTL (seconds)
then 5 per message: lane ('hi'|'lo'), conversation, message id, payload, has key ('1'|'0')
Returns one string per message: '' when it was enqueued; the id of the message first accepted
under the same idempotency key (nothing is enqueued again); or '!optout' when the recipient opted
out on that channel, or on every channel of the tenant (member "*:<recipient hash>", library
version 7 on), and nothing is enqueued.
]]
-- Whether conversation `conv` ("<channel>:<recipient hash>") is in the opted-out set, itself or
-- as its recipient's tenant-wide entry ("*:<recipient hash>").
local function opted_out(set, conv)
  local colon = string.find(conv, ':', 1, true)
  if not colon then return redis.call('SISMEMBER', set, conv) == 1 end
  local found = redis.call('SMISMEMBER', set, conv, '*' .. string.sub(conv, colon))
  return found[1] == 1 or found[2] == 1
end

-- The messages of one sluice_out_enqueue / _bounded / _checked call: their arguments (5 each, 6
-- when `checked`) start after `skip` arguments; `bound` is the most messages the partition may
-- hold (nil = no bound). With `checked`, each message has two keys (its idempotency marker and its
-- request's fingerprint) and a sixth argument, the fingerprint ('' = none to compare).
local function enqueue_many(keys, args, skip, bound, checked)
  local ttl = tonumber(args[1])
  local per_key, per_arg = 1, 5
  if checked then per_key, per_arg = 2, 6 end
  local out = {}
  local n = (#keys - 3) / per_key
  local held = -1
  for i = 1, n do
    local a = skip + (i - 1) * per_arg
    local lane, conv, id, payload, keyed = args[a + 1], args[a + 2], args[a + 3], args[a + 4], args[a + 5]
    local marker = keys[3 + (i - 1) * per_key + 1]
    local fp_key, fp = nil, ''
    if checked then fp_key, fp = keys[3 + (i - 1) * per_key + 2], args[a + 6] end
    local existing = false
    if keyed == '1' then existing = redis.call('GET', marker) end
    if existing then
      local seen = false
      if fp ~= '' then seen = redis.call('GET', fp_key) end
      if seen and seen ~= fp then
        out[i] = '!mismatch'
      else
        out[i] = existing
      end
    elseif opted_out(keys[3], conv) then
      out[i] = '!optout'
    else
      if bound and held < 0 then held = redis.call('XLEN', keys[1]) + redis.call('XLEN', keys[2]) end
      if bound and held >= bound then
        out[i] = '!full'
      else
        local stream = keys[1]
        if lane == 'lo' then stream = keys[2] end
        redis.call('XADD', stream, '*', 'c', conv, 'm', payload)
        if keyed == '1' then
          redis.call('SET', marker, id, 'EX', ttl)
          if fp ~= '' then redis.call('SET', fp_key, fp, 'EX', ttl) end
        end
        held = held + 1
        out[i] = ''
      end
    end
  end
  return out
end

local function out_enqueue(keys, args)
  return enqueue_many(keys, args, 1, nil)
end

--[[
sluice_out_enqueue_bounded: sluice_out_enqueue with a bound on what the partition holds (library
version 6 on; version 5 gateways call sluice_out_enqueue).
KEYS as sluice_out_enqueue.
ARGV[1] idempotency TTL (seconds), ARGV[2] the most messages the partition may hold (both lanes,
leased ones included), then 5 per message as sluice_out_enqueue.
Returns as sluice_out_enqueue, and '!full' for a message refused because the partition holds the
bound already: nothing is written for it, not even its idempotency marker, so a retry with the
same key is taken once there is room.
]]
local function out_enqueue_bounded(keys, args)
  return enqueue_many(keys, args, 2, tonumber(args[2]))
end

--[[
sluice_out_enqueue_checked: sluice_out_enqueue_bounded that also refuses an idempotency key reused
for another request (library version 9 on; version 6 to 8 gateways call
sluice_out_enqueue_bounded).
KEYS[1] high lane stream, KEYS[2] low lane stream, KEYS[3] opted-out conversations (set), then 2
per message: its idempotency marker ({t:T:P}:idem:<key hash>, value: the id of the message first
accepted under the key) and its request fingerprint ({t:T:P}:idfp:<key hash>, value: the
fingerprint of that first request).
ARGV[1] idempotency TTL (seconds), ARGV[2] the most messages the partition may hold, then 6 per
message: the 5 of sluice_out_enqueue, then the request's fingerprint ('' = do not compare).
Returns as sluice_out_enqueue_bounded, and '!mismatch' for a message whose key was first used with
another fingerprint (nothing is written). A marker without a fingerprint (written by an older
gateway, or for a message that gave none) replays as before. The fingerprint is written with the
marker and expires with it; it lives under another name than the markers (:idfp:, not :idem:) so a
walk over the markers never reads it as one.
]]
local function out_enqueue_checked(keys, args)
  return enqueue_many(keys, args, 2, tonumber(args[2]), true)
end

--[[
sluice_out_pull: lease the next messages to send from one partition, high lane first.
KEYS[1] high stream, KEYS[2] its leases, KEYS[3] low stream, KEYS[4] its leases, KEYS[5] attempts
ARGV[1] most messages, ARGV[2] lease (ms), ARGV[3] most entries to scan per lane
Returns { next, lane, entry id, payload, attempts, lane, ... } where next is the earliest time (ms)
a waiting message becomes due (0 when none waits).
]]
local function out_pull(keys, args)
  local max, lease_ms, scan_limit = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
  local now = now_ms()
  local blocked, out = {}, { 0 }
  local count, next_due = 0, 0
  local lanes = { { keys[1], keys[2], 'hi' }, { keys[3], keys[4], 'lo' } }
  for _, lane in ipairs(lanes) do
    local stream, leases, name = lane[1], lane[2], lane[3]
    -- The conversations seen in the high lane stay held back in the low lane: one message per
    -- conversation, whichever lane it is in.
    count = count + scan_and_lease(stream, leases, now + lease_ms, max - count, scan_limit,
      function(id, fields)
        local conv = fields['c'] or id
        if blocked[conv] then return false end
        blocked[conv] = true
        local until_ms = lease_end(leases, id)
        if until_ms > now then
          if next_due == 0 or until_ms < next_due then next_due = until_ms end
          return false
        end
        out[#out + 1] = name
        out[#out + 1] = id
        out[#out + 1] = fields['m'] or ''
        out[#out + 1] = tonumber(redis.call('HGET', keys[5], id) or '0')
        return true
      end)
  end
  out[1] = next_due
  return out
end

-- What happened to one message handed out by sluice_out_pull (see sluice_out_settle).
local function settle_one(stream, leases, attempts_key, dead_letters, inbound, dedup, opt_outs,
                          action, id, due, payload, raw, conv, ttl, dead, opt_out)
  local attempts = tonumber(redis.call('HGET', attempts_key, id) or '0')
  if action == 'wait' then
    redis.call('ZADD', leases, tonumber(due), id)
    return attempts
  end
  if action == 'retry' then
    attempts = redis.call('HINCRBY', attempts_key, id, 1)
    redis.call('ZADD', leases, tonumber(due), id)
    return attempts
  end
  if action == 'dead' then
    redis.call('XADD', dead_letters, '*', 'm', dead)
  end
  redis.call('XDEL', stream, id)
  redis.call('ZREM', leases, id)
  redis.call('HDEL', attempts_key, id)
  if opt_out ~= '' then redis.call('SADD', opt_outs, opt_out) end
  if payload ~= '' and redis.call('SET', dedup, '1', 'NX', 'EX', tonumber(ttl)) then
    redis.call('XADD', inbound, '*', 'c', conv, 'e', payload, 'r', raw)
  end
  return attempts
end

--[[
sluice_out_done: record what happened to one message handed out by sluice_out_pull. Kept for
gateways of library version 4 during a rolling upgrade; version 5 gateways call sluice_out_settle.
KEYS[1] its lane stream, KEYS[2] that lane's leases, KEYS[3] attempts, KEYS[4] dead letters,
KEYS[5] the tenant's inbound stream (status events), KEYS[6] the status event's dedup marker,
KEYS[7] opted-out conversations (set)
ARGV[1] action, ARGV[2] entry id, ARGV[3] due time in ms (wait, retry)
ARGV[4] status event payload ('' = none), ARGV[5] its raw object, ARGV[6] its conversation,
ARGV[7] dedup TTL (seconds), ARGV[8] dead-letter record ('' unless dead),
ARGV[9] conversation to add to the opt-out set ('' = none)
Returns the number of attempts made so far.
]]
local function out_done(keys, args)
  return settle_one(keys[1], keys[2], keys[3], keys[4], keys[5], keys[6], keys[7],
    args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9])
end

--[[
sluice_out_settle: record what happened to the messages of one partition handed out by
sluice_out_pull, all in one call.
KEYS[1] high stream, KEYS[2] its leases, KEYS[3] low stream, KEYS[4] its leases, KEYS[5] attempts,
KEYS[6] dead letters, KEYS[7] the tenant's inbound stream (status events), KEYS[8] opted-out
conversations (set), KEYS[8+i] message i's status event dedup marker
ARGV[1] dedup TTL (seconds), then 9 per message i:
  action     'finish' (sent, or failed for good), 'wait' (not attempted: pacing, open breaker),
             'retry' (attempted, failed, to try again), 'dead' (retry budget spent)
  lane       'hi' | 'lo'
  entry id
  due        when it is due again, ms (wait, retry)
  payload    the status event put on the tenant's queue ('' = none)
  raw        its raw object
  conv       its conversation
  dead       the dead-letter record ('' unless dead)
  opt out    conversation to add to the opt-out set ('' = none)
Returns the messages left in the partition (both lanes, leased ones included) after the call.
]]
local function out_settle(keys, args)
  local ttl = args[1]
  for i = 1, #keys - 8 do
    local a = 1 + (i - 1) * 9
    local stream, leases = keys[1], keys[2]
    if args[a + 2] == 'lo' then stream, leases = keys[3], keys[4] end
    settle_one(stream, leases, keys[5], keys[6], keys[7], keys[8 + i], keys[8],
      args[a + 1], args[a + 3], args[a + 4], args[a + 5], args[a + 6], args[a + 7], ttl,
      args[a + 8], args[a + 9])
  end
  return redis.call('XLEN', keys[1]) + redis.call('XLEN', keys[3])
end

--[[
sluice_out_record: record what happened to the messages of one partition handed out by
sluice_out_pull, all in one call (library version 6; replaces sluice_out_settle, which version 5
gateways still call during a rolling upgrade).
KEYS[1] high stream, KEYS[2] its leases, KEYS[3] low stream, KEYS[4] its leases, KEYS[5] attempts,
KEYS[6] dead letters, KEYS[7] the tenant's inbound stream (status events), KEYS[8] opted-out
conversations (set)
ARGV[1] most entries the inbound stream may hold before status events are dropped (the tenant
partition's backlog bound; status events never push a tenant past it), then the same 9 per
message as sluice_out_settle (action, lane, entry id, due, payload, raw, conv, dead, opt out).
Returns { left, dropped } : the messages left in the partition (both lanes, leased ones included)
after the call, and the status events not queued because the inbound backlog was at its bound.

Recording twice is harmless, without a marker per message: a message is finished by the call that
deletes its entry (XDEL answers 1), and only that call queues its status event, dead letter and
opt-out; a later call for the same entry (another dispatcher after a lapsed lease, or a resend of
the call) finds it gone and changes nothing. 'wait' and 'retry' act only on an entry still leased,
so they cannot bring back the lease or attempts of a finished message.
]]
-- The record loop of sluice_out_record and sluice_out_record_noted: the messages' arguments start
-- after `skip`; `noted(member, now)`, when given, writes the note of an opt-out it adds.
local function record_outcomes(keys, args, skip, noted)
  local bound = tonumber(args[1])
  local attempts_key, dead_letters, inbound, opt_outs = keys[5], keys[6], keys[7], keys[8]
  local backlog = -1
  local dropped = 0
  local now = nil
  for i = 1, (#args - skip) / 9 do
    local a = skip + (i - 1) * 9
    local action, id, due = args[a + 1], args[a + 3], args[a + 4]
    local stream, leases = keys[1], keys[2]
    if args[a + 2] == 'lo' then stream, leases = keys[3], keys[4] end
    if action == 'wait' or action == 'retry' then
      if redis.call('ZSCORE', leases, id) then
        if action == 'retry' then redis.call('HINCRBY', attempts_key, id, 1) end
        redis.call('ZADD', leases, tonumber(due), id)
      end
    else
      local removed = redis.call('XDEL', stream, id)
      redis.call('ZREM', leases, id)
      redis.call('HDEL', attempts_key, id)
      if removed == 1 then
        if action == 'dead' then redis.call('XADD', dead_letters, '*', 'm', args[a + 8]) end
        local opt_out = args[a + 9]
        if opt_out ~= '' then
          if noted then
            now = now or now_ms()
            noted(opt_out, now)
          else
            redis.call('SADD', opt_outs, opt_out)
          end
        end
        local payload = args[a + 5]
        if payload ~= '' then
          if backlog < 0 then backlog = redis.call('XLEN', inbound) end
          if backlog < bound then
            redis.call('XADD', inbound, '*', 'c', args[a + 7], 'e', payload, 'r', args[a + 6])
            backlog = backlog + 1
          else
            dropped = dropped + 1
          end
        end
      end
    end
  end
  return { redis.call('XLEN', keys[1]) + redis.call('XLEN', keys[3]), dropped }
end

local function out_record(keys, args)
  return record_outcomes(keys, args, 1, nil)
end

--[[
sluice_out_record_noted: sluice_out_record, with a note beside each opt-out it adds (library
version 7 on; version 6 gateways call sluice_out_record, kept as it was).
KEYS as sluice_out_record, then KEYS[9] the notes of the opted-out conversations (hash)
{t:T:P}:optout:notes.
ARGV[1] as sluice_out_record, ARGV[2] the reason noted for the opt-outs of this call, then the
same 9 per message.
Returns as sluice_out_record. An opt-out is noted with source 'provider' (see "Suppression").
]]
local function out_record_noted(keys, args)
  return record_outcomes(keys, args, 2, function(member, now)
    opt_out(keys[8], keys[9], member, 'provider', args[2], now)
  end)
end

--[[
sluice_suppress: add opted-out conversations of one partition, each with its note (see
"Suppression").
KEYS[1] opted-out conversations (set) {t:T:P}:optout, KEYS[2] their notes (hash)
{t:T:P}:optout:notes
ARGV[1] the notes' source ('api' | 'import'), then 2 per member: the member, the note's reason.
Returns 2 per member: 1 added or 0 there already (its note kept; a member without one gets one),
and the member's note as it now is. A member given twice in one call is added once.
]]
local function suppress(keys, args)
  local now = now_ms()
  local out = {}
  for i = 2, #args - 1, 2 do
    out[#out + 1] = opt_out(keys[1], keys[2], args[i], args[1], args[i + 1], now)
    out[#out + 1] = redis.call('HGET', keys[2], args[i])
  end
  return out
end

--[[
sluice_unsuppress: remove opted-out conversations of one partition and their notes.
KEYS as sluice_suppress; ARGV the members.
Returns one integer per member: 1 removed, 0 absent.
]]
local function unsuppress(keys, args)
  local out = {}
  for i = 1, #args do out[i] = opt_in(keys[1], keys[2], args[i]) end
  return out
end

--[[
sluice_suppressed: look opted-out conversations of one partition up (no writes).
KEYS as sluice_suppress; ARGV the members.
Returns 2 per member: 1 and its note ('' when it has none), or 0 and '' when it is absent.
]]
local function suppressed(keys, args)
  local out = {}
  for i = 1, #args do
    if redis.call('SISMEMBER', keys[1], args[i]) == 1 then
      out[#out + 1] = 1
      out[#out + 1] = redis.call('HGET', keys[2], args[i]) or ''
    else
      out[#out + 1] = 0
      out[#out + 1] = ''
    end
  end
  return out
end

--[[
sluice_suppression_scan: one step of a walk over the opted-out conversations of one partition (no
writes), SSCAN's guarantees: a member there for the whole walk is returned at least once.
KEYS as sluice_suppress; ARGV[1] the cursor ('0' to start), ARGV[2] the COUNT hint.
Returns { next cursor ('0' when the walk is over), member1, note1 ('' when none), member2, ... }.
]]
local function suppression_scan(keys, args)
  local step = redis.call('SSCAN', keys[1], args[1], 'COUNT', tonumber(args[2]))
  local out = { step[1] }
  for _, member in ipairs(step[2]) do
    out[#out + 1] = member
    out[#out + 1] = redis.call('HGET', keys[2], member) or ''
  end
  return out
end

--[[
sluice_out_len: messages not yet finished in one partition.
KEYS[1] high stream, KEYS[2] low stream. Returns the sum of both lengths.
]]
local function out_len(keys, args)
  return redis.call('XLEN', keys[1]) + redis.call('XLEN', keys[2])
end

--[[
sluice_claim: claim due dispatch work units (tenant partitions with messages).
KEYS[1] the work set {dispatch}:work (member "tenant:partition", score = when it is due, ms)
ARGV[1] most units, ARGV[2] claim length (ms)
Returns the claimed members; each is due again after the claim length, so a unit claimed by an
instance that dies is taken up by another one.
]]
local function claim(keys, args)
  local now = now_ms()
  local due = redis.call('ZRANGEBYSCORE', keys[1], '-inf', now, 'LIMIT', 0, tonumber(args[1]))
  for _, member in ipairs(due) do
    redis.call('ZADD', keys[1], 'XX', now + tonumber(args[2]), member)
  end
  return due
end

-- GCRA for one message against a sender state and a recipient state: 0 when it may go now (both
-- advanced), else the ms to wait (nothing changed). States are stored with string.format so
-- fractional milliseconds survive.
local function pace_one(now, sender, recipient, si, st, ri, rt)
  local s_tat = math.max(tonumber(redis.call('GET', sender) or '0'), now)
  local r_tat = math.max(tonumber(redis.call('GET', recipient) or '0'), now)
  local wait = math.max(s_tat - now - st, r_tat - now - rt, 0)
  if wait > 0 then return math.ceil(wait) end
  local s_next, r_next = s_tat + si, r_tat + ri
  redis.call('SET', sender, string.format('%.3f', s_next), 'PX', math.ceil(s_next - now) + 1)
  redis.call('SET', recipient, string.format('%.3f', r_next), 'PX', math.ceil(r_next - now) + 1)
  return 0
end

--[[
sluice_pace: GCRA pacing of one message, for its sender and its recipient on one channel. Kept
for gateways of library version 4 during a rolling upgrade; version 5 gateways call
sluice_pace_many.
KEYS[1] the sender's state {c:<channel>}:rate, KEYS[2] the recipient's {c:<channel>}:r:<hash>
ARGV[1] sender emission interval (ms, may be fractional), ARGV[2] sender tolerance (ms),
ARGV[3] recipient emission interval (ms), ARGV[4] recipient tolerance (ms)
Returns 0 when the message may go now, else the ms to wait.
]]
local function pace(keys, args)
  return pace_one(now_ms(), keys[1], keys[2], tonumber(args[1]), tonumber(args[2]),
    tonumber(args[3]), tonumber(args[4]))
end

--[[
sluice_pace_many: GCRA pacing of several messages of one channel, in order, in one call.
KEYS[1] the sender's state {c:<channel>}:rate, KEYS[1+i] message i's recipient state
{c:<channel>}:r:<hash>
ARGV as sluice_pace.
Returns one integer per message: 0 when it may go now (the states advanced), else the ms to
wait (nothing changed for it); a message that waits does not hold back the ones after it. Kept for
gateways of library versions 5 to 9 during a rolling upgrade; version 10 gateways call
sluice_pace_reserve.
]]
local function pace_many(keys, args)
  local now = now_ms()
  local si, st = tonumber(args[1]), tonumber(args[2])
  local ri, rt = tonumber(args[3]), tonumber(args[4])
  local out = {}
  for i = 2, #keys do
    out[i - 1] = pace_one(now, keys[1], keys[i], si, st, ri, rt)
  end
  return out
end

--[[
sluice_pace_reserve: sluice_pace_many that also books a later slot. A message that may not go now
but whose turn comes within ARGV[5] ms gets that turn: the states advance as if it went then, and
the caller must send it at that time without asking again. So messages of several partitions that
wait for one channel each get a turn of their own, instead of all coming back for the next one.
KEYS and ARGV[1..4] as sluice_pace_many; ARGV[5] the horizon (ms) within which a turn is booked.
Returns one integer per message: 0 when it may go now, w > 0 when its turn is booked w ms from now,
-w when it must wait w ms and ask again (nothing changed for it).
]]
local function pace_reserve(keys, args)
  local now = now_ms()
  local si, st = tonumber(args[1]), tonumber(args[2])
  local ri, rt = tonumber(args[3]), tonumber(args[4])
  local horizon = tonumber(args[5])
  local sender = keys[1]
  local s_tat = math.max(tonumber(redis.call('GET', sender) or '0'), now)
  local s_start = s_tat
  local out = {}
  for i = 2, #keys do
    local recipient = keys[i]
    local r_tat = math.max(tonumber(redis.call('GET', recipient) or '0'), now)
    local wait = math.max(s_tat - now - st, r_tat - now - rt, 0)
    if wait > horizon then
      out[i - 1] = -math.ceil(wait)
    else
      local at = now + math.ceil(wait)
      s_tat = math.max(s_tat, at) + si
      local r_next = math.max(r_tat, at) + ri
      redis.call('SET', recipient, string.format('%.3f', r_next), 'PX', math.ceil(r_next - now) + 1)
      out[i - 1] = math.ceil(wait)
    end
  end
  if s_tat ~= s_start then
    redis.call('SET', sender, string.format('%.3f', s_tat), 'PX', math.ceil(s_tat - now) + 1)
  end
  return out
end

--------------------------------------------------------------------------------------------------
-- Push delivery. A tenant in push mode has its inbound stream delivered to its endpoint. As with
-- pulls, an event handed out is leased; a failed attempt leases it until its retry is due, which
-- holds back the later events of its conversation and nothing else. Attempts are counted per entry
-- ({t:T:P}:in:att). Events older than the maximum age go to the dead-letter lane
-- ({t:T:P}:in:dlq); delivered events are kept for replay ({t:T:P}:in:done), trimmed by age and
-- length.
--------------------------------------------------------------------------------------------------

local function entry_ms(id)
  return tonumber(string.match(id, '^(%d+)'))
end

--[[
sluice_push_pull: lease the next events of one partition for one delivery request.
KEYS[1] inbound stream, KEYS[2] its leases, KEYS[3] attempts, KEYS[4] dead-letter lane
ARGV[1] most events, ARGV[2] lease (ms), ARGV[3] most entries to scan,
ARGV[4] oldest admissible arrival time (ms): an older event not under a live lease is moved to the
        dead-letter lane (reason 'expired') instead of being handed out
Returns { next, dead, id1, conv1, payload1, raw1, attempts1, id2, ... }: next is the earliest time
(ms) a leased conversation head becomes due (0 when none), dead the number of events dead-lettered.
One event per conversation: a conversation's next event goes only after the previous one was
acknowledged, and a conversation whose oldest event is leased is skipped.
]]
local function push_pull(keys, args)
  local stream, leases, att, dlq = keys[1], keys[2], keys[3], keys[4]
  local max, lease_ms = tonumber(args[1]), tonumber(args[2])
  local scan_limit, oldest = tonumber(args[3]), tonumber(args[4])
  local now = now_ms()
  local blocked, out = {}, { 0, 0 }
  local dead, next_due = 0, 0
  scan_and_lease(stream, leases, now + lease_ms, max, scan_limit, function(id, fields)
    local conv = fields['c'] or id
    if blocked[conv] then return false end
    local until_ms = lease_end(leases, id)
    if until_ms > now then
      blocked[conv] = true
      if next_due == 0 or until_ms < next_due then next_due = until_ms end
      return false
    end
    if entry_ms(id) < oldest then
      local attempts = redis.call('HGET', att, id) or '0'
      redis.call('XADD', dlq, '*', 'id', id, 'c', conv, 'e', fields['e'] or '',
        'r', fields['r'] or '', 'reason', 'expired', 'attempts', attempts)
      redis.call('XDEL', stream, id)
      redis.call('ZREM', leases, id)
      redis.call('HDEL', att, id)
      dead = dead + 1
      return false
    end
    blocked[conv] = true
    out[#out + 1] = id
    out[#out + 1] = conv
    out[#out + 1] = fields['e'] or ''
    out[#out + 1] = fields['r'] or ''
    out[#out + 1] = tonumber(redis.call('HGET', att, id) or '0')
    return true
  end)
  out[1] = next_due
  out[2] = dead
  return out
end

--[[
sluice_push_done: record the outcome of one delivery request.
KEYS[1] inbound stream, KEYS[2] its leases, KEYS[3] attempts, KEYS[4] replay archive
ARGV[1] 'ok' (acknowledged: delete, keep a copy for replay) or 'retry' (lease until due, count the
        attempt)
ok:    ARGV[2] archive length bound (0 = keep none), ARGV[3] archive age bound (oldest ms kept),
       ARGV[4..] entry ids
retry: ARGV[2..] entry id, due time (ms), entry id, due time, ...
Returns the number of entries acknowledged (ok) or leased for a retry.
]]
local function push_done(keys, args)
  local stream, leases, att, archive = keys[1], keys[2], keys[3], keys[4]
  local n = 0
  if args[1] == 'ok' then
    local keep, min_ms = tonumber(args[2]), tonumber(args[3])
    for i = 4, #args do
      local id = args[i]
      local entry = redis.call('XRANGE', stream, id, id)
      if #entry == 1 then
        if keep > 0 then
          local fields = fields_of(entry[1][2])
          redis.call('XADD', archive, 'MAXLEN', '~', keep, '*', 'id', id, 'c', fields['c'] or id,
            'e', fields['e'] or '', 'r', fields['r'] or '')
        end
        n = n + redis.call('XDEL', stream, id)
      end
      redis.call('ZREM', leases, id)
      redis.call('HDEL', att, id)
    end
    if keep > 0 then redis.call('XTRIM', archive, 'MINID', '~', min_ms) end
    return n
  end
  for i = 2, #args - 1, 2 do
    local id = args[i]
    if redis.call('ZSCORE', leases, id) then
      redis.call('HINCRBY', att, id, 1)
      redis.call('ZADD', leases, tonumber(args[i + 1]), id)
      n = n + 1
    end
  end
  return n
end

--[[
sluice_redrive: move dead letters back onto the inbound stream (as new events, attempts afresh).
KEYS[1] dead-letter lane, KEYS[2] inbound stream
ARGV[1] most entries to move, ARGV[2..] dead-letter entry ids (none = the oldest, up to the bound)
Returns the number moved.
]]
local function redrive(keys, args)
  local dlq, stream = keys[1], keys[2]
  local max = tonumber(args[1])
  local entries = {}
  if #args > 1 then
    for i = 2, #args do
      local e = redis.call('XRANGE', dlq, args[i], args[i])
      if #e == 1 then entries[#entries + 1] = e[1] end
    end
  else
    entries = redis.call('XRANGE', dlq, '-', '+', 'COUNT', max)
  end
  local n = 0
  for _, entry in ipairs(entries) do
    if n >= max then break end
    local fields = fields_of(entry[2])
    redis.call('XADD', stream, '*', 'c', fields['c'] or entry[1], 'e', fields['e'] or '',
      'r', fields['r'] or '')
    redis.call('XDEL', dlq, entry[1])
    n = n + 1
  end
  return n
end

--[[
sluice_replay: put delivered events back on the inbound stream, as new events.
KEYS[1] replay archive, KEYS[2] inbound stream
ARGV[1] 'range' or 'ids', ARGV[2] from (ms, arrival time), ARGV[3] to (ms, inclusive),
ARGV[4] most events to replay, ARGV[5] most archive entries to scan, ARGV[6] the longest an event
can wait for delivery (ms: the maximum age), ARGV[7..] entry ids (ids mode)
An archive entry is written when an event is delivered: never before it arrived and never later
than the maximum age after, so the scan runs from 'from' (or the earliest id asked for) to 'to'
(or the latest id) plus the maximum age.
Returns { replayed, id1, id2, ... } with the original entry ids replayed.
]]
local function replay(keys, args)
  local archive, stream = keys[1], keys[2]
  local mode, from, to = args[1], tonumber(args[2]), tonumber(args[3])
  local max, scan_limit, lateness = tonumber(args[4]), tonumber(args[5]), tonumber(args[6])
  local wanted = nil
  if mode == 'ids' then
    wanted = {}
    for i = 7, #args do
      wanted[args[i]] = true
      local ms = entry_ms(args[i])
      if ms and ms < from then from = ms end
      if ms and ms > to then to = ms end
    end
  end
  local last = tostring(to + lateness)
  local out = { 0 }
  local n, scanned, cursor = 0, 0, tostring(from)
  while n < max and scanned < scan_limit do
    local entries = redis.call('XRANGE', archive, cursor, last, 'COUNT', 100)
    if #entries == 0 then break end
    for _, entry in ipairs(entries) do
      scanned = scanned + 1
      local fields = fields_of(entry[2])
      local id = fields['id'] or ''
      local ms = entry_ms(id) or 0
      local take
      if wanted then
        take = wanted[id]
        wanted[id] = nil
      else
        take = ms >= from and ms <= to
      end
      if take then
        redis.call('XADD', stream, '*', 'c', fields['c'] or id, 'e', fields['e'] or '',
          'r', fields['r'] or '')
        n = n + 1
        out[#out + 1] = id
        if n >= max then break end
      end
      if scanned >= scan_limit then break end
    end
    cursor = '(' .. entries[#entries][1]
  end
  out[1] = n
  return out
end

--[[
sluice_release: hand a claimed work unit back, due at ARGV[2].
KEYS[1] a work set; ARGV[1] the member, ARGV[2] when it is next due (ms).
A unit whose score was lowered to now or earlier while it was worked (new events arrived: the
producer's ZADD LT) stays due; otherwise it gets the new time.
]]
local function release(keys, args)
  local cur = redis.call('ZSCORE', keys[1], args[1])
  if cur and tonumber(cur) <= now_ms() then return 0 end
  redis.call('ZADD', keys[1], tonumber(args[2]), args[1])
  return 1
end

--[[
sluice_unclaim: take a worked unit that was found empty out of a work set.
KEYS[1] a work set; ARGV[1] the member; ARGV[2] a margin (ms).
The unit is removed only while its score is still its claim's (later than now + the margin): a
producer that added work meanwhile lowered it to its own "now" (ZADD LT), and then it stays due.
Returns 1 when removed.
]]
local function unclaim(keys, args)
  local cur = redis.call('ZSCORE', keys[1], args[1])
  if not cur or tonumber(cur) <= now_ms() + tonumber(args[2]) then return 0 end
  redis.call('ZREM', keys[1], args[1])
  return 1
end

--[[
sluice_unclaim_many: sluice_unclaim for several members of one work set in one call.
KEYS[1] a work set; ARGV[1] a margin (ms); ARGV[2..] the members.
Returns how many were removed.
]]
local function unclaim_many(keys, args)
  local limit = now_ms() + tonumber(args[1])
  local removed = 0
  for i = 2, #args do
    local cur = redis.call('ZSCORE', keys[1], args[i])
    if cur and tonumber(cur) > limit then
      redis.call('ZREM', keys[1], args[i])
      removed = removed + 1
    end
  end
  return removed
end

--------------------------------------------------------------------------------------------------
-- Erasure and export of one person's data (library version 8 on). Every stream entry about an end
-- user carries their conversation, "<channel>:<hash>" in field c, where <hash> is the keyed hash of
-- their address (a phone number's digits, a chat id), and all of it lives in the partition that
-- hash picks. Outbound dead letters carry only the message (field m). The walk returns the entries
-- whose conversation ends with ":<hash>" (any channel) and those without one; the gateway reads the
-- message of the latter and deletes by id, so the person's address never travels to Redis.
--------------------------------------------------------------------------------------------------

--[[
sluice_conv_scan: one step of a walk over a partition stream for the entries of one person (no
writes).
KEYS[1] a stream of the partition: {t:T:P}:in, :in:q, :in:dlq, :in:done, :out:hi, :out:lo or :dlq
ARGV[1] where the step starts: '-' for the oldest entry, else the cursor the last step returned
ARGV[2] most entries the step looks at (bounds the call's run time however long the stream is)
ARGV[3] the person's conversation suffix: ':' followed by the hash
Returns { next, id1, fields1, id2, fields2, ... }: next is the cursor of the next step ('' once the
stream's end was reached); each entry's fields are a flat name, value, ... array. An entry is
returned when its field c ends with ARGV[3], or when it has no field c.
]]
local function conv_scan(keys, args)
  local limit, suffix = tonumber(args[2]), args[3]
  local entries = redis.call('XRANGE', keys[1], args[1], '+', 'COUNT', limit)
  local out = { '' }
  for _, entry in ipairs(entries) do
    local f, conv = entry[2], nil
    for j = 1, #f, 2 do
      if f[j] == 'c' then
        conv = f[j + 1]
        break
      end
    end
    if conv == nil or (#conv > #suffix and string.sub(conv, -#suffix) == suffix) then
      out[#out + 1] = entry[1]
      out[#out + 1] = f
    end
  end
  if #entries == limit then out[1] = '(' .. entries[#entries][1] end
  return out
end

--[[
sluice_conv_erase: delete entries of one partition stream by id, with their leases and attempts.
KEYS[1] the stream, KEYS[2] its lease set (optional), KEYS[3] its attempts hash (optional)
ARGV the entry ids
Returns one integer per id: -1 when the entry was not there (acknowledged, finished or deleted
before this call), else when its lease ended or ends (ms; 0 when it had none). A lease still
running means someone may hold the entry (a dispatcher's provider call, a pull not yet
acknowledged); whatever they record for it later finds it gone and changes nothing.
]]
local function conv_erase(keys, args)
  local out = {}
  for i, id in ipairs(args) do
    local lease = 0
    if keys[2] then
      lease = lease_end(keys[2], id)
      redis.call('ZREM', keys[2], id)
    end
    if keys[3] then redis.call('HDEL', keys[3], id) end
    if redis.call('XDEL', keys[1], id) == 1 then
      out[i] = math.floor(lease)
    else
      out[i] = -1
    end
  end
  return out
end

--[[
sluice_idem_erase: one step of a walk over a partition's idempotency markers, deleting those that
name one of the given messages (a marker's value is the id of the message first accepted under its
key).
KEYS[1] the markers' common name prefix {t:T:P}:idem: -- not a key itself: it routes the call to
        the node that holds the partition's slot
ARGV[1] SCAN cursor ('0' to start), ARGV[2] each SCAN's COUNT hint, ARGV[3] most SCANs in this call,
ARGV[4..] message ids
Returns { next cursor ('0' once the walk is over), key hash 1, key hash 2, ... }: the idempotency
key hashes of the markers deleted (the part of their names after KEYS[1]).
The markers' names are known only to whoever sent the keys, so they are found with SCAN MATCH
KEYS[1]*: on a Redis Cluster node the SCAN visits the keys of every slot the node holds and keeps
those of the partition, which share KEYS[1]'s hash tag; every key read or deleted is therefore in
KEYS[1]'s slot. A call's cost is its SCANs' COUNT, whatever the markers found.
]]
local function idem_erase(keys, args)
  local pattern = keys[1] .. '*'
  local count, steps = tonumber(args[2]), tonumber(args[3])
  local wanted = {}
  for i = 4, #args do wanted[args[i]] = true end
  local cursor = args[1]
  local deleted = {}
  for _ = 1, steps do
    local step = redis.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', count)
    cursor = step[1]
    for _, key in ipairs(step[2]) do
      local owner = redis.call('GET', key)
      if owner and wanted[owner] then
        redis.call('DEL', key)
        deleted[#deleted + 1] = string.sub(key, #keys[1] + 1)
      end
    end
    if cursor == '0' then break end
  end
  local out = { cursor }
  for _, h in ipairs(deleted) do out[#out + 1] = h end
  return out
end

-- sluice_version: the library version, so a gateway can see what is loaded. No keys.
redis.register_function{ function_name = 'sluice_version',
  callback = function(keys, args) return 10 end, flags = { 'no-writes' } }
redis.register_function{ function_name = 'sluice_admit', callback = admit }
redis.register_function{ function_name = 'sluice_admit_nx', callback = admit_nx }
redis.register_function{ function_name = 'sluice_admit_opt', callback = admit_opt }
redis.register_function{ function_name = 'sluice_pull', callback = pull }
redis.register_function{ function_name = 'sluice_ack', callback = ack }
redis.register_function{ function_name = 'sluice_backlog', callback = backlog,
  flags = { 'no-writes' } }
redis.register_function{ function_name = 'sluice_out_enqueue', callback = out_enqueue }
redis.register_function{ function_name = 'sluice_out_enqueue_bounded', callback = out_enqueue_bounded }
redis.register_function{ function_name = 'sluice_out_enqueue_checked', callback = out_enqueue_checked }
redis.register_function{ function_name = 'sluice_out_pull', callback = out_pull }
redis.register_function{ function_name = 'sluice_out_done', callback = out_done }
redis.register_function{ function_name = 'sluice_out_settle', callback = out_settle }
redis.register_function{ function_name = 'sluice_out_record', callback = out_record }
redis.register_function{ function_name = 'sluice_out_record_noted', callback = out_record_noted }
redis.register_function{ function_name = 'sluice_suppress', callback = suppress }
redis.register_function{ function_name = 'sluice_unsuppress', callback = unsuppress }
redis.register_function{ function_name = 'sluice_suppressed', callback = suppressed,
  flags = { 'no-writes' } }
redis.register_function{ function_name = 'sluice_suppression_scan', callback = suppression_scan,
  flags = { 'no-writes' } }
redis.register_function{ function_name = 'sluice_out_len', callback = out_len,
  flags = { 'no-writes' } }
redis.register_function{ function_name = 'sluice_claim', callback = claim }
redis.register_function{ function_name = 'sluice_pace', callback = pace }
redis.register_function{ function_name = 'sluice_pace_many', callback = pace_many }
redis.register_function{ function_name = 'sluice_pace_reserve', callback = pace_reserve }
redis.register_function{ function_name = 'sluice_push_pull', callback = push_pull }
redis.register_function{ function_name = 'sluice_push_done', callback = push_done }
redis.register_function{ function_name = 'sluice_redrive', callback = redrive }
redis.register_function{ function_name = 'sluice_replay', callback = replay }
redis.register_function{ function_name = 'sluice_release', callback = release }
redis.register_function{ function_name = 'sluice_unclaim', callback = unclaim }
redis.register_function{ function_name = 'sluice_unclaim_many', callback = unclaim_many }
redis.register_function{ function_name = 'sluice_conv_scan', callback = conv_scan,
  flags = { 'no-writes' } }
redis.register_function{ function_name = 'sluice_conv_erase', callback = conv_erase }
redis.register_function{ function_name = 'sluice_idem_erase', callback = idem_erase }
