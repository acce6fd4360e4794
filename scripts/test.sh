#!/usr/bin/env bash
# The registry's test command: installs what it needs (Debian 12), builds with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every test through ctest: cmocka unit tests, end-to-end tests (each starts
# its own PostgreSQL cluster and registryd and speaks HTTPS to it), the console's browser tests (tests/console/:
# Debian's chromium and firefox-esr against a real registryd; screenshots in build-asan/console-screenshots) and the
# fuzz targets, which replay their seed corpora in the sanitizer build and then fuzz for FUZZ_SECONDS each in a clang
# libFuzzer build.
# The last line says how many tests passed and failed.
#   FUZZ_SECONDS=0 skips the libFuzzer build; CTEST_ARGS="-R e2e" narrows the run.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz_seconds=${FUZZ_SECONDS:-10}
passed=0 failed=0
# The closing line is printed however the script ends (a failed install, a failed build, a signal), and nothing
# is printed after it.
trap 'echo; echo "$passed passed, $failed failed"' EXIT
trap 'failed=$((failed + 1)); exit 130' INT TERM

if [ "$fuzz_seconds" -gt 0 ]; then
    "$root/scripts/install-deps.sh" --browser --fuzz || { echo "installing the dependencies failed"; failed=1; exit 1; }
else
    "$root/scripts/install-deps.sh" --browser || { echo "installing the dependencies failed"; failed=1; exit 1; }
fi

jobs=$(nproc)
run_ctest() {    # build dir, label, extra ctest args...
    local dir=$1; shift
    local out
    out=$(cd "$dir" && ctest --output-on-failure --no-tests=error -j"$jobs" ${CTEST_ARGS:-} "$@" 2>&1)
    local rc=$?
    echo "$out"
    local line
    line=$(echo "$out" | grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' | tail -1)
    if [ -n "$line" ]; then
        local f t
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
        t=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
        passed=$((passed + t - f))
        failed=$((failed + f))
    elif [ $rc -ne 0 ]; then
        failed=$((failed + 1))
    fi
}

build="$root/build-asan"
if cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=ON >/dev/null &&
   cmake --build "$build" -j"$jobs" >/dev/null; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    run_ctest "$build"
else
    cmake --build "$build" -j"$jobs" 2>&1 | tail -40
    echo "build with sanitizers failed"
    failed=$((failed + 1))
fi

if [ "$fuzz_seconds" -gt 0 ] && [ -z "${CTEST_ARGS:-}" ]; then
    fbuild="$root/build-fuzz"
    if CC=clang cmake -S "$root" -B "$fbuild" -DCMAKE_BUILD_TYPE=Debug -DFUZZ=ON -DFUZZ_SECONDS="$fuzz_seconds" >/dev/null &&
       cmake --build "$fbuild" -j"$jobs" >/dev/null; then
        run_ctest "$fbuild" -L fuzz -j1
    else
        cmake --build "$fbuild" -j"$jobs" 2>&1 | tail -40
        echo "libFuzzer build failed"
        failed=$((failed + 1))
    fi
fi

[ "$failed" -eq 0 ]
