#!/usr/bin/env bash
# Installs Debian's Chromium for the browser check (playwright-core drives it; no browser download).
# Idempotent: does nothing when the browser already runs. Installing needs root (or passwordless
# sudo) and apt-get; CI runs as root. Anywhere else this says what to install and how to skip,
# and exits 3 (distinct from a failed install).
#   CHROMIUM_PATH=/path/to/chromium   use an existing Chromium or Chrome instead of /usr/bin/chromium
#   SKIP_BROWSER_TESTS=1 npm test     run everything but the browser check
set -euo pipefail

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}

if [[ -x "$CHROMIUM" ]] && "$CHROMIUM" --version >/dev/null 2>&1; then
  exit 0
fi

# Builtins only: on the machines this is for, even PATH may be bare.
cannot_install() {
  {
    echo "ensure-chromium: the Swagger UI browser check needs Chromium at $CHROMIUM, and it cannot be installed here: $1."
    echo "  Install it yourself:  sudo apt-get install -y --no-install-recommends chromium fonts-dejavu-core   (Debian/Ubuntu)"
    echo "  or use a browser you have:  CHROMIUM_PATH=/path/to/chromium-or-chrome npm test"
    echo "  or skip only that check:    SKIP_BROWSER_TESTS=1 npm test"
  } >&2
  exit 3
}

command -v apt-get >/dev/null 2>&1 || cannot_install "apt-get is not available (not a Debian-based system)"
if [[ $EUID -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  cannot_install "installing needs root or passwordless sudo"
fi
[[ "$CHROMIUM" == /usr/bin/chromium ]] || cannot_install "CHROMIUM_PATH points at a browser that does not run"

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq || cannot_install "apt-get update failed (no network or no package source?)"
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null || cannot_install "apt-get install chromium failed"
"$CHROMIUM" --version
