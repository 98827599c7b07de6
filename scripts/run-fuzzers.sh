#!/usr/bin/env bash
# Runs every libFuzzer target in <build-dir>/fuzz for a bounded time, seeded from
# tests/fuzz/corpus/<name> when that exists. New corpus entries and crash artifacts go to a temp
# directory, never into the source tree. Exit status: non-zero when any fuzzer found a crash.
# Usage: scripts/run-fuzzers.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail
build_dir=${1:?usage: run-fuzzers.sh BUILD_DIR [SECONDS]}
seconds=${2:-${FUZZ_SECONDS:-20}}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/kubemonitor-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT

status=0
for fuzzer in "$build_dir"/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  seeds="$source_dir/tests/fuzz/corpus/${name#fuzz_}"
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  args=("$work/$name/corpus")
  [ -d "$seeds" ] && args+=("$seeds")
  echo "fuzz: $name for ${seconds}s"
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$work/$name/artifacts/" -print_final_stats=1 "${args[@]}" >"$work/$name/log" 2>&1; then
    echo "fuzz: $name FAILED; its log:" >&2
    tail -60 "$work/$name/log" >&2
    for artifact in "$work/$name"/artifacts/*; do
      [ -f "$artifact" ] && echo "  input (base64): $(base64 -w0 "$artifact" | head -c 4000)" >&2
    done
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$name/log" | sed "s/^/  $name /"
  fi
done
exit $status
