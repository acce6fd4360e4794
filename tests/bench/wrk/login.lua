-- (g, h) POST /api/v1/auth/login with a right password. args: USERS PASSWORD (JSON-safe characters).
-- Requests take turns over bench.login01..USERS: sign-in is throttled per username, attempts in flight included
-- (README, "Sign-in"), so one user signing in USERS times at once would measure the throttle, not the hashing.
dofile((os.getenv("BENCH_WRK_DIR") or ".") .. "/common.lua")

local users, password, n = 1, "", 0

function init(args)
  users = tonumber(args[1]) or 1
  password = args[2]
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n % users + 1
  return wrk.format(nil, nil, nil,
    string.format('{"username":"bench.login%02d","password":"%s"}', n, password))
end
