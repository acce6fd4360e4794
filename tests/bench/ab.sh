#!/usr/bin/env bash
# A/B: does revision B cost more CPU per request than revision A on case a (GET client by id)? Builds both, runs
# both registryds side by side over one PostgreSQL and one data set, alternates measured runs between them, and
# prints CPU per request (registryd's and PostgreSQL's) with the paired ratios B/A. See tests/bench/README.md.
#
#   tests/bench/ab.sh REV_A REV_B [--scale F] [--rounds N] [--duration S] [--seed N]
#
#   REV_A, REV_B   any git revisions of this repository (commits, branches, tags)
#   --scale F      data set size for gen-data; default 0.1
#   --rounds N     rounds, each one measured run per side (A B, then B A, ...); default 6
#   --duration S   seconds per measured run; default 15
#   --seed N       gen-data's seed; default 1
#
# Environment: BENCH_DIR (the work dir; made, and removed at the end; default a mktemp dir), BENCH_KEEP=1 (keep the
# work dir: logs, ab.jsonl, the cluster), BENCH_WARMUP (3), ports BENCH_PGPORT (54330), BENCH_PORT_REGISTRYD (18443,
# the newer revision's registryd), BENCH_PORT_REGISTRYD_OTHER (18446, the older one's), BENCH_PORT_PEER (18444),
# BENCH_PORT_NGINX (18445), REGISTRY_BENCH_PASSWORD.
#
# The newer revision's own tests/bench/run.sh sets everything up (BENCH_HOLD=1) and starts its registryd; the other
# registryd runs with a copy of that config differing only in listen and migrations_dir. Everything it starts is
# stopped and every worktree and file it made is removed when it exits, however it exits.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }

revs=() scale=0.1 rounds=6 duration=15 seed=1
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) scale=${2:?--scale needs a value}; shift 2 ;;
        --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
        --duration) duration=${2:?--duration needs a value}; shift 2 ;;
        --seed) seed=${2:?--seed needs a value}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "ab.sh: unknown argument \"$1\"" >&2; usage >&2; exit 2 ;;
        *) revs+=("$1"); shift ;;
    esac
done
[ ${#revs[@]} -eq 2 ] || { echo "ab.sh: two revisions, A and B" >&2; usage >&2; exit 2; }
[[ $scale =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "ab.sh: --scale must be a number" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: --rounds must be a whole number" >&2; exit 2; }
[[ $duration =~ ^[1-9][0-9]*$ ]] || { echo "ab.sh: --duration must be whole seconds" >&2; exit 2; }
[[ $seed =~ ^[0-9]+$ ]] || { echo "ab.sh: --seed must be a whole number" >&2; exit 2; }

pgport=${BENCH_PGPORT:-54330}
port_new=${BENCH_PORT_REGISTRYD:-18443}
port_old=${BENCH_PORT_REGISTRYD_OTHER:-18446}
warmup=${BENCH_WARMUP:-3}
cores=$(nproc)

log() { printf '[ab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- the revisions: which is newer ------------------------------------------------------------------------------------
sha_a=$(git -C "$root" rev-parse --verify "${revs[0]}^{commit}" 2>/dev/null) || die "not a revision: ${revs[0]}"
sha_b=$(git -C "$root" rev-parse --verify "${revs[1]}^{commit}" 2>/dev/null) || die "not a revision: ${revs[1]}"
# the data is loaded (and migrated) by the newer one: B unless A descends from B
if [ "$sha_a" != "$sha_b" ] && git -C "$root" merge-base --is-ancestor "$sha_b" "$sha_a"; then newer=a; else newer=b; fi
older=$([ $newer = a ] && echo b || echo a)

# --- the work dir, and cleaning up --------------------------------------------------------------------------------------
if [ -n "${BENCH_DIR:-}" ]; then
    work=$BENCH_DIR
    case "$work" in /*) ;; *) work=$PWD/$work ;; esac
    [ -e "$work" ] && [ -n "$(ls -A "$work" 2>/dev/null)" ] && die "$work exists and is not empty; set BENCH_DIR to a new directory"
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/registry-ab.XXXXXX")
fi
chmod 755 "$work"   # PostgreSQL (as postgres when root) needs to reach its cluster and socket below it

hold_pid="" old_pid="" rounds_pid="" trees=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if [ -n "$rounds_pid" ]; then
        kill -TERM -- "-$rounds_pid" 2>/dev/null
        wait "$rounds_pid" 2>/dev/null
    fi
    if [ -n "$old_pid" ]; then
        kill -TERM -- "-$old_pid" 2>/dev/null || kill -TERM "$old_pid" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$old_pid" 2>/dev/null
        wait "$old_pid" 2>/dev/null
    fi
    if [ -n "$hold_pid" ]; then
        # run.sh's own trap stops what it started (PostgreSQL, registryd, the peer, nginx)
        kill -TERM "$hold_pid" 2>/dev/null
        for _ in $(seq 1 600); do kill -0 "$hold_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$hold_pid" 2>/dev/null
        wait "$hold_pid" 2>/dev/null
    fi
    [ $rc -ne 0 ] && [ -f "$work/run.log" ] && { log "run.sh's last lines:"; tail -15 "$work/run.log" >&2; }
    for t in "${trees[@]}"; do git -C "$root" worktree remove --force "$t" >/dev/null 2>&1; done
    git -C "$root" worktree prune 2>/dev/null
    if [ -n "${BENCH_KEEP:-}" ]; then
        log "work dir kept: $work"
    else
        # the cluster belongs to postgres when run as root: rm as root removes it all the same
        rm -rf "$work"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for p in $port_new $port_old; do
    ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || die "port $p is in use (set BENCH_PORT_*)"
done

# --- both revisions, built --------------------------------------------------------------------------------------------
declare -A sha tree
sha[a]=$sha_a sha[b]=$sha_b
for s in a b; do
    tree[$s]=$work/src-$s
    git -C "$root" worktree add --detach "${tree[$s]}" "${sha[$s]}" >/dev/null 2>&1 ||
        die "git worktree add ${sha[$s]} failed"
    trees+=("${tree[$s]}")
    log "building $s = $(git -C "$root" log -1 --format='%h %s' "${sha[$s]}" | cut -c1-80) (Release)"
    cmake -S "${tree[$s]}" -B "${tree[$s]}/build-release" -DCMAKE_BUILD_TYPE=Release -DREGISTRY_TESTS=OFF >/dev/null
    cmake --build "${tree[$s]}/build-release" -j"$cores" >"$work/build-$s.log" 2>&1 ||
        die "building $s failed: $(tail -5 "$work/build-$s.log")"
done
new_tree=${tree[$newer]} old_tree=${tree[$older]}
grep -q BENCH_HOLD "$new_tree/tests/bench/run.sh" 2>/dev/null ||
    die "the newer revision ($newer) has no tests/bench/run.sh with BENCH_HOLD"

# --- the newer revision sets up PostgreSQL, the data and its registryd --------------------------------------------------
bench=$work/bench
log "setting up with the newer revision's run.sh ($newer, BENCH_HOLD=1, scale $scale): log in $work/run.log"
BENCH_HOLD=1 BENCH_DIR=$bench BENCH_PGPORT=$pgport BENCH_PORT_REGISTRYD=$port_new \
    setsid "$new_tree/tests/bench/run.sh" --scale "$scale" --seed "$seed" --duration "$duration" >"$work/run.log" 2>&1 &
hold_pid=$!
while [ ! -s "$bench/lists/tokens" ]; do
    kill -0 "$hold_pid" 2>/dev/null || die "run.sh stopped before it was ready"
    sleep 1
done
new_pid=$(sed -n 's/.*started registryd (pid \([0-9]*\)).*/\1/p' "$work/run.log" | tail -1)
[ -n "$new_pid" ] && kill -0 "$new_pid" 2>/dev/null || die "cannot find the newer registryd's pid in run.log"

# --- the older revision: its migrations, its registryd ------------------------------------------------------------------
# The database has the newer revision's migrations; the older migrate refuses a database with a migration it does
# not have, so the missing files are copied into its (temporary) worktree and its migrate is run as a check: it
# must find nothing to do, and stops if a migration they share differs.
copied=()
for f in "$new_tree"/migrations/*.sql; do
    [ -e "$old_tree/migrations/$(basename "$f")" ] || { cp "$f" "$old_tree/migrations/"; copied+=("$(basename "$f")"); }
done
[ ${#copied[@]} -gt 0 ] &&
    log "note: copied into the older revision's migrations (newer than it, applied by $newer): ${copied[*]}"
sed -e "s|^listen = .*|listen = 127.0.0.1:$port_old|" -e "s|^migrations_dir = .*|migrations_dir = $old_tree/migrations|" \
    "$bench/registry.conf" >"$work/registry-$older.conf"
grep -q "^listen = 127.0.0.1:$port_old\$" "$work/registry-$older.conf" || die "could not rewrite listen in the config"
# registryctl and registryd read REGISTRY_* over their config: as in run.sh, only the config counts
for v in $(compgen -e | grep '^REGISTRY_' || true); do unset "$v"; done
"$old_tree/build-release/bin/registryctl" --config "$work/registry-$older.conf" migrate >"$work/migrate-$older.log" 2>&1 ||
    die "the older revision's migrate refuses the database: $(tail -3 "$work/migrate-$older.log")"

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
setsid "$old_tree/build-release/bin/registryd" --config "$work/registry-$older.conf" >"$work/registryd-$older.log" 2>&1 &
old_pid=$!
for i in $(seq 1 300); do
    kill -0 "$old_pid" 2>/dev/null || die "the older registryd exited: $(tail -5 "$work/registryd-$older.log")"
    [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$bench/cert.pem" "https://127.0.0.1:$port_old/readyz" || true)" = 200 ] && break
    [ "$i" = 300 ] && die "the older registryd did not answer within 30 s"
    sleep 0.1
done
tok=$(sed -n 's/^province //p' "$bench/lists/tokens")
id=$(head -1 "$bench/lists/ids_province")
for port in $port_new $port_old; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$bench/cert.pem" -H "Authorization: Bearer $tok" \
        "https://127.0.0.1:$port/api/v1/clients/$id" || true)
    [ "$code" = 200 ] || die "GET a client from :$port answered $code"
done

# --- the rounds ---------------------------------------------------------------------------------------------------------
declare -A side_port side_pid
side_port[$newer]=$port_new side_pid[$newer]=$new_pid side_port[$older]=$port_old side_pid[$older]=$old_pid
nclients=$("/usr/lib/postgresql/15/bin/psql" -X -At -h "$bench/sock" -p "$pgport" -U postgres -d registry \
    -c "SELECT count(*) FROM clients")
log "rounds: $rounds x (A, B), $duration s each after ${warmup} s of warm-up; $nclients clients"
{
    echo "A = $(git -C "$root" log -1 --format='%h %s' "$sha_a" | cut -c1-90)"
    echo "B = $(git -C "$root" log -1 --format='%h %s' "$sha_b" | cut -c1-90)"
    echo "case a (GET client by id, wrk -t2 -c64), scale $scale ($nclients clients), $duration s per run," \
        "$rounds rounds, $cores cores; data and setup by $newer's run.sh"
    [ ${#copied[@]} -gt 0 ] && echo "note: $older's worktree got $newer's newer migrations copied in: ${copied[*]}"
    echo
}
# in the background, in a session of its own, so that a SIGTERM is seen at once (bash runs a trap only when the
# foreground command ends) and the cleanup can stop it with its wrk
setsid /usr/bin/python3 "$here/tools/ab.py" --dir "$bench" --pgport "$pgport" --wrk-dir "$here/wrk" \
    --rounds "$rounds" --duration "$duration" --warmup "$warmup" --jsonl "$work/ab.jsonl" \
    --side "A=${side_port[a]}:${side_pid[a]}" --side "B=${side_port[b]}:${side_pid[b]}" &
rounds_pid=$!
wait "$rounds_pid" || die "the rounds failed (exit $?)"
rounds_pid=""
{
    echo
    echo "us/req: CPU time (user+sys) over the measured run / requests; PostgreSQL: the whole cluster."
}
