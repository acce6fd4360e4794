#!/usr/bin/env bash
# Runs end-to-end tests with registryd under valgrind (memcheck: invalid accesses and leaks; exit code 99 on any).
# Slow (every wait of the harness is 10x longer), so it is not part of scripts/test.sh. Usage:
#   scripts/valgrind.sh                 # the smoke and foundation tests
#   scripts/valgrind.sh -R e2e.test_    # any ctest selection
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
command -v valgrind >/dev/null || { sudo=; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq valgrind >/dev/null; }
build="$root/build-valgrind"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(-R 'e2e.test_(smoke|foundation)')
cd "$build" && REGISTRY_VALGRIND=1 ctest --output-on-failure "${args[@]}"
