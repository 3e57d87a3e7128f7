#!/usr/bin/env bash
# `npm test`: every tier, in order, stopping at the first failure: types, unit tests, model
# tests, stress tests (bounded in time; event-loop delay on big inputs), the remote engine against
# a real server, packaging (the default package, then one per platform, checked), a quick benchmark run, integration tests inside a real VS Code (code-server), and end-to-end tests
# through a real browser. Installs what is missing first. Prints a summary with timings.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
export ONNXRUNTIME_NODE_INSTALL=skip

names=()
times=()
results=()
run_started=$(date +%s)

summary() {
  echo
  echo "── npm test summary ──"
  local i
  for i in "${!names[@]}"; do
    printf '  %-4s %-18s %5ss\n' "${results[$i]}" "${names[$i]}" "${times[$i]}"
  done
  echo "  total $(( $(date +%s) - run_started ))s"
}

# step NAME COMMAND...: runs one stage, records its time and outcome, stops everything on failure.
step() {
  local name="$1"
  shift
  echo
  echo "══ $name: $* ══"
  local started status=0
  started=$(date +%s)
  "$@" || status=$?
  names+=("$name")
  times+=("$(( $(date +%s) - started ))")
  if [ "$status" -ne 0 ]; then
    results+=("FAIL")
    summary
    echo "npm test: '$name' failed (exit $status)" >&2
    exit "$status"
  fi
  results+=("ok")
}

step deps bash scripts/ensure-deps.sh
step typecheck npm run --silent typecheck
step compile:tests npm run --silent compile:tests
step test:unit npm run --silent test:unit
step test:model npm run --silent test:model
step test:stress npm run --silent test:stress
# The remote engine against a real OpenAI-compatible server (transformers serve, installed into .cache/ on first use).
step test:remote npm run --silent test:remote
step package npm run --silent package
# One .vsix per platform (only its own native binaries) and a universal one, from the build just made; then their contents.
step package:all node scripts/packageAll.mjs
step test:packages npx mocha --config test/.mocharc.packages.json
# The benchmark suite, few repetitions, on the worker just packaged: fails when the suite breaks
# (a crash, a missing figure), never on slow figures; its JSON goes to a temporary folder.
bench_out="$(mktemp -d)"
step bench:quick node bench/suite.mjs --quick --out "$bench_out/bench.json"
step test:webview npm run --silent test:webview
step test:integration npm run --silent test:integration
step test:e2e npm run --silent test:e2e
summary
