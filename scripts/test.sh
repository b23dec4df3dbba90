#!/usr/bin/env bash
# Everything the tests need, then every test: unit + integration (real sockets, the real kubectl) + e2e (Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests drive for real. Installed when missing and we may (root + apt); otherwise a clear stop.
need=()
command -v kubectl >/dev/null 2>&1 || need+=(kubectl)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing from Debian: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
# bubblewrap isolates the terminal's kubectl; without it the server falls back (and its isolation test skips, saying so).
if [ ! -x /usr/bin/bwrap ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null 2>&1 || echo "note: bubblewrap not installed; the terminal's kubectl runs unprivileged instead"
fi
# Optional peers for the load-generator adapters (their tests skip cleanly without them).
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! { command -v wrk && command -v hey; } >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk hey >/dev/null 2>&1 || echo "note: wrk/hey not installed; their adapter tests will skip"
fi

npm run --silent build
npx tsc -p .
mapfile -t files < <(find test e2e -name '*.test.ts' | sort)
exec node --import tsx --test --test-reporter=spec "${files[@]}"
