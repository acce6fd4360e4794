#!/usr/bin/env bash
# A longer fault soak: PostgreSQL crashed N times (default 10) under a write load from three clients; prints
# requests sent, faults injected, acknowledged writes, writes found, and lost (must be 0).
#   scripts/soak.sh [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
build="$root/build-asan"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
cd "$build"
REGISTRY_SOAK_CRASHES=${1:-10} /usr/bin/python3 "$root/tests/e2e/test_faults.py" \
    FaultTest.test_restart_under_write_load_loses_no_acknowledged_write 2>&1 | grep -oE "soak:.*|[0-9]+ passed, [0-9]+ failed|FAIL.*"
