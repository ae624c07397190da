#!/usr/bin/env bash
# The whole test suite: the Rust tests (unit, CLI, corpus, language server), then the real-editor
# tests when their driver exists (each editor test installs what it can and skips visibly otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --locked
# Benchmarks are not run here (they report, they do not judge), but they must keep compiling.
cargo check --locked --benches

if [ -x editors/test/run-all.sh ]; then
    editors/test/run-all.sh
fi
