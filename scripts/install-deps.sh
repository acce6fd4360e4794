#!/usr/bin/env bash
# Installs what building, running and testing the registry needs on Debian 12. Does nothing when all of it is
# already there; otherwise runs apt-get (as root, or through sudo).
#   --fuzz     also clang and its libFuzzer runtime (the fuzz build)
#   --browser  also the browsers the console tests drive (tests/console/: Debian's chromium and firefox-esr, through
#              their own protocols, so no chromedriver or geckodriver) and a font for text outside the console's
#              own. scripts/test.sh passes it, since its ctest run includes those tests.
set -euo pipefail

packages=(build-essential cmake pkg-config libevent-dev libpq-dev libjson-c-dev libssl-dev libcmocka-dev
          postgresql-15 postgresql-contrib openssl python3 ca-certificates zlib1g-dev libbrotli-dev util-linux
          python3-jsonschema)
# python3-jsonschema: tests/e2e/test_openapi_conformance.py checks real replies against the served description.
# The console is built with Node.js and npm: Debian's, unless the machine already has its own (Debian's npm package
# conflicts with other Node.js installations, so neither is touched when present).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
for arg in "$@"; do
    case "$arg" in
        --fuzz) packages+=(clang libclang-rt-14-dev) ;;
        --browser) packages+=(chromium firefox-esr fonts-dejavu-core) ;;
        *) echo "install-deps.sh: unknown option $arg (use --fuzz, --browser)" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
