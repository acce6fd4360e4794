-- (g) POST /api/v1/auth/login with a right password. args: USERNAME PASSWORD (JSON-safe characters).
dofile((os.getenv("BENCH_WRK_DIR") or ".") .. "/common.lua")

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = string.format('{"username":"%s","password":"%s"}', args[1], args[2])
end
