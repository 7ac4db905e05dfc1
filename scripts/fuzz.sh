#!/usr/bin/env bash
# Long runs of the fuzz targets and property tests (RELIABILITY.md §5).
#
# The same properties `cargo test` runs for a few hundred cases, run for many more:
#   tests/rel_fuzz.rs   both providers' parsers (bytes, mutated and damaged official examples,
#                       the JSON nested in task_result), error classifiers, Retry-After/TimeLeft,
#                       task references, the sanitiser
#   tests/rel_props.rs  App::update + rendering over random sessions
#   src/sanitize.rs, src/domain/task_ref.rs, src/analysis/*  the crate's own proptests
#
# Environment:
#   PROPTEST_CASES   cases per parser/sanitiser target (default 100000)
#   APP_CASES        cases of the App session property (default PROPTEST_CASES / 50)
#   FUZZ_RELEASE=1   build the tests optimised (slower to build, much faster to run)
#
# Prints one line per test binary and a summary; exits non-zero on the first failure, leaving
# proptest's minimal failing input in the output and its seed in *.proptest-regressions.
set -euo pipefail
cd "$(dirname "$0")/.."

CASES="${PROPTEST_CASES:-100000}"
APP_CASES="${APP_CASES:-$((CASES / 50))}"
PROFILE=()
if [[ "${FUZZ_RELEASE:-0}" == "1" ]]; then PROFILE=(--release); fi

run() {
  local label="$1" cases="$2"; shift 2
  local start log
  start=$(date +%s)
  log=$(mktemp)
  if ! PROPTEST_CASES="$cases" cargo test "${PROFILE[@]}" "$@" >"$log" 2>&1; then
    grep -E '^test |test result|minimal failing|Test failed|panicked' -A20 "$log" || cat "$log"
    rm -f "$log"
    echo "FAILED: $label"
    exit 1
  fi
  grep -E '^test .* ok$|test result' "$log" | grep -v 'ignored; 0 measured; [0-9]* filtered out; finished in 0.00s' || true
  rm -f "$log"
  echo "== $label: $cases cases per property, $(( $(date +%s) - start )) s"
}

begin=$(date +%s)
echo "oaswatch fuzz run $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
run "parsers, classifiers, references, sanitiser (tests/rel_fuzz.rs)" "$CASES" --test rel_fuzz -- --test-threads 2
run "crate proptests (sanitize, task_ref, analysis)" "$CASES" --lib -- sanitize:: task_ref analysis:: --test-threads 2
run "App::update + render sessions (tests/rel_props.rs)" "$APP_CASES" --test rel_props
echo "== all properties held; total $(( $(date +%s) - begin )) s"
