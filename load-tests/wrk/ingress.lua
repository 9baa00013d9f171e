-- wrk script of the ingress benchmark: replays pre-signed Meta WhatsApp webhooks.
--
--   wrk -t2 -c128 -d30s --timeout 10s -s load-tests/wrk/ingress.lua http://127.0.0.1:PORT -- PREFIX
--
-- PREFIX.<n> (written by `java -jar sluice-load-tests.jar wrk-requests`) holds thread n's requests,
-- each a line with its length in bytes (negative for a redelivery) followed by the complete HTTP
-- request. wrk cannot compute an HMAC, so every request is signed beforehand; request() only reads
-- the next one. A thread that reaches the end of its file starts it again: those repeats are
-- duplicates of requests already sent, counted as "wraps".
--
-- done() prints one line `wrk-json {...}`: totals, status counts (WRK_STATUS=0: 2xx vs other),
-- socket errors, latency
-- percentiles (µs) and per thread the requests sent, first deliveries sent and wraps.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1] .. "." .. id
  file = assert(io.open(path, "rb"))
  sent, unique, wraps = 0, 0, 0
  statuses = {}
  -- wrk 4 calls thread 0's request() once before the run to check the request it returns
  -- (script_verify_request): that call must not consume a request, or it would count as sent.
  verify = (id == 0)
end

function request()
  if verify then
    verify = false
    local line = file:read("*l")
    local request = file:read(math.abs(tonumber(line)))
    file:seek("set", 0)
    return request
  end
  local line = file:read("*l")
  if line == nil then
    wraps = wraps + 1
    file:seek("set", 0)
    line = file:read("*l")
  end
  local n = tonumber(line)
  sent = sent + 1
  if n < 0 then
    n = -n
  elseif wraps == 0 then
    unique = unique + 1
  end
  return file:read(n)
end

-- Counting every status makes wrk hand each response to Lua (about 1.5 µs of wrk CPU per request
-- here); WRK_STATUS=0 skips that and reports only 2xx/3xx vs other, from wrk's own counters.
if os.getenv("WRK_STATUS") ~= "0" then
  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local counts = {}
  local per_thread = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + n
    end
    table.insert(per_thread, string.format('{"id":%d,"sent":%d,"unique":%d,"wraps":%d}',
      t:get("id"), t:get("sent"), t:get("unique"), t:get("wraps")))
  end
  local e = summary.errors
  local status = {}
  for code, n in pairs(counts) do
    table.insert(status, string.format('"%d":%d', code, n))
  end
  if #status == 0 then -- WRK_STATUS=0: wrk only counts statuses >= 400 ("status" errors)
    table.insert(status, string.format('"2xx":%d', summary.requests - e.status))
    if e.status > 0 then table.insert(status, string.format('"other":%d', e.status)) end
  end
  print(string.format('wrk-json {"durationUs":%d,"requests":%d,"bytes":%d,'
    .. '"status":{%s},"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
    .. '"latencyUs":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p99.9":%d,"max":%d},'
    .. '"threads":[%s]}',
    summary.duration, summary.requests, summary.bytes, table.concat(status, ","),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, table.concat(per_thread, ",")))
end
