#!/usr/bin/env bash
# The registry's benchmark: registryd against nginx serving a static file, a Node.js peer doing the same work the
# usual way, and PostgreSQL itself (pgbench running registryd's SQL). Prints one table; see tests/bench/README.md.
#
#   tests/bench/run.sh [--scale F] [--duration S] [--reuse DIR] [--seed N]
#
#   --scale F      data set size for `registryctl gen-data` (1.0: national scale, 3 M clients); default 1.0
#   --duration S   seconds per measured run (wrk -d, pgbench -T); default 15
#   --reuse DIR    work in DIR and keep what is there: its PostgreSQL cluster, and its data when it was loaded at
#                  the same scale and seed. Without it the work dir (BENCH_DIR, default /tmp/registry-bench) is
#                  made afresh; it is kept afterwards either way, so the next run can --reuse it.
#   --seed N       gen-data's seed; default 1
#
# Environment: BENCH_DIR, BENCH_CASES (which cases, default "static a b c d e f g h rss"), BENCH_WARMUP (seconds of
# unmeasured load before each run, default 3), BENCH_SUBMISSION_RUNS (default 5), BENCH_IDLE_CONNS (default 1000),
# BENCH_PGPORT (54330), BENCH_PORT_REGISTRYD (18443), BENCH_PORT_PEER (18444), BENCH_PORT_NGINX (18445),
# BENCH_HOLD=1 (set up, then keep the servers running until Ctrl-C, to try things by hand),
# BENCH_DATA (auto: gen-data when registryctl has it, else the stand-in data/fallback.sql; or gen-data, fallback),
# REGISTRY_BENCH_PASSWORD (the bench users' password, default "bench-password-2026!").
#
# Everything it starts (PostgreSQL, registryd, the peer, nginx, load generators) is stopped when it exits,
# however it exits.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }

scale=1.0 duration=15 reuse="" seed=1
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) scale=${2:?--scale needs a value}; shift 2 ;;
        --duration) duration=${2:?--duration needs a value}; shift 2 ;;
        --reuse) reuse=${2:?--reuse needs a directory}; shift 2 ;;
        --seed) seed=${2:?--seed needs a value}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument \"$1\"" >&2; usage >&2; exit 2 ;;
    esac
done
[[ $scale =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "run.sh: --scale must be a number" >&2; exit 2; }
[[ $duration =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --duration must be whole seconds" >&2; exit 2; }
[[ $seed =~ ^[0-9]+$ ]] || { echo "run.sh: --seed must be a whole number" >&2; exit 2; }
# one spelling per scale, so "--scale 1" reuses the data of "--scale 1.0"
scale=$(awk -v s="$scale" 'BEGIN { printf "%g", s }')

# registryd and registryctl read REGISTRY_* from the environment over their config file: only ours count here
bench_password=${REGISTRY_BENCH_PASSWORD:-bench-password-2026!}
for v in $(compgen -e | grep '^REGISTRY_' || true); do unset "$v"; done
export REGISTRY_BENCH_PASSWORD=$bench_password

cases=${BENCH_CASES:-static a b c d e f g h rss}
warmup=${BENCH_WARMUP:-3}
cores=$(nproc)
pgport=${BENCH_PGPORT:-54330}
port_reg=${BENCH_PORT_REGISTRYD:-18443}
port_peer=${BENCH_PORT_PEER:-18444}
port_nginx=${BENCH_PORT_NGINX:-18445}
wrk_threads=2 wrk_conns=64
pgbin=/usr/lib/postgresql/15/bin
dir=${reuse:-${BENCH_DIR:-/tmp/registry-bench}}
case "$dir" in /*) ;; *) dir=$PWD/$dir ;; esac

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
want() { case " $cases " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# --- what it needs ------------------------------------------------------------------------------------------------
install_deps() {
    "$root/scripts/install-deps.sh"
    local missing=()
    for p in wrk nginx-light curl; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        local sudo=
        [ "$(id -u)" -ne 0 ] && sudo=sudo
        DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if [ ! -f "$here/peer/node_modules/.package-lock.json" ] ||
        [ "$here/peer/package-lock.json" -nt "$here/peer/node_modules/.package-lock.json" ]; then
        log "installing the peer's packages (npm ci)"
        (cd "$here/peer" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
}

build() {
    log "building registryd (Release)"
    cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DREGISTRY_TESTS=OFF >/dev/null
    cmake --build "$root/build-release" -j"$cores" >/dev/null
}

# --- processes, and stopping them -----------------------------------------------------------------------------------
# Each server starts with setsid, so it leads its own process group and the group (workers included) can be
# stopped as one.
pids=()
pg_started=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    for pid in "${pids[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ "$pg_started" = 1 ]; then
        as_pg "$pgbin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1
    fi
    [ $rc -ne 0 ] && log "stopped (exit $rc); logs are in $dir"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start() {   # start NAME LOGFILE CMD...: runs CMD in its own session; sets started_pid
    local name=$1 logf=$2
    shift 2
    setsid "$@" >"$logf" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
    log "started $name (pid $started_pid)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_http() {   # wait_http NAME PID URL
    for _ in $(seq 1 300); do
        kill -0 "$2" 2>/dev/null || die "$1 exited; see its log in $dir"
        [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$dir/cert.pem" "$3" || true)" = 200 ] && return 0
        sleep 0.1
    done
    die "$1 did not answer $3 within 30 s"
}

# --- the work dir, the certificate, PostgreSQL ----------------------------------------------------------------------
prepare_dir() {
    if [ -z "$reuse" ] && [ -e "$dir" ]; then
        [ -f "$dir/.registry-bench" ] || die "$dir exists and is not a benchmark work dir; remove it or set BENCH_DIR"
        as_pg "$pgbin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$dir"
    fi
    if [ -e "$dir" ] && [ ! -f "$dir/.registry-bench" ] && [ -n "$(ls -A "$dir")" ]; then
        die "$dir is not a benchmark work dir"
    fi
    mkdir -p "$dir/out" "$dir/lists" "$dir/pgbench" "$dir/sock"
    touch "$dir/.registry-bench"
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir/sock"
    if [ ! -f "$dir/cert.pem" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=localhost \
            -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
            -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
    fi
    chmod 644 "$dir/cert.pem"
}

psql_q() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$pgport" -U postgres -d registry "$@"; }
sql() { psql_q -At -c "$1"; }

start_postgres() {
    if [ ! -f "$dir/pg/PG_VERSION" ]; then
        mkdir -p "$dir/pg"
        [ "$(id -u)" -eq 0 ] && chown postgres "$dir/pg"
        as_pg "$pgbin/initdb" -D "$dir/pg" --auth=trust --username=postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        echo "include_if_exists = 'bench.conf'" | as_pg tee -a "$dir/pg/postgresql.conf" >/dev/null
    fi
    local mem_kb
    mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    as_pg tee "$dir/pg/bench.conf" >/dev/null <<EOF
# written by tests/bench/run.sh on every run
listen_addresses = ''
port = $pgport
unix_socket_directories = '$dir/sock'
max_connections = 200
shared_buffers = 2GB
huge_pages = try
effective_cache_size = $((mem_kb / 2 / 1024))MB
work_mem = 16MB
maintenance_work_mem = 1GB
wal_buffers = 64MB
max_wal_size = 16GB
min_wal_size = 2GB
checkpoint_timeout = 15min
checkpoint_completion_target = 0.9
synchronous_commit = on
fsync = on
full_page_writes = on
random_page_cost = 1.1
effective_io_concurrency = 200
jit = off
autovacuum_vacuum_cost_limit = 2000
logging_collector = off
log_min_messages = warning
EOF
    if as_pg "$pgbin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
        log "a PostgreSQL of an earlier run is still up in $dir; restarting it"
        as_pg "$pgbin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null
    fi
    pg_started=1
    as_pg "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg/postgresql.log" -w -t 120 start >/dev/null ||
        die "PostgreSQL did not start; see $dir/pg/postgresql.log"
    log "PostgreSQL 15 on $dir/sock:$pgport (shared_buffers 2GB, synchronous_commit on, max_connections 200)"
}

write_configs() {
    cat >"$dir/registry.conf" <<EOF
# written by tests/bench/run.sh
listen = 127.0.0.1:$port_reg
tls_cert = $dir/cert.pem
tls_key = $dir/key.pem
db_url = host=$dir/sock port=$pgport dbname=registry user=postgres
migrations_dir = $root/migrations
threads = $cores
db_pool = 4
log_requests = false
# the benchmark sends thousands of searches and reports a second from one address with a few tokens: the
# per-minute limits (120 per token, 600 per address by default) would turn most of them into 429s
rate_limit_per_min = 1000000
rate_limit_address_per_min = 1000000
# case f sends five 1,000-record submissions a run, and pending ones pile up across --reuse runs
submission_records_per_day = 100000000
submission_pending_max = 1000000
submission_pending_bytes = 100000000000
# the login cases keep $login_conns sign-ins in flight from one address (one per user)
login_inflight_per_address = 64
EOF
}

ctl() { "$root/build-release/bin/registryctl" --config "$dir/registry.conf" "$@"; }

# Sign-in is throttled per username and per address, counting attempts in flight (README, "Sign-in"): the login
# cases share their load over bench.login01..16 (national viewers with bench.national's password) and keep at most
# login_conns attempts in flight from this one address, under the per-address limit of 20.
login_conns=16
login_users() {
    psql_q -c "INSERT INTO users (username, password_hash, role, full_name)
               SELECT format('bench.login%s', lpad(i::text, 2, '0')), u.password_hash, 'national_viewer', 'benchmark login'
               FROM users u, generate_series(1, $login_conns) i WHERE u.username = 'bench.national'
               ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, active = true" >/dev/null
}

# --- data ------------------------------------------------------------------------------------------------------------
load_data() {
    local marker="scale=$scale seed=$seed data=${BENCH_DATA:-auto}"
    if [ -n "$reuse" ] && [ -f "$dir/loaded" ] && [ "$(head -1 "$dir/loaded")" = "$marker" ]; then
        log "data already loaded ($marker, $(sed -n 2p "$dir/loaded")); not loading again"
        ctl migrate >/dev/null
        return
    fi
    rm -f "$dir/loaded"
    PGOPTIONS='-c client_min_messages=warning' "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$pgport" \
        -U postgres -d postgres -c "DROP DATABASE IF EXISTS registry" -c "CREATE DATABASE registry"
    ctl migrate >/dev/null
    local source t0=$SECONDS
    local how=${BENCH_DATA:-auto}
    if [ "$how" = auto ]; then
        if ctl --help | grep -q 'gen-data'; then how=gen-data; else how=fallback; fi
    fi
    if [ "$how" = gen-data ]; then
        log "loading data: registryctl gen-data --scale $scale --seed $seed"
        ctl gen-data --scale "$scale" --seed "$seed" >&2
        source=gen-data
    else
        local n
        n=$(awk -v s="$scale" 'BEGIN { n = int(3000000 * s + 0.5); if (n < 1000) n = 1000; print n }')
        log "loading the stand-in for gen-data (seed-demo + tests/bench/data/fallback.sql, $n clients)"
        ctl seed-demo >/dev/null
        psql_q -v clients="$n" -v seed="0.$seed" -f "$here/data/fallback.sql" >/dev/null
        local tehran1 ngo_center
        tehran1=$(sql "SELECT min(id) FROM counties WHERE province_code = 'IR-23'")
        ngo_center=$(sql "SELECT id FROM centers WHERE license_no = 'DEMO-01'")
        printf '%s\n' "$bench_password" | ctl user add --username bench.national --role national_admin >/dev/null
        printf '%s\n' "$bench_password" | ctl user add --username bench.province --role provincial_admin --province IR-23 >/dev/null
        printf '%s\n' "$bench_password" | ctl user add --username bench.county --role county_officer --county "$tehran1" >/dev/null
        printf '%s\n' "$bench_password" | ctl user add --username bench.ngo --role ngo_submitter --center "$ngo_center" >/dev/null
        source="fallback ($n clients)"
    fi
    login_users
    log "VACUUM ANALYZE"
    psql_q -c "VACUUM ANALYZE" >/dev/null
    printf '%s\n%s\n' "$marker" "$source" >"$dir/loaded"
    log "data loaded in $((SECONDS - t0)) s ($source)"
}

# --- servers ---------------------------------------------------------------------------------------------------------
start_servers() {
    for p in $port_reg $port_peer $port_nginx; do port_free "$p" || die "port $p is in use (set BENCH_PORT_*)"; done
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

    start registryd "$dir/registryd.log" "$root/build-release/bin/registryd" --config "$dir/registry.conf"
    pid_reg=$started_pid
    wait_http registryd "$pid_reg" "https://127.0.0.1:$port_reg/readyz"
    python3 "$here/tools/bench.py" rss --pgid "$pid_reg" >"$dir/out/rss-start-registryd"

    start peer "$dir/peer.log" env PEER_LISTEN="127.0.0.1:$port_peer" PEER_TLS_CERT="$dir/cert.pem" \
        PEER_TLS_KEY="$dir/key.pem" PEER_WORKERS="$cores" PEER_DB_POOL=4 PGHOST="$dir/sock" PGPORT="$pgport" \
        PGUSER=postgres PGDATABASE=registry node "$here/peer/server.js"
    pid_peer=$started_pid
    wait_http peer "$pid_peer" "https://127.0.0.1:$port_peer/healthz"
    python3 "$here/tools/bench.py" rss --pgid "$pid_peer" >"$dir/out/rss-start-peer"
}

start_nginx() {
    # the static file: one client record exactly as registryd sends it
    mkdir -p "$dir/nginx/www" "$dir/nginx/tmp"
    curl -sf --cacert "$dir/cert.pem" -H "Authorization: Bearer $tok_national1" \
        "https://127.0.0.1:$port_reg/api/v1/clients/$(head -1 "$dir/lists/ids_national")" -o "$dir/nginx/www/client.json" ||
        die "could not read a client from registryd for the static file"
    chmod -R a+rX "$dir/nginx"
    cat >"$dir/nginx/nginx.conf" <<EOF
# written by tests/bench/run.sh
worker_processes $cores;
worker_rlimit_nofile 65536;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    default_type application/json;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 30s;
    keepalive_requests 1000000;
    open_file_cache max=100 inactive=60s;
    client_body_temp_path $dir/nginx/tmp/body;
    proxy_temp_path $dir/nginx/tmp/proxy;
    fastcgi_temp_path $dir/nginx/tmp/fastcgi;
    uwsgi_temp_path $dir/nginx/tmp/uwsgi;
    scgi_temp_path $dir/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$port_nginx ssl;
        ssl_certificate $dir/cert.pem;
        ssl_certificate_key $dir/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:10m;
        root $dir/nginx/www;
        location / { add_header Cache-Control no-store; }
    }
}
EOF
    start nginx "$dir/nginx.log" nginx -e "$dir/nginx/error.log" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" \
        -g 'daemon off;'
    pid_nginx=$started_pid
    wait_http nginx "$pid_nginx" "https://127.0.0.1:$port_nginx/client.json"
    python3 "$here/tools/bench.py" rss --pgid "$pid_nginx" >"$dir/out/rss-start-nginx"
}

# --- what the cases need: tokens, id lists, sessions for pgbench ----------------------------------------------------
login() {   # login USERNAME -> token on stdout
    local body
    body=$(curl -s --cacert "$dir/cert.pem" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$bench_password\"}" "https://127.0.0.1:$port_reg/api/v1/auth/login")
    python3 -c 'import json, sys; print(json.loads(sys.argv[1])["token"])' "$body" 2>/dev/null ||
        die "login as $1 failed: $body"
}

user_field() { sql "SELECT $2 FROM users WHERE username = '$1'"; }

prepare() {
    log "preparing tokens, id lists and pgbench sessions"
    for u in bench.national bench.province bench.county bench.ngo; do
        [ -n "$(user_field "$u" id)" ] || die "user $u is missing (gen-data makes it)"
    done
    province=$(user_field bench.province province_code)
    ngo_county=$(user_field bench.ngo county_id)
    tok_national1=$(login bench.national)
    tok_national2=$(login bench.national)
    tok_province1=$(login bench.province)
    tok_province2=$(login bench.province)
    tok_ngo=$(login bench.ngo)

    # ids each role may see: a random sample of 100,000 (all of them when fewer)
    sql "SELECT id FROM clients ORDER BY random() LIMIT 100000" >"$dir/lists/ids_national"
    sql "SELECT id FROM clients WHERE province_code = '$province' ORDER BY random() LIMIT 100000" >"$dir/lists/ids_province"
    [ -s "$dir/lists/ids_province" ] || die "no clients in $province, bench.province's province"
    printf '%s %s\n' "$tok_national1" "$dir/lists/ids_national" "$tok_national2" "$dir/lists/ids_national" \
        "$tok_province1" "$dir/lists/ids_province" "$tok_province2" "$dir/lists/ids_province" >"$dir/lists/get_targets"
    maxid=$(sql "SELECT max(id) FROM clients")
    nclients=$(sql "SELECT count(*) FROM clients")

    # pgbench acts as a bench session made directly in the table (token = its name)
    for role in national province; do
        sql "INSERT INTO sessions (token_hash, user_id, expires_at)
             SELECT sha256(convert_to('pgbench-$role', 'UTF8')), id, now() + interval '1 day'
             FROM users WHERE username = 'bench.$role'
             ON CONFLICT (token_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at, revoked_at = NULL" >/dev/null
    done
    hash_national=$(printf 'pgbench-national' | sha256sum | cut -d' ' -f1)
    hash_province=$(printf 'pgbench-province' | sha256sum | cut -d' ' -f1)
    # registryd's reads start with the scope of a caller from its session cache (scope_set, the steady state of a
    # keep-alive client); pgbench's begin the same way, as these users
    scope_national=(-D uid="$(user_field bench.national id)" -D uname=bench.national -D urole=national_admin -D uprov=-)
    scope_province=(-D uid="$(user_field bench.province id)" -D uname=bench.province -D urole=provincial_officer
        -D uprov="$province")
    (cd "$here/pgbench" && node make-scripts.js "$dir/pgbench")
}

# --- measuring -------------------------------------------------------------------------------------------------------
results="$dir/results.jsonl"
export BENCH_WRK_DIR="$here/wrk"

# What the audit sealer has still to chain: audit rows, and batches of read records
unsealed() {
    sql "SELECT (SELECT count(*) FROM audit_log WHERE seal_seq IS NULL)
              + (SELECT count(*) FROM read_batches WHERE seal_seq IS NULL)"
}

# Between runs: let the audit sealer catch up with the rows the last run wrote, vacuum the audit trail, and
# checkpoint, so no run pays for the one before it.
settle() {
    local n i
    for i in $(seq 1 600); do
        n=$(unsealed)
        [ "$n" -lt 2000 ] && break
        [ $((i % 15)) -eq 1 ] && log "  waiting for the audit sealer: $n rows and read batches unsealed"
        sleep 1
    done
    # sealing leaves a dead row version per audit row and read batch: vacuumed now rather than by autovacuum in
    # the next run
    sql "VACUUM audit_log, read_batches" >/dev/null
    sql "CHECKPOINT" >/dev/null
}

unsealed_note() {
    local n
    n=$(unsealed)
    [ "$n" -ge 2000 ] && printf 'audit rows and read batches unsealed at the end: %s' "$n"
    return 0
}

check_status() {   # check_status NAME EXPECTED CURL-ARGS...: one request before measuring
    local name=$1 want=$2 code
    shift 2
    code=$(curl -s -o "$dir/out/check.body" -w '%{http_code}' --cacert "$dir/cert.pem" "$@" || true)
    [ "$code" = "$want" ] || die "$name answered $code (expected $want): $(head -c 300 "$dir/out/check.body")"
}

# The scripts' arguments, with @NIDLIST@ replaced by a file of national IDs no client has yet, fresh for each run
# (enough for 12,000 requests a second).
wrk_args() {   # wrk_args SECONDS ARGS...
    local secs=$1 a
    shift
    args=()
    for a in "$@"; do
        if [ "$a" = @NIDLIST@ ]; then
            nid_list "$dir/lists/nid_wrk" $((12000 * secs))
            args+=("$dir/lists/nid_wrk")
        else
            args+=("$a")
        fi
    done
}

# After login load: wrk leaves up to -c logins queued for the scrypt threads when it stops (registryd finishes
# them though nobody waits). One more login, answered only after all of those (the queue is first in, first out),
# tells when they are done.
drain_logins() {
    local i code
    for i in $(seq 1 120); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 600 --cacert "$dir/cert.pem" \
            -H 'Content-Type: application/json' -d "{\"username\":\"bench.national\",\"password\":\"$bench_password\"}" \
            "https://127.0.0.1:$port_reg/api/v1/auth/login" || true)
        [ "$code" = 200 ] && return 0
        [ "$code" = 429 ] && sleep 2    # the address's attempts in flight: the queue has not drained yet
        sleep 1
    done
    log "warning: the login queue did not drain"
}

run_wrk() {   # run_wrk CASE LABEL SERVER PORT SCRIPT URLPATH NOTE -- SCRIPT-ARGS...
    local c=$1 label=$2 server=$3 port=$4 script=$5 path=$6 note=${7:-}
    shift 7
    [ "${1:-}" = "--" ] && shift
    local url="https://127.0.0.1:$port$path" f="$dir/out/$c-$server.txt" args conns=$wrk_conns
    [ "$script" = login.lua ] && conns=$login_conns
    settle
    if [ "$warmup" -gt 0 ]; then
        wrk_args "$warmup" "$@"
        wrk -t$wrk_threads -c"$conns" -d"${warmup}s" --timeout 30s -s "$here/wrk/$script" "$url" -- "${args[@]}" \
            >/dev/null 2>&1
        [ "$script" = login.lua ] && drain_logins
        settle
    fi
    log "$c $label: $server"
    wrk_args "$duration" "$@"
    wrk -t$wrk_threads -c"$conns" -d"${duration}s" --timeout 30s --latency -s "$here/wrk/$script" "$url" \
        -- "${args[@]}" >"$f" 2>&1 || die "wrk failed: $(tail -5 "$f")"
    local un
    un=$(unsealed_note)
    [ "$script" = login.lua ] && drain_logins
    python3 "$here/tools/bench.py" wrk-record --case "$c" --label "$label" --server "$server" \
        --note "$(echo "$note${note:+${un:+; }}$un")" <"$f" >>"$results"
    tail -1 "$results" | sed 's/^/    /' >&2
}

# PLAN_MODE=force_custom_plan run_pgbench ...: for registryd's list statements. registryd binds all 15 of their
# parameters, most of them NULL, and PostgreSQL keeps planning them for the values given (their generic plan, which
# cannot use an index under "$n IS NULL OR col = $n", is costed too high). pgbench cannot bind a NULL, so those are
# NULL literals in its scripts, which makes the generic plan look cheap: PostgreSQL switches to it after five runs,
# and it is a sequential scan (2.5 times slower for the search at 30,000 clients). force_custom_plan keeps to the
# plans registryd gets.
run_pgbench() {   # run_pgbench CASE LABEL NOTE -- PGBENCH-ARGS...
    local c=$1 label=$2 note=$3
    shift 3
    [ "${1:-}" = "--" ] && shift
    local f="$dir/out/$c-pgbench.txt" logs="$dir/out/$c-pgbench-log"
    settle
    rm -f "$logs".*
    local common=(-n -M prepared -c 8 -j 2 -h "$dir/sock" -p "$pgport" -U postgres
        -D rid=pgbench -D addr=127.0.0.1 -D ro=true)
    local pgopts="-c role=registry_app${PLAN_MODE:+ -c plan_cache_mode=$PLAN_MODE}"
    if [ "$warmup" -gt 0 ]; then
        (cd "$dir/out" && PGOPTIONS="$pgopts" "$pgbin/pgbench" "${common[@]}" -T "$warmup" "$@" registry) \
            >/dev/null 2>&1
        settle
    fi
    log "$c $label: pgbench"
    (cd "$dir/out" && PGOPTIONS="$pgopts" "$pgbin/pgbench" "${common[@]}" -T "$duration" \
        -l --log-prefix="$logs" "$@" registry) >"$f" 2>&1 || die "pgbench failed: $(tail -5 "$f")"
    python3 "$here/tools/bench.py" pgbench-record --case "$c" --label "$label" --logs "$logs" --out "$f" \
        --note "$note" ${PGBENCH_SCRIPT:+--script "$PGBENCH_SCRIPT"} >>"$results"
    rm -f "$logs".*
    tail -1 "$results" | sed 's/^/    /' >&2
}

commas() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
b64url() { printf 'v1\037%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

case_static() {
    local size
    size=$(stat -c %s "$dir/nginx/www/client.json")
    run_wrk static "static JSON file (baseline)" nginx "$port_nginx" static.lua /client.json \
        "$size bytes, the size of one client record" --
}

# "batches rows" of registryd's read audit so far (registry_read_audit_*_total in /metrics)
read_audit_counts() {
    curl -s --cacert "$dir/cert.pem" "https://127.0.0.1:$port_reg/metrics" |
        awk '$1 == "registry_read_audit_batches_total" { b = $2 } $1 == "registry_read_audit_rows_total" { r = $2 }
             END { printf "%d %d", b, r }'
}

# run_wrk_registryd CASE LABEL SCRIPT URLPATH NOTE -- ARGS: run_wrk against registryd, and set $batch to the mean
# size of the batches registryd wrote its read and list audit rows in meanwhile (read_audit.c): pgbench's run of
# the same case sends one batch of that size per $batch requests, as registryd did
run_wrk_registryd() {
    local c=$1 label=$2 m0 m1
    shift 2
    m0=$(read_audit_counts)
    run_wrk "$c" "$label" registryd "$port_reg" "$@"
    m1=$(read_audit_counts)
    batch=$(echo "$m0 $m1" | awk '{ b = $3 - $1; r = $4 - $2; printf "%d", (b > 0 && r > b) ? (r + b / 2) / b : 1 }')
    log "$c: registryd wrote its audit rows of reads in batches of $batch on average"
}

case_a() {
    local label="GET client by id"
    local note="national and province tokens, random visible ids"
    check_status registryd 200 -H "Authorization: Bearer $tok_province1" \
        "https://127.0.0.1:$port_reg/api/v1/clients/$(head -1 "$dir/lists/ids_province")"
    check_status peer 200 -H "Authorization: Bearer $tok_province1" \
        "https://127.0.0.1:$port_peer/api/v1/clients/$(head -1 "$dir/lists/ids_province")"
    run_wrk_registryd a "$label" get_by_id.lua / "$note" -- "$dir/lists/get_targets"
    without_logins=$(tail -1 "$results" | python3 -c 'import json, sys; r = json.load(sys.stdin)
print("%.0f req/s, p50 %.2f ms, p99 %.2f ms" % (r["rps"], r["p50_ms"], r["p99_ms"]))')
    run_wrk a "$label" peer "$port_peer" get_by_id.lua / "$note" -- "$dir/lists/get_targets"
    PGBENCH_SCRIPT=0 run_pgbench a "$label" "national session, id random(1, $maxid); audit rows in batches of $batch" \
        -- "${scope_national[@]}" -D maxid="$maxid" -D batch="$batch" \
        -f "$dir/pgbench/get_by_id.sql@$batch" -f "$dir/pgbench/audit_reads.sql@1"
}

case_b() {
    local county ccount depth scope after
    read -r county ccount < <(sql "SELECT county_id, count(*) FROM clients GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1" | tr '|' ' ')
    local first="/api/v1/clients?county_id=$county&limit=50"
    printf '%s %s\n' "$tok_national1" "$first" "$tok_national2" "$first" >"$dir/lists/b1_paths"
    local label1="list a county, first page of 50"
    local note1="county $county ($ccount clients), national token"
    check_status registryd 200 -H "Authorization: Bearer $tok_national1" "https://127.0.0.1:$port_reg$first"
    check_status peer 200 -H "Authorization: Bearer $tok_national1" "https://127.0.0.1:$port_peer$first"
    run_wrk_registryd b1 "$label1" get_paths.lua / "$note1" -- "$dir/lists/b1_paths"
    run_wrk b1 "$label1" peer "$port_peer" get_paths.lua / "$note1" -- "$dir/lists/b1_paths"
    PGBENCH_SCRIPT=0 PLAN_MODE=force_custom_plan run_pgbench b1 "$label1" "$note1; audit rows in batches of $batch" \
        -- "${scope_national[@]}" -D county="$county" -D limit=51 -D filter="{\"county_id\":\"$county\"}" \
        -D batch="$batch" -f "$dir/pgbench/list_first.sql@$batch" -f "$dir/pgbench/audit_lists.sql@1"

    # ~1,000,000 rows deep: in the biggest county when it is that big, else the whole nation, else as deep as the
    # county goes
    local filter path script
    if [ "$ccount" -ge 1000051 ]; then
        depth=1000000 scope="county $county"
    elif [ "$nclients" -ge 1000051 ]; then
        depth=1000000 scope="the nation" county=""
    else
        depth=$((ccount > 51 ? ccount - 51 : 1)) scope="county $county"
    fi
    if [ -n "$county" ]; then
        after=$(sql "SELECT id FROM clients WHERE county_id = $county ORDER BY id OFFSET $((depth - 1)) LIMIT 1")
        path="/api/v1/clients?county_id=$county&limit=50&cursor=$(b64url "$after")"
        filter="{\"county_id\":\"$county\"}" script=list_deep.sql
    else
        after=$(sql "SELECT id FROM clients ORDER BY id OFFSET $((depth - 1)) LIMIT 1")
        path="/api/v1/clients?limit=50&cursor=$(b64url "$after")"
        filter="{}" script=list_nation_deep.sql
    fi
    printf '%s %s\n' "$tok_national1" "$path" "$tok_national2" "$path" >"$dir/lists/b2_paths"
    local label2="list, a page $(commas "$depth") rows deep (cursor)"
    local note2="$scope, cursor after id $after"
    check_status registryd 200 -H "Authorization: Bearer $tok_national1" "https://127.0.0.1:$port_reg$path"
    check_status peer 200 -H "Authorization: Bearer $tok_national1" "https://127.0.0.1:$port_peer$path"
    run_wrk_registryd b2 "$label2" get_paths.lua / "$note2" -- "$dir/lists/b2_paths"
    run_wrk b2 "$label2" peer "$port_peer" get_paths.lua / "$note2" -- "$dir/lists/b2_paths"
    PGBENCH_SCRIPT=0 PLAN_MODE=force_custom_plan run_pgbench b2 "$label2" "$note2; audit rows in batches of $batch" \
        -- "${scope_national[@]}" -D county="${county:-0}" -D limit=51 -D after="$after" -D filter="$filter" \
        -D batch="$batch" -f "$dir/pgbench/$script@$batch" -f "$dir/pgbench/audit_lists.sql@1"
}

case_c() {
    # four searches in the province: its most common surname, a middling one, its most common full name, a rare one
    local terms=() t
    mapfile -t terms < <(sql "
        WITH s AS (SELECT last_name, count(*) AS n FROM clients WHERE province_code = '$province' GROUP BY 1)
        (SELECT last_name FROM s ORDER BY n DESC, 1 LIMIT 1)
        UNION ALL (SELECT last_name FROM s ORDER BY n DESC, 1 OFFSET (SELECT count(*) / 2 FROM s) LIMIT 1)
        UNION ALL (SELECT first_name || ' ' || last_name FROM clients WHERE province_code = '$province'
                   GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1)
        UNION ALL (SELECT last_name FROM s ORDER BY n, 1 LIMIT 1)")
    [ ${#terms[@]} -eq 4 ] || die "could not pick search terms in $province"
    : >"$dir/lists/c_paths"
    local pg_args=() i=1
    for t in "${terms[@]}"; do
        printf '%s %s\n' "$tok_province1" "/api/v1/clients?q=$(urlenc "$t")&limit=50" \
            "$tok_province2" "/api/v1/clients?q=$(urlenc "$t")&limit=50" >>"$dir/lists/c_paths"
        pg_args+=(-D "pat$i=%$(sql "SELECT registry_search_key('${t//\'/\'\'}')")%")
        i=$((i + 1))
    done
    local label="?q= name search in a province"
    local note="province token ($province), 4 names: $(IFS=,; echo "${terms[*]}")"
    check_status registryd 200 -H "Authorization: Bearer $tok_province1" \
        "https://127.0.0.1:$port_reg/api/v1/clients?q=$(urlenc "${terms[0]}")&limit=50"
    run_wrk_registryd c "$label" get_paths.lua / "$note" -- "$dir/lists/c_paths"
    check_status peer 200 -H "Authorization: Bearer $tok_province1" \
        "https://127.0.0.1:$port_peer/api/v1/clients?q=$(urlenc "${terms[0]}")&limit=50"
    # the peer's search takes seconds a request (a second alone at national scale): with a warm-up, its queue of
    # warm-up requests would fill the measured run; none, and at least 30 s, so that some finish
    warmup=0 duration=$((duration < 30 ? 30 : duration)) \
        run_wrk c "$label" peer "$port_peer" get_paths.lua / "$note${note:+; }no warm-up, at least 30 s" -- \
        "$dir/lists/c_paths"
    PGBENCH_SCRIPT=0 PLAN_MODE=force_custom_plan run_pgbench c "$label" "$note; audit rows in batches of $batch" \
        -- "${scope_province[@]}" -D province="$province" -D limit=51 -D filter="{\"q\":\"${terms[0]}\"}" \
        "${pg_args[@]}" -D batch="$batch" -f "$dir/pgbench/search.sql@$batch" -f "$dir/pgbench/audit_lists.sql@1"
}

case_d() {
    local path="/api/v1/reports/summary?fiscal_year=1403"
    printf '%s %s\n' "$tok_national1" "$path" "$tok_national2" "$path" >"$dir/lists/d_paths"
    local label="reports/summary?fiscal_year=1403, national"
    check_status registryd 200 -H "Authorization: Bearer $tok_national1" "https://127.0.0.1:$port_reg$path"
    check_status peer 200 -H "Authorization: Bearer $tok_national1" "https://127.0.0.1:$port_peer$path"
    run_wrk d "$label" registryd "$port_reg" get_paths.lua / "31 provinces" -- "$dir/lists/d_paths"
    run_wrk d "$label" peer "$port_peer" get_paths.lua / "31 provinces" -- "$dir/lists/d_paths"
    run_pgbench d "$label" "31 provinces" -- "${scope_national[@]}" -D fy=1403 -f "$dir/pgbench/summary.sql"
}

# National IDs no client has, for the writes (e, f). gen-data spreads its IDs over the whole 10^9 space (a keyed
# permutation), so no range is free of them: take 9-digit bodies from a counter kept in the work dir (starting at
# 900000000, wrapping before 10^9), add the check digit (s = sum(d[i] * (10 - i), i = 0..8) % 11; check = s if
# s < 2 else 11 - s), skip nine equal digits, and drop every ID a client already has.
nid_list() {   # nid_list FILE COUNT
    local file=$1 count=$2 next got=0 n
    : >"$file"
    while [ "$got" -lt "$count" ]; do
        next=$(cat "$dir/nid-next" 2>/dev/null || echo 900000000)
        n=$(( (count - got) * 21 / 20 + 1000 ))
        [ $((next + n)) -gt 999999999 ] && next=900000000
        sql "WITH b AS (SELECT lpad(g::text, 9, '0') AS s FROM generate_series($next, $((next + n - 1))) g
                        WHERE g % 111111111 <> 0),
                  n AS (SELECT b.s || (CASE WHEN x.m < 2 THEN x.m ELSE 11 - x.m END)::text AS nid FROM b,
                        LATERAL (SELECT sum(substr(b.s, k + 1, 1)::integer * (10 - k)) % 11 AS m
                                 FROM generate_series(0, 8) k) x)
             SELECT nid FROM n WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.national_id = n.nid)
             LIMIT $((count - got))" >>"$file"
        echo $((next + n)) >"$dir/nid-next"
        got=$(wc -l <"$file")
    done
}

case_e() {
    sql "SELECT id FROM counties ORDER BY id" >"$dir/lists/counties"
    local before
    before=$(sql "SELECT count(*) FROM clients")
    nid_list "$dir/lists/nid_check" 1
    check_status registryd 201 -H "Authorization: Bearer $tok_national1" -H 'Content-Type: application/json' \
        -d "{\"national_id\":\"$(cat "$dir/lists/nid_check")\",\"first_name\":\"آزمون\",\"last_name\":\"سنجش\",\"birth_date\":\"1980-01-01\",\"sex\":\"female\",\"county_id\":$(head -1 "$dir/lists/counties")}" \
        "https://127.0.0.1:$port_reg/api/v1/clients"
    run_wrk e "POST a client" registryd "$port_reg" post_client.lua / "national token, random county" -- \
        "$tok_national1" @NIDLIST@ "$wrk_threads" "$dir/lists/counties"
    log "    clients: $before before, $(sql "SELECT count(*) FROM clients") after (warm-up included)"
}

case_f() {
    settle
    log "f NGO submission of 1,000 records: registryd"
    local runs=${BENCH_SUBMISSION_RUNS:-5}
    nid_list "$dir/lists/nid_submissions" $((runs * 1000))
    python3 "$here/tools/bench.py" submission --port "$port_reg" --cacert "$dir/cert.pem" --token "$tok_ngo" \
        --ids "$dir/lists/nid_submissions" --county "$ngo_county" --runs "$runs" >>"$results"
    tail -1 "$results" | sed 's/^/    /' >&2
}

case_g() {
    drain_logins
    run_wrk g "login (scrypt N=2^17, by design slow)" registryd "$port_reg" login.lua /api/v1/auth/login \
        "bench.login01..$login_conns, right password, $login_conns in flight" -- "$login_conns" "$bench_password"
}

case_h() {
    [ -n "${without_logins:-}" ] || die "case h needs case a"
    settle
    log "h GET client by id with $login_conns logins in flight: registryd (logins: wrk -c$login_conns alongside)"
    wrk -t1 -c"$login_conns" -d"$((duration + warmup + 4))s" --timeout 60s -s "$here/wrk/login.lua" \
        "https://127.0.0.1:$port_reg/api/v1/auth/login" -- "$login_conns" "$bench_password" >"$dir/out/h-logins.txt" 2>&1 &
    local lpid=$!
    pids+=("$lpid")
    sleep 2
    local f="$dir/out/h-registryd.txt"
    if [ "$warmup" -gt 0 ]; then
        wrk -t$wrk_threads -c$wrk_conns -d"${warmup}s" --timeout 30s -s "$here/wrk/get_by_id.lua" \
            "https://127.0.0.1:$port_reg/" -- "$dir/lists/get_targets" >/dev/null 2>&1
    fi
    wrk -t$wrk_threads -c$wrk_conns -d"${duration}s" --timeout 30s --latency -s "$here/wrk/get_by_id.lua" \
        "https://127.0.0.1:$port_reg/" -- "$dir/lists/get_targets" >"$f" 2>&1 || die "wrk failed: $(tail -5 "$f")"
    wait "$lpid" || true
    drain_logins
    local logins
    logins=$(python3 "$here/tools/bench.py" wrk-record --case x --label x --server x <"$dir/out/h-logins.txt" |
        python3 -c 'import json, sys; r = json.load(sys.stdin); print("%.1f logins/s, %d errors" % (r["rps"], r["non2xx"] + r["errors"]))')
    python3 "$here/tools/bench.py" wrk-record --case h --label "GET client by id, $login_conns logins in flight" \
        --server registryd --note "without logins (case a): $without_logins; logins alongside: $logins" <"$f" >>"$results"
    tail -1 "$results" | sed 's/^/    /' >&2
}

case_rss() {
    settle
    local n=${BENCH_IDLE_CONNS:-1000} id r
    id=$(head -1 "$dir/lists/ids_national")
    for s in registryd peer nginx; do
        local port path pgid token=()
        case $s in
            registryd) port=$port_reg path=/api/v1/clients/$id pgid=$pid_reg token=(--token "$tok_national1") ;;
            peer) port=$port_peer path=/api/v1/clients/$id pgid=$pid_peer token=(--token "$tok_national1") ;;
            nginx) port=$port_nginx path=/client.json pgid=$pid_nginx token=() ;;
        esac
        log "rss: $n idle keep-alive TLS connections to $s"
        r=$(python3 "$here/tools/bench.py" idle --port "$port" --cacert "$dir/cert.pem" --path "$path" "${token[@]}" \
            --pgid "$pgid" --conns "$n") || die "the idle-connection helper failed against $s"
        python3 - "$s" "$r" "$n" "$(cat "$dir/out/rss-start-$s")" >>"$results" <<'EOF'
import json, sys
s, r, n, start = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
per = (r["during_kb"] - r["before_kb"]) / max(1, r["conns"])
note = ("VmRSS %.1f MB at start, %.1f MB after the cases, %.1f MB with %d connections open (%+.1f KB each)%s"
        % (start / 1024, r["before_kb"] / 1024, r["during_kb"] / 1024, r["conns"], per,
           "" if r["processes"] == 1 else ", %d processes" % r["processes"]))
if r["alive"] < r["conns"]:
    note += "; only %d still open when measured" % r["alive"]
if r["non200"]:
    note += "; %d answers not 200" % r["non200"]
print(json.dumps({"case": "rss", "label": "%d idle keep-alive TLS connections" % n, "server": s, "rps": None,
                  "p50_ms": None, "p99_ms": None, "non2xx": r["non200"], "errors": r["conns"] - r["alive"],
                  "note": note}, ensure_ascii=False))
EOF
        tail -1 "$results" | sed 's/^/    /' >&2
    done
}

# --- the run ---------------------------------------------------------------------------------------------------------
install_deps
build
prepare_dir
start_postgres
write_configs
load_data
start_servers
prepare
start_nginx
: >"$results"
if [ -n "${BENCH_HOLD:-}" ]; then
    log "BENCH_HOLD: servers up (registryd :$port_reg, peer :$port_peer, nginx :$port_nginx, PostgreSQL $dir/sock:$pgport);" \
        "tokens in $dir/lists/tokens; Ctrl-C or SIGTERM stops everything"
    printf 'national %s\nprovince %s\nngo %s\n' "$tok_national1" "$tok_province1" "$tok_ngo" >"$dir/lists/tokens"
    while :; do sleep 1; done
fi
log "cases: $cases; $duration s each (wrk -t$wrk_threads -c$wrk_conns, pgbench -c 8 -j 2), $warmup s warm-up; $cores cores"
want static && case_static
want a && case_a
want b && case_b
want c && case_c
want d && case_d
want e && case_e
want f && case_f
want g && case_g
want h && case_h
want rss && case_rss

{
    echo
    echo "registry benchmark: scale $scale ($(sed -n 2p "$dir/loaded"), $nclients clients), $duration s per run," \
        "$cores cores, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    python3 "$here/tools/bench.py" table "$results"
    echo
    echo "reg/nginx, reg/peer, reg/pgbench: registryd's requests/s divided by theirs (nginx: the static file)."
    echo "errors: non-2xx answers plus socket errors and timeouts. Raw output: $dir/out/"
} | tee "$dir/table.txt"
