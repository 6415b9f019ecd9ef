#!/usr/bin/env bash
# Runs a fuzzer for a bounded time on a scratch copy of the seed
# corpus (the repository's corpus is never modified).
set -euo pipefail
bin=$1 seeds=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$seeds"/* "$work"/
"$bin" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$work" 2>&1 | tail -n 20
