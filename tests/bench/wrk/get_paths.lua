-- GET of one of a few prepared requests, picked at random: (b) list pages, (c) name searches, (d) the report.
-- args[1]: a file of "TOKEN PATH" lines (PATH already percent-encoded).
local common = dofile((os.getenv("BENCH_WRK_DIR") or ".") .. "/common.lua")
local reqs = {}

function init(args)
  common.seed()
  for _, line in ipairs(common.lines(args[1])) do
    local token, path = line:match("^(%S+)%s+(%S+)$")
    reqs[#reqs + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  end
end

function request()
  return reqs[math.random(#reqs)]
end
