#!/usr/bin/env bash
# Runs registryd with demo data on a PostgreSQL cluster of its own, from nothing:
#   installs the packages (Debian 12), builds, creates a throwaway cluster and a self-signed certificate,
#   migrates, loads the demo data, and serves https://127.0.0.1:8443 until Ctrl-C.
# Environment: REGISTRY_DEMO_DIR (default /tmp/registry-demo-$USER), REGISTRY_DEMO_PGPORT (default 54329),
# REGISTRY_LISTEN (default 127.0.0.1:8443). The cluster is kept between runs; delete the directory to start over.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"

build="$root/build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

pgbin=/usr/lib/postgresql/15/bin
dir=${REGISTRY_DEMO_DIR:-/tmp/registry-demo-$(id -un)}
port=${REGISTRY_DEMO_PGPORT:-54329}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
if [ ! -f "$dir/pg/PG_VERSION" ]; then
    as_pg "$pgbin/initdb" -D "$dir/pg" --auth=trust --username=postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! as_pg "$pgbin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
    as_pg "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
        -o "-p $port -k $dir -c listen_addresses=''" start >/dev/null
fi
stop_pg() { as_pg "$pgbin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null 2>&1 || true; }
trap stop_pg EXIT

as_pg "$pgbin/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'registry'" | grep -q 1 ||
    as_pg "$pgbin/createdb" -h "$dir" -p "$port" -U postgres registry

if [ ! -f "$dir/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
fi

export REGISTRY_DB_URL="host=$dir port=$port dbname=registry user=postgres"
export REGISTRY_TLS_CERT="$dir/cert.pem" REGISTRY_TLS_KEY="$dir/key.pem"
export REGISTRY_MIGRATIONS_DIR="$root/migrations"
export REGISTRY_LISTEN=${REGISTRY_LISTEN:-127.0.0.1:8443}
"$build/bin/registryctl" migrate
if "$build/bin/registryctl" --help | grep -q seed-demo; then
    "$build/bin/registryctl" seed-demo
fi
echo "serving https://$REGISTRY_LISTEN (certificate: $dir/cert.pem); Ctrl-C stops" >&2
"$build/bin/registryd" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; stop_pg' INT TERM
wait $pid || true
