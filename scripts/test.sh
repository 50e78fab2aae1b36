#!/usr/bin/env bash
# `npm test`: ESLint and tsc beside vitest, not before it. Both are single-threaded, and vitest's
# integration files spend much of their time waiting on worker processes, so on 2 cores this
# saves most of their 40 s. Their output is printed after vitest's; the run fails if any fails.
set -u
checks_log=$(mktemp)
(npm run --silent lint && npm run --silent typecheck) > "$checks_log" 2>&1 &
checks=$!
npx vitest run "$@"
tests=$?
wait "$checks"
checked=$?
cat "$checks_log"
rm -f "$checks_log"
if [ "$checked" -ne 0 ]; then echo "npm test: lint or typecheck failed (above)" >&2; fi
if [ "$tests" -ne 0 ] || [ "$checked" -ne 0 ]; then exit 1; fi
