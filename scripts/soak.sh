#!/usr/bin/env bash
# Soak test (RELIABILITY.md §6): the dashboard in a pty against the simulator's soak scenario
# (assets/scenarios/soak.toml: 120 long tasks, 5xx / throttling / timeouts / HTML every 120 s)
# for SOAK_SECS (default 600; hours are fine), a key every SOAK_KEY_SECS, sampling RSS, file
# descriptors, threads, live tokio tasks and the request rate every SOAK_SAMPLE_SECS.
#
#   scripts/soak.sh                      10 minutes, release binary
#   SOAK_SECS=86400 scripts/soak.sh      a day
#   SOAK_PROFILE=debug scripts/soak.sh   skip the (slow) release build
#   SOAK_OUT=soak.md scripts/soak.sh     also append the Markdown report to soak.md
#
# Exits non-zero if the dashboard dies, panics, or does not quit cleanly at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${SOAK_PROFILE:-release}" == "release" ]]; then
  cargo build --release --bin oaswatch
  export SOAK_BIN="${SOAK_BIN:-target/release/oaswatch}"
else
  cargo build --bin oaswatch
  export SOAK_BIN="${SOAK_BIN:-target/debug/oaswatch}"
fi
# The harness itself needs no optimisation.
exec cargo run --quiet --example soak
