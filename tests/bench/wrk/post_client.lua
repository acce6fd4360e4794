-- (e) POST /api/v1/clients: a new client per request with a valid, unique national ID (9 digits from a range
-- gen-data does not use, then the check digit), in a random county.
-- args: TOKEN BASE COUNTYFILE. Thread i of wrk uses BASE + i, BASE + i + 16, ... (wrk -t at most 16).
local common = dofile((os.getenv("BENCH_WRK_DIR") or ".") .. "/common.lua")
local tid_counter = 0

function setup(thread)
  thread:set("tid", tid_counter)
  tid_counter = tid_counter + 1
end

local headers, counties, nextbody
local firsts = { "آزاده", "بهاره", "پریسا", "کامران", "مسعود", "نیما" }
local lasts = { "آزمون", "سنجش", "کارا", "پایا" }

-- s = sum(d[i] * (10 - i), i = 0..8) % 11; check = s if s < 2 else 11 - s
local function national_id(body)
  local s = string.format("%09d", body)
  local sum = 0
  for i = 1, 9 do sum = sum + tonumber(s:sub(i, i)) * (11 - i) end
  sum = sum % 11
  return s .. (sum < 2 and sum or 11 - sum)
end

function init(args)
  common.seed()
  headers = { ["Authorization"] = "Bearer " .. args[1], ["Content-Type"] = "application/json" }
  nextbody = tonumber(args[2]) + tid
  counties = common.lines(args[3])
end

function request()
  local body = nextbody
  nextbody = nextbody + 16
  if body % 111111111 == 0 then -- nine equal digits are never a valid national ID
    body = nextbody
    nextbody = nextbody + 16
  end
  local json = string.format(
    '{"national_id":"%s","first_name":"%s","last_name":"%s","birth_date":"19%02d-%02d-%02d","sex":"%s","county_id":%s}',
    national_id(body), firsts[math.random(#firsts)], lasts[math.random(#lasts)], math.random(30, 99),
    math.random(1, 12), math.random(1, 28), math.random(2) == 1 and "female" or "male", counties[math.random(#counties)])
  return wrk.format("POST", "/api/v1/clients", headers, json)
end
