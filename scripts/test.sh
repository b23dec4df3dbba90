#!/usr/bin/env bash
# Everything the tests need, then every test: unit + integration (real sockets, the real kubectl) + e2e (Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests drive for real, installed when missing and we may (root + apt; one `apt-get update`
# first, as a fresh machine has no package lists); otherwise a clear stop. kubectl is preinstalled on these machines
# (Debian has no kubectl package; the Dockerfile takes it from the Kubernetes project's repository).
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# bubblewrap isolates the terminal's kubectl; without it the server falls back (and its isolation test skips, saying so).
[ -x /usr/bin/bwrap ] || need+=(bubblewrap)
# PostgreSQL: the store tests and the two-replica test run a real server (test/server/postgres-server.ts starts it
# from Debian's binaries, which live under /usr/lib/postgresql/<version>/bin, not on PATH).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
optional=()
command -v wrk >/dev/null 2>&1 || optional+=(wrk)
command -v hey >/dev/null 2>&1 || optional+=(hey)
# HAProxy: the mesh-overhead anchor (a pair of real proxies measured in the same run).
command -v haproxy >/dev/null 2>&1 || optional+=(haproxy)
can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
if ! command -v kubectl >/dev/null 2>&1; then
  echo "missing: kubectl — install it from the Kubernetes project's package repository (https://kubernetes.io/docs/tasks/tools/)" >&2
  exit 1
fi
if [ ${#need[@]} -gt 0 ] || [ ${#optional[@]} -gt 0 ]; then
  if can_install; then
    apt-get update -qq || echo "note: apt-get update failed; installing from the lists at hand"
    if [ ${#need[@]} -gt 0 ]; then
      echo "installing from Debian: ${need[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    # Optional peers for the load-generator adapters (their tests skip cleanly without them).
    if [ ${#optional[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${optional[@]}" >/dev/null 2>&1 || echo "note: ${optional[*]} not installed; their adapter tests will skip"
    fi
  elif [ ${#need[@]} -gt 0 ]; then
    echo "missing: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi

npm run --silent build
npx tsc -p .
# The site too (its own tsconfig: Astro's strict preset; .astro/types.d.ts is written by the build above).
npx tsc -p site
# The long files first, so the two lanes end together: the slowest by name, longest first (from CI's
# test-results/test-file-times.txt; keep the list in step with it), then the other browser tests and whole lessons
# through the API, then the rest (mostly short).
slowest=(
  e2e/lessons-and-docs.test.ts
  e2e/lesson-pages.test.ts
  e2e/lesson-walkthroughs.test.ts
  e2e/mesh-support-page.test.ts
  test/server/replicas.test.ts
  e2e/reference-pages.test.ts
  e2e/conformance-page.test.ts
)
mapfile -t files < <({
  for f in "${slowest[@]}"; do [ -f "$f" ] && echo "$f"; done
  { find e2e test/lessons -name '*.test.ts' | sort; find test -name '*.test.ts' -not -path 'test/lessons/*' | sort; } | grep -vxF -f <(printf '%s\n' "${slowest[@]}")
})
mkdir -p test-results
# Two files at a time, one per core (sandboxes claim address blocks and ports of their own, so files run side by side);
# the spec reporter on the terminal; each file's wall time in test-results/ (to keep the run inside CI's budget).
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./scripts/test-file-times.mjs --test-reporter-destination=test-results/test-file-times.txt "${files[@]}"
