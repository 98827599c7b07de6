#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and benchmarking kubemonitor needs.
# Idempotent and fast when everything is present (one dpkg-query, no apt-get). Only Debian's apt
# repositories are used; web assets come from the npm registry via their own lock files.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev          # Boost.Beast + Asio (header-only): HTTP of the server, agent and clients
  libsimdjson-dev           # parsing reports and API answers
  libyaml-cpp-dev           # kubeconfig files (src/kube)
  libssl-dev openssl        # TLS (server, https:// clients); tests make certificates with the openssl CLI
  libzstd-dev zlib1g-dev    # report compression (zstd; gzip accepted)
  libspdlog-dev libfmt-dev  # logging
  libcli11-dev              # command-line flags
  libgtest-dev libgmock-dev # tests
  libbenchmark-dev          # micro-benchmarks
  clang libclang-rt-14-dev  # libFuzzer targets (make test-fuzz)
  curl jq procps iproute2   # scripts and end-to-end tests
  shellcheck                # make test-deploy lints every script
  netdata-core              # the yardstick of the pods benchmark (make bench); never started as a service
  netdata-plugins-bash      # its cgroup naming helper: without it netdata charts no container
  chromium                  # the dashboard's browser tests (playwright-core drives it; npm's browsers cannot download here)
  clickhouse-server         # 18.16: the ClickHouse test fixture starts its own servers on free ports; never started as a service
  clickhouse-client         # clickhouse-client, for looking into those servers by hand
)

# The metrics.k8s.io test runs the real kubectl. Any kubectl on PATH will do (this machine has
# one); without one, Debian's kubernetes-client provides it.
if ! command -v kubectl >/dev/null 2>&1; then packages+=(kubernetes-client); fi
# npm installs the web assets below; any node/npm on PATH will do, else Debian's.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package index only when it is missing or older than a day.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    $SUDO apt-get update -qq
  fi
  # Packages that ship a daemon (netdata, clickhouse-server) must not start it: the benchmark and
  # the ClickHouse fixture run their own instances.
  policy=/usr/sbin/policy-rc.d
  added_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    added_policy=1
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ -n "$added_policy" ]; then $SUDO rm -f "$policy"; fi
  # Nor at boot: a system clickhouse-server would hold 8123/9000 for good (the fixture never uses them).
  if [[ " ${missing[*]} " == *" clickhouse-server "* ]] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now clickhouse-server.service >/dev/null 2>&1 || true
  fi
fi

# Web assets from the npm registry, pinned by lock files; reinstalled only when a lock file is
# newer than what is installed. --ignore-scripts: no install-time scripts (telemetry and the like).
source_dir=$(cd "$(dirname "$0")/.." && pwd)
# deploy/validate: the Kubernetes schemas make test-deploy validates the manifests against.
# web/dashboard: uPlot (embedded in the server) and the browser-test drivers (playwright-core, axe-core).
for web_dir in "$source_dir/web/api-docs" "$source_dir/web/dashboard" "$source_dir/deploy/validate"; do
  if [ ! -f "$web_dir/node_modules/.package-lock.json" ] ||
     [ "$web_dir/package-lock.json" -nt "$web_dir/node_modules/.package-lock.json" ]; then
    (cd "$web_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
done
