#!/usr/bin/env bash
# Runs `make <stage>` for each stage named on the command line, in order, and prints how long each
# took (a table at the end, also when a stage fails), so that the cost of a growing suite is seen
# on every run: make test must stay well inside CI's time limit on a 2-core machine.
# Usage: scripts/timed-stages.sh test-release test-deploy ...
set -uo pipefail

declare -a names=() seconds=() results=()
status=0
for stage in "$@"; do
  started=$(date +%s)
  if make --no-print-directory "$stage"; then result=ok; else result=FAILED; status=1; fi
  names+=("$stage")
  seconds+=($(($(date +%s) - started)))
  results+=("$result")
  [[ $status -ne 0 ]] && break
done

total=0
printf '\n%-16s %9s  %s\n' "stage" "seconds" "result"
for i in "${!names[@]}"; do
  printf '%-16s %9d  %s\n' "${names[$i]}" "${seconds[$i]}" "${results[$i]}"
  total=$((total + seconds[i]))
done
printf '%-16s %9d  (%d min)\n' "total" "$total" $((total / 60))
exit $status
