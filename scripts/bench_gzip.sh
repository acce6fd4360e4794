#!/bin/sh
# What gzip costs and saves per reply, as registryd compresses (tests/bench/gzip/gzip_bench.c): bytes before and
# after and CPU microseconds per reply at levels 1, 6 and 9. Optional FILE: a real reply body to measure, e.g.
#   curl -s --cacert cert.pem -H "Authorization: Bearer $TOKEN" 'https://127.0.0.1:8443/api/v1/clients?limit=50' >l.json
#   scripts/bench_gzip.sh l.json
# Needs cc and zlib1g-dev (scripts/install-deps.sh).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${TMPDIR:-/tmp}/gzip_bench.$$
trap 'rm -f "$out"' EXIT
cc -O2 -o "$out" "$here/tests/bench/gzip/gzip_bench.c" -lz
"$out" "$@"
