#!/usr/bin/env bash
# Installs the Debian packages that the tests need (a real browser, a real Redis, npm for
# the official CLI, the README's curl/jq/uuidgen), only when one is missing. CI runs as
# root on a fresh Debian machine; elsewhere, with no
# root and no sudo, it says what to install and exits 0 (the tests that need it skip).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v npm >/dev/null 2>&1 || need+=(npm)  # the official NemoVideo CLI, from npm
# the README's shell blocks (tests/test_readme.py runs them)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v uuidgen >/dev/null 2>&1 || need+=(uuid-runtime)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "system-deps: missing ${need[*]} (install them as root); the tests that need them skip" >&2
fi
