#!/usr/bin/env bash
# The one build recipe: `make build` and both Dockerfiles (deploy/docker/) run this, so an image
# is built exactly the way CI builds. Installs what is missing (scripts/install-deps.sh), then
# configures and builds with CMake + Ninja.
#
#   scripts/build.sh [BUILD_DIR [BUILD_TYPE [extra cmake arguments...]]]
#     BUILD_DIR   default build        BUILD_TYPE   default Release
#   environment: JOBS (default: nproc), SKIP_DEPS=1 to skip the install step,
#                TARGETS="a b" to build only those targets (and what they need; `make run`)
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-build}
build_type=${2:-Release}
shift $(( $# > 2 ? 2 : $# ))
jobs=${JOBS:-$(nproc)}

if [ "${SKIP_DEPS:-0}" != "1" ]; then
  "$source_dir/scripts/install-deps.sh"
fi
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "$@"
if [ -n "${TARGETS:-}" ]; then
  read -r -a targets <<< "$TARGETS"
  cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"
else
  cmake --build "$build_dir" -j "$jobs"
fi
