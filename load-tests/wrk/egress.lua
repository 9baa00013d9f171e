-- wrk script for the egress throughput phases (bench-egress.sh): closed loop, pre-built requests.
--
-- Settings come from the environment (wrk passes no options to the script's threads otherwise):
--   WRK_TARGET   sluice | sluice-batch | kannel | kannel-multi | bare
--   WRK_TAG      unique per phase: every text is "lt-<tag>-<thread>-<n>" (sluice-batch: one per
--                message "…-<n>-<k>"; kannel-multi: one per request, sent to WRK_BATCH recipients)
--   WRK_ROUTES   sluice*: file of "<tenant> <apiKey> <channel>" lines (bench setup --routes-out)
--   WRK_BATCH    messages per request for sluice-batch / recipients per request for kannel-multi
--   WRK_USERS    recipients are +14155xxxxxx below this many (default 100000)
--   WRK_KANNEL   kannel*: the sendsms query prefix "username=…&password=…&smsc=…[&dlr-mask=…]"
--   WRK_OUT      done() writes the summary there as JSON (requests, messages, status errors, …)
--
-- Everything that does not change between requests (request line, headers, per route) is built
-- once per thread in init(); request() only appends the unique text and the Content-Length, so
-- the generator costs far less CPU per message than the servers it loads.

local target = os.getenv("WRK_TARGET") or "sluice"
local tag = os.getenv("WRK_TAG") or "wrk"
local batch = tonumber(os.getenv("WRK_BATCH") or "1")
local users = tonumber(os.getenv("WRK_USERS") or "100000")

local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local heads = {}     -- per route: request line and headers up to "Content-Length: "
local channels = {}  -- per route: the channel id
local recipients = {}
local prefix
local n = 0

local function routes(path)
  local list = {}
  for line in io.lines(path) do
    local tenant, key, channel = line:match("^(%S+)%s+(%S+)%s+(%S+)")
    if tenant then table.insert(list, { key = key, channel = channel }) end
  end
  assert(#list > 0, "no routes in " .. path)
  return list
end

function init(args)
  math.randomseed(os.time() * 1000 + tid)
  for i = 1, 4096 do
    recipients[i] = string.format("14155%06d", math.random(0, users - 1))
  end
  prefix = "lt-" .. tag .. "-" .. tid .. "-"
  local host = "Host: " .. wrk.host .. ":" .. wrk.port .. "\r\n"
  if target == "sluice" or target == "sluice-batch" then
    local path = target == "sluice" and "/v1/messages" or "/v1/messages/batch"
    for i, r in ipairs(routes(os.getenv("WRK_ROUTES"))) do
      heads[i] = "POST " .. path .. " HTTP/1.1\r\n" .. host .. "Authorization: Bearer " .. r.key
        .. "\r\nContent-Type: application/json\r\nContent-Length: "
      channels[i] = r.channel
    end
  elseif target == "bare" then
    heads[1] = "POST /v1/messages HTTP/1.1\r\n" .. host
      .. "Content-Type: application/json\r\nContent-Length: "
    channels[1] = "bare"
  else
    heads[1] = "GET /cgi-bin/sendsms?" .. os.getenv("WRK_KANNEL") .. "&from=14155550000&to="
  end
end

local function message(channel, to, text)
  return '{"channel":"' .. channel .. '","to":"+' .. to .. '","type":"text","text":"' .. text .. '"}'
end

function request()
  n = n + 1
  local r = (n % #heads) + 1
  local to = recipients[(n % #recipients) + 1]
  local text = prefix .. n
  if target == "kannel" or target == "kannel-multi" then
    local list = to
    for k = 2, batch do list = list .. "+" .. recipients[((n * batch + k) % #recipients) + 1] end
    return heads[1] .. list .. "&text=" .. text .. " HTTP/1.1\r\nHost: " .. wrk.host .. ":"
      .. wrk.port .. "\r\n\r\n"
  end
  local body
  if target == "sluice-batch" then
    local items = {}
    for k = 1, batch do
      items[k] = message(channels[r], recipients[((n * batch + k) % #recipients) + 1], text .. "-" .. k)
    end
    body = '{"messages":[' .. table.concat(items, ",") .. "]}"
  else
    body = message(channels[r], to, text)
  end
  return heads[r] .. #body .. "\r\n\r\n" .. body
end

function done(summary, latency, requests)
  local e = summary.errors
  local ok = summary.requests - e.status
  local per = (target == "sluice-batch") and batch or 1
  local recipientsPer = (target == "kannel-multi") and batch or 1
  local out = string.format(
    '{"target":"%s","durationUs":%d,"requests":%d,"ok":%d,"messages":%d,"deliveriesExpected":%d,'
      .. '"statusErrors":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,'
      .. '"latencyP50Us":%d,"latencyP99Us":%d,"latencyMaxUs":%d}\n',
    target, summary.duration, summary.requests, ok, ok * per, ok * per * recipientsPer, e.status,
    e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99), latency.max)
  local path = os.getenv("WRK_OUT")
  if path then
    local f = assert(io.open(path, "w"))
    f:write(out)
    f:close()
  end
  io.write(out)
end
