#!/usr/bin/env bash
# `npm test`: the static checks (ESLint, tsc, the import rules of dependency-cruiser, Prettier)
# beside vitest, not before it. They are single-threaded, and vitest's integration files spend
# much of their time waiting on worker processes, so they overlap well. Their output is printed
# after vitest's; the run fails if any fails.
set -u
checks_log=$(mktemp)
(npm run --silent lint && npm run --silent typecheck && npm run --silent deps && npm run --silent format:check) > "$checks_log" 2>&1 &
checks=$!
npx vitest run "$@"
tests=$?
wait "$checks"
checked=$?
cat "$checks_log"
rm -f "$checks_log"
if [ "$checked" -ne 0 ]; then echo "npm test: lint, typecheck, import rules or formatting failed (above)" >&2; fi
if [ "$tests" -ne 0 ] || [ "$checked" -ne 0 ]; then exit 1; fi
