-- Shared by the benchmark's wrk scripts: file helpers and done(), which prints one machine-readable line
-- ("BENCHJSON {...}") that run.sh reads. Latencies are in microseconds.
local M = {}

function M.lines(path)
  local t = {}
  for line in io.lines(path) do
    if line ~= "" then t[#t + 1] = line end
  end
  if #t == 0 then error("empty file: " .. path) end
  return t
end

function M.seed()
  -- each wrk thread has its own Lua state: seed each differently
  local f = io.open("/dev/urandom", "rb")
  local b = f:read(4)
  f:close()
  math.randomseed(b:byte(1) * 16777216 + b:byte(2) * 65536 + b:byte(3) * 256 + b:byte(4))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,' ..
    '"mean_us":%.1f,"max_us":%.0f,"non2xx":%d,"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end

return M
