-- (a) GET /api/v1/clients/{id}: each request picks one of several tokens (of different roles) and a random id
-- that token may see. args[1]: a file of "TOKEN IDFILE" lines; IDFILE has one client id per line.
local common = dofile((os.getenv("BENCH_WRK_DIR") or ".") .. "/common.lua")
local targets = {}

function init(args)
  common.seed()
  local idcache = {}
  for _, line in ipairs(common.lines(args[1])) do
    local token, idfile = line:match("^(%S+)%s+(%S+)$")
    idcache[idfile] = idcache[idfile] or common.lines(idfile)
    targets[#targets + 1] = { headers = { ["Authorization"] = "Bearer " .. token }, ids = idcache[idfile] }
  end
end

function request()
  local t = targets[math.random(#targets)]
  return wrk.format("GET", "/api/v1/clients/" .. t.ids[math.random(#t.ids)], t.headers)
end
