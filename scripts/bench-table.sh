#!/usr/bin/env bash
# Runs the benchmarks docs/performance.md reports and prints their TABLE lines, in table order.
# For a quiet measurement, stop other work first (the first line of each bench prints the load).
# Usage: scripts/bench-table.sh [pipeline check duplicates lsp]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
export SHERPA_CORPUS="${SHERPA_CORPUS:-$(pwd)/../shared/corpus}"
benches=("$@")
[ ${#benches[@]} -eq 0 ] && benches=(pipeline check duplicates lsp)
out=$(mktemp -d)
for bench in "${benches[@]}"; do
    echo "== $bench ($(cut -d' ' -f1-3 /proc/loadavg) load)" >&2
    cargo bench --locked --bench "$bench" 2>/dev/null | tee "$out/$bench.log" | grep -E "^(machine|TABLE)" >&2 || true
done
echo
for bench in "${benches[@]}"; do
    grep '^TABLE' "$out/$bench.log" || true
done
echo "(full logs in $out)"
