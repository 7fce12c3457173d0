-- ingest.lua: replay a file of pre-signed sendMessage requests (presign_more.py --mode ingest)
-- so that no request is sent twice: wrk thread k of T takes lines k, k+T, k+2T, ... only.
-- If a thread runs out of lines it starts its share again (those requests are duplicates,
-- which the server answers without writing); "replayed" in the result line counts them, and a
-- measurement with replayed > 0 needs a bigger file.
--
--   wrk -t2 -c64 -d15s -s ingest.lua http://127.0.0.1:8080 -- /tmp/ingest.txt 2
--   (the second argument is wrk's -t value)
--
-- Prints, after wrk's report, one JSON line like the kit's wrk-requests.lua, plus "replayed".

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

local reqs = {}
local n = 0
local i = 0
local served_once = false
replayed = 0   -- global: done() reads it with thread:get

function init(args)
  local file = args and args[1]
  local total = tonumber(args and args[2] or "1")
  if not file or not total then error("ingest.lua: usage: -- FILE THREADS") end
  local tid = thread_id or 1
  local f = io.open(file, "r")
  if not f then error("ingest.lua: cannot open " .. file) end
  local headers = { ["Content-Type"] = "application/json" }
  local k = 0
  for line in f:lines() do
    k = k + 1
    if (k - 1) % total == tid - 1 then
      local tab = line:find("\t", 1, true)
      if tab then
        n = n + 1
        reqs[n] = wrk.format("POST", line:sub(1, tab - 1), headers, line:sub(tab + 1))
      end
    end
  end
  f:close()
  if n == 0 then error("ingest.lua: no requests for thread " .. tid .. " in " .. file) end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  -- count every request after the first pass through this thread's share
  if served_once then replayed = replayed + 1 end
  if i == n then served_once = true end
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  local dur_s = summary.duration / 1e6
  local sock = e.connect + e.read + e.write + e.timeout
  local rep = 0
  for _, t in ipairs(threads) do rep = rep + (tonumber(t:get("replayed")) or 0) end
  io.write(string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"mean_ms":%.3f,"non2xx":%d,"socket_errors":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d,"bytes":%d,"replayed":%d}\n',
    summary.requests, dur_s, summary.requests / dur_s,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, e.status, sock, e.connect, e.read, e.write,
    e.timeout, summary.bytes, rep))
end
