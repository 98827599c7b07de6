#!/usr/bin/env bash
# Writes a fresh random ingest token for the kustomize secretGenerator (deploy/kubernetes/base/
# kustomization.yaml). The file is git-ignored: every installation has its own token.
#
#   scripts/gen-ingest-token.sh [FILE]      default: deploy/kubernetes/base/ingest-token
#   --force   replace an existing token (rotation; docs/operations.md)
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
force=0
file=""
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) file=$arg ;;
  esac
done
file=${file:-$source_dir/deploy/kubernetes/base/ingest-token}

if [ -s "$file" ] && [ "$force" != "1" ]; then
  echo "gen-ingest-token: $file exists; keeping it (--force replaces it)"
  exit 0
fi
# 32 random bytes as 64 hex characters: no characters that need quoting in a header or a file.
umask 077
tmp="$file.tmp.$$"
od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$tmp"
mv -f "$tmp" "$file"
echo "gen-ingest-token: wrote a new token to $file"
