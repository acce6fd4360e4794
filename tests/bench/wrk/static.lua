-- nginx's static file: the URL's path, no script work per request beyond wrk's own.
dofile((os.getenv("BENCH_WRK_DIR") or ".") .. "/common.lua")
