-- (e) POST /api/v1/clients: a new client per request, with a national ID no client has (run.sh makes the list:
-- valid check digits, checked against the database), in a random county.
-- args: TOKEN IDFILE THREADS COUNTYFILE. Thread i (of THREADS, wrk's -t) takes lines i+1, i+1+THREADS, ... of
-- IDFILE; should it run out, it starts over (and the duplicates show as 409s in the errors column).
local common = dofile((os.getenv("BENCH_WRK_DIR") or ".") .. "/common.lua")
local tid_counter = 0

function setup(thread)
  thread:set("tid", tid_counter)
  tid_counter = tid_counter + 1
end

local headers, counties, ids, nexti
local firsts = { "آزاده", "بهاره", "پریسا", "کامران", "مسعود", "نیما" }
local lasts = { "آزمون", "سنجش", "کارا", "پایا" }

function init(args)
  common.seed()
  headers = { ["Authorization"] = "Bearer " .. args[1], ["Content-Type"] = "application/json" }
  local stride = tonumber(args[3])
  if tid >= stride then error("more wrk threads than THREADS") end
  ids = {}
  local n = 0
  for line in io.lines(args[2]) do
    if n % stride == tid and line ~= "" then ids[#ids + 1] = line end
    n = n + 1
  end
  if #ids == 0 then error("no national IDs for thread " .. tid) end
  nexti = 1
  counties = common.lines(args[4])
end

function request()
  local nid = ids[nexti]
  nexti = nexti % #ids + 1
  local json = string.format(
    '{"national_id":"%s","first_name":"%s","last_name":"%s","birth_date":"19%02d-%02d-%02d","sex":"%s","county_id":%s}',
    nid, firsts[math.random(#firsts)], lasts[math.random(#lasts)], math.random(30, 99),
    math.random(1, 12), math.random(1, 28), math.random(2) == 1 and "female" or "male", counties[math.random(#counties)])
  return wrk.format("POST", "/api/v1/clients", headers, json)
end
