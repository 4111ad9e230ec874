#!/usr/bin/env bash
# Installs Debian's redis-server for the tests of limits shared across replicas (the tests start and
# stop their own server on a free 127.0.0.1 port with a temporary directory and no persistence).
# Idempotent: does nothing when redis-server already runs. Needs root (or passwordless sudo) and apt.
set -euo pipefail

installed() { command -v redis-server >/dev/null 2>&1 && redis-server --version >/dev/null 2>&1; }

if installed; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "ensure-redis: redis-server is missing and installing it needs root: run 'sudo apt-get install redis-server'," >&2
  echo "ensure-redis: or skip the Redis tests: npx jest --testPathIgnorePatterns 'redis-limits|shared-limit-store'" >&2
  exit 1
fi

# Jest runs test files in parallel and more than one may call this script (or ensure-chromium.sh)
# at once: one install at a time here, and apt waits for another apt instead of failing on its lock.
exec 9>"${TMPDIR:-/tmp}/xdp-mcp-ensure-redis.lock"
flock 9
if installed; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300)
"${APT[@]}" update -qq
"${APT[@]}" install -y -qq --no-install-recommends redis-server >/dev/null
redis-server --version
