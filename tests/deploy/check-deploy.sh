#!/usr/bin/env bash
# make test-deploy: the deployment artefacts hold together, offline (kubectl, node and shellcheck
# are local; the schemas come from the pinned npm package in deploy/validate/).
#   1. `kubectl kustomize deploy/kubernetes` renders (with a throw-away ingest token in
#      deploy/kubernetes/base/ingest-token), exactly as its base deploy/kubernetes/base does, and so
#      does the ClickHouse overlay deploy/kubernetes/overlays/clickhouse (with a throw-away
#      clickhouse-url too); neither renders without its generated/operator-written file;
#   2. every object of both validates against the Kubernetes schemas and the project's rules
#      (tests/deploy/validate-manifests.cjs: RBAC read-only, host mounts read-only, limits, images
#      pinned, flags and env vars known to the binaries in BIN_DIR, ...);
#   3. no ingest token and no ClickHouse URL is committed (nor in a docker build context);
#   4. shellcheck and bash -n on every script;
#   5. deploy/docker/Dockerfile.* have not drifted from scripts/build.sh and from the shared
#      libraries the built binaries link (ldd → dpkg -S → Debian package).
#
#   tests/deploy/check-deploy.sh [BIN_DIR]        default: build/bin
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin_dir=$(cd "${1:-$repo/build/bin}" && pwd)
cd "$repo"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok    $*"; }
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in kubectl node shellcheck objdump dpkg; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-deploy: $tool not found; run scripts/install-deps.sh" >&2
    exit 1
  fi
done
if [ ! -d deploy/validate/node_modules/kubernetes-models ]; then
  echo "check-deploy: deploy/validate/node_modules missing; run scripts/install-deps.sh (npm ci)" >&2
  exit 1
fi

# --- 1. render ---------------------------------------------------------------------------------
# A copy of deploy/kubernetes (the wrapper, base/ and overlays/) with a generated token, as
# scripts/deploy.sh does; the tree stays untouched.
cp -r deploy/kubernetes "$work/kubernetes"
base=$work/kubernetes/base
overlay=$work/kubernetes/overlays/clickhouse
rm -f "$base/ingest-token" "$overlay/clickhouse-url"
scripts/gen-ingest-token.sh "$base/ingest-token" >/dev/null
if kubectl kustomize "$work/kubernetes" >"$work/rendered.yaml" 2>"$work/kustomize.err"; then
  pass "kubectl kustomize deploy/kubernetes renders ($(grep -c '^kind:' "$work/rendered.yaml") objects)"
else
  fail "kubectl kustomize deploy/kubernetes: $(cat "$work/kustomize.err")"
fi
# deploy/kubernetes is only a wrapper: it must add nothing to the base the overlays build on.
if kubectl kustomize "$base" >"$work/rendered-base.yaml" 2>"$work/kustomize-base.err" &&
   cmp -s "$work/rendered.yaml" "$work/rendered-base.yaml"; then
  pass "deploy/kubernetes renders exactly deploy/kubernetes/base"
else
  fail "deploy/kubernetes and deploy/kubernetes/base render differently (the wrapper must be resources: [base] only) $(cat "$work/kustomize-base.err")"
fi

# The ClickHouse overlay, laid out as in the tree (it uses ../../base), with the throw-away token
# and a throw-away URL (a password in it, as an operator's would have).
printf %s 'clickhouse://clickhouse-0.invalid:8123,clickhouse-1.invalid:8123/kubemonitor?cluster=kubemonitor&user=kubemonitor&password=throw-away' \
  >"$overlay/clickhouse-url"
if kubectl kustomize "$overlay" >"$work/rendered-clickhouse.yaml" 2>"$work/kustomize-clickhouse.err"; then
  pass "kubectl kustomize deploy/kubernetes/overlays/clickhouse renders ($(grep -c '^kind:' "$work/rendered-clickhouse.yaml") objects)"
else
  fail "kubectl kustomize deploy/kubernetes/overlays/clickhouse: $(cat "$work/kustomize-clickhouse.err")"
fi
# Without the operator's URL file it must refuse rather than ship a default (or a committed) URL.
rm -f "$overlay/clickhouse-url"
if kubectl kustomize "$overlay" >/dev/null 2>&1; then
  fail "deploy/kubernetes/overlays/clickhouse renders without a clickhouse-url file (a fixed URL would ship)"
else
  pass "deploy/kubernetes/overlays/clickhouse needs an operator-written clickhouse-url file"
fi
# Without a generated token the base (and so the wrapper) must refuse to render rather than ship a
# default one.
rm -f "$base/ingest-token"
if kubectl kustomize "$work/kubernetes" >/dev/null 2>&1 || kubectl kustomize "$base" >/dev/null 2>&1; then
  fail "deploy/kubernetes renders without a generated ingest token (a fixed token would ship)"
else
  pass "deploy/kubernetes needs a generated ingest token (scripts/gen-ingest-token.sh)"
fi

# --- 2. schemas and project rules --------------------------------------------------------------
if [ -s "$work/rendered.yaml" ]; then
  if node tests/deploy/validate-manifests.cjs "$work/rendered.yaml" "$bin_dir" >"$work/validate.out" 2>&1; then
    grep '^WARN' "$work/validate.out" || true
    pass "$(tail -n 1 "$work/validate.out")"
  else
    cat "$work/validate.out"
    fail "manifests: schema or project rules (see FAIL lines above)"
  fi
fi
if [ -s "$work/rendered-clickhouse.yaml" ]; then
  if node tests/deploy/validate-manifests.cjs "$work/rendered-clickhouse.yaml" "$bin_dir" >"$work/validate-clickhouse.out" 2>&1; then
    grep '^WARN' "$work/validate-clickhouse.out" || true
    pass "overlays/clickhouse: $(tail -n 1 "$work/validate-clickhouse.out")"
  else
    cat "$work/validate-clickhouse.out"
    fail "overlays/clickhouse manifests: schema or project rules (see FAIL lines above)"
  fi
  # The overlay pins the server image itself (the base's images: does not reach its Deployment).
  server_images() { grep -E '^ +image: .*kubemonitor-server' "$1" | awk '{print $2}' | sort -u | xargs; }
  if [ -s "$work/rendered.yaml" ] && [ "$(server_images "$work/rendered.yaml")" = "$(server_images "$work/rendered-clickhouse.yaml")" ]; then
    pass "overlays/clickhouse runs the base's server image ($(server_images "$work/rendered.yaml"))"
  else
    fail "overlays/clickhouse server image [$(server_images "$work/rendered-clickhouse.yaml")] differs from the base's [$(server_images "$work/rendered.yaml")]: update images: in both"
  fi
fi

# --- 3. no committed token ---------------------------------------------------------------------
token_file=deploy/kubernetes/base/ingest-token
if [ -n "$(git ls-files "$token_file" 2>/dev/null)" ]; then
  fail "$token_file is committed: remove it from git and rotate the token"
elif ! git check-ignore -q --no-index "$token_file"; then
  fail "$token_file is not git-ignored (deploy/kubernetes/base/.gitignore)"
elif grep -q 'literals:' deploy/kubernetes/kustomization.yaml deploy/kubernetes/base/kustomization.yaml; then
  fail "deploy/kubernetes/{,base/}kustomization.yaml has secretGenerator literals: tokens come from a generated file"
elif ! grep -qxF "$token_file" deploy/docker/Dockerfile.agent.dockerignore || ! grep -qxF "$token_file" deploy/docker/Dockerfile.server.dockerignore; then
  fail "deploy/docker/Dockerfile.*.dockerignore must exclude $token_file"
else
  pass "no ingest token in git or in a docker build context"
fi
# The ClickHouse URL may carry a password: git-ignored, never committed, never in an image's context.
url_file=deploy/kubernetes/overlays/clickhouse/clickhouse-url
if [ -n "$(git ls-files "$url_file" 2>/dev/null)" ]; then
  fail "$url_file is committed: remove it from git and change the ClickHouse password"
elif ! git check-ignore -q --no-index "$url_file"; then
  fail "$url_file is not git-ignored (deploy/kubernetes/overlays/clickhouse/.gitignore)"
elif grep -q 'literals:' deploy/kubernetes/overlays/clickhouse/kustomization.yaml; then
  fail "deploy/kubernetes/overlays/clickhouse/kustomization.yaml has secretGenerator literals: the URL comes from the operator's file"
elif ! grep -qxF "$url_file" deploy/docker/Dockerfile.agent.dockerignore || ! grep -qxF "$url_file" deploy/docker/Dockerfile.server.dockerignore; then
  fail "deploy/docker/Dockerfile.*.dockerignore must exclude $url_file"
else
  pass "no ClickHouse URL in git or in a docker build context"
fi

# --- 4. scripts ---------------------------------------------------------------------------------
scripts=(scripts/*.sh tests/deploy/*.sh .ci/run)
for script in "${scripts[@]}"; do
  if ! bash -n "$script" 2>"$work/bash-n.err"; then
    fail "bash -n $script: $(cat "$work/bash-n.err")"
  elif ! shellcheck -x "$script" >"$work/shellcheck.out" 2>&1; then
    cat "$work/shellcheck.out"
    fail "shellcheck $script"
  else
    pass "bash -n + shellcheck $script"
  fi
done

# --- 5. Dockerfiles vs the build script and the binaries ---------------------------------------
# The Debian packages that provide the libraries a binary links directly (its DT_NEEDED entries).
needed_packages() {
  local binary=$1 soname lib pkg
  for soname in $(objdump -p "$binary" | awk '$1 == "NEEDED" {print $2}'); do
    lib=$(ldd "$binary" | awk -v s="$soname" '$1 == s {print $3}')
    if [ -z "$lib" ] || [ ! -e "$lib" ]; then echo "?$soname"; continue; fi
    # usrmerge: dpkg knows a file under /lib or /usr/lib, whichever its package shipped.
    pkg=$( { dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true; } | head -n 1 | cut -d: -f1)
    echo "${pkg:-?$soname}"
  done | sort -u
}
arg_value() {  # ARG NAME="a b c" in a Dockerfile → a b c, one per line, sorted
  sed -n "s/^ARG $2=\"\(.*\)\"$/\1/p" "$1" | tr ' ' '\n' | sed '/^$/d' | sort -u
}

for component in agent server; do
  dockerfile=deploy/docker/Dockerfile.$component
  binary=kubemonitor-$component
  if [ ! -f "$dockerfile" ]; then fail "$dockerfile missing"; continue; fi
  problems=()
  froms=$(grep -cE '^FROM ' "$dockerfile")
  [ "$froms" -ge 2 ] || problems+=("not multi-stage ($froms FROM lines)")
  if grep -E '^FROM ' "$dockerfile" | grep -vqE '^FROM debian:12(-slim)?(@sha256:[0-9a-f]{64})?( AS [a-z]+)?$'; then
    problems+=("every stage must be FROM debian:12 or debian:12-slim")
  fi
  # The build stage runs scripts/build.sh (what `make build` runs) into a build dir …
  build_line=$(grep -E '^RUN scripts/build\.sh ' "$dockerfile" || true)
  build_dir=$(awk '{print $3}' <<<"$build_line")
  [ -n "$build_line" ] || problems+=("the build stage must RUN scripts/build.sh (the recipe make build uses)")
  grep -qE 'scripts/build\.sh' Makefile || problems+=("the Makefile's build target no longer calls scripts/build.sh")
  # … and the final stage copies that build dir's bin/<binary> (CMake's runtime output dir).
  # shellcheck disable=SC2016 # a literal CMake expression
  grep -q 'CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin' CMakeLists.txt ||
    problems+=("CMakeLists.txt no longer puts binaries in <build>/bin")
  grep -qE "^COPY --from=build /src/$build_dir/bin/$binary /usr/local/bin/$binary\$" "$dockerfile" ||
    problems+=("must COPY --from=build /src/$build_dir/bin/$binary /usr/local/bin/$binary")
  grep -qE '^HEALTHCHECK ' "$dockerfile" || problems+=("no HEALTHCHECK")
  grep -qE 'apt-get install .*\$\{LIB_PACKAGES\}' "$dockerfile" || problems+=("the final stage must apt-get install \${LIB_PACKAGES}")
  if [ "$component" = server ]; then
    user=$(awk '$1 == "USER" {u = $2} END {print u}' "$dockerfile")
    case "${user%%:*}" in ""|0|root) problems+=("the server image must end with a non-root USER") ;; esac
  fi
  if [ ! -x "$bin_dir/$binary" ]; then
    problems+=("$bin_dir/$binary not built (make build)")
  else
    want=$(needed_packages "$bin_dir/$binary")
    have=$(arg_value "$dockerfile" LIB_PACKAGES)
    if [ "$want" != "$have" ]; then
      problems+=("LIB_PACKAGES must be exactly the packages of ldd $binary: want [$(echo "$want" | xargs)] has [$(echo "$have" | xargs)]")
    fi
    # The image must be able to run what the manifests run: ENTRYPOINT is the binary.
    grep -qE "^ENTRYPOINT \[\"/usr/local/bin/$binary\"\]" "$dockerfile" || problems+=("ENTRYPOINT must be /usr/local/bin/$binary")
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    pass "$dockerfile matches scripts/build.sh and ldd of $binary"
  else
    for p in "${problems[@]}"; do fail "$dockerfile: $p"; done
  fi
done
# The agent's footprint (issue 18): its HTTP is Boost.Beast over OpenSSL; libcurl and the TLS and
# Kerberos libraries it drags in (7.5-9.5 MiB of RSS) must not come back through a dependency.
if [ -x "$bin_dir/kubemonitor-agent" ] && ldd "$bin_dir/kubemonitor-agent" | grep -qE 'libcurl|libgnutls|libkrb5'; then
  fail "kubemonitor-agent links libcurl, gnutls or krb5: $(ldd "$bin_dir/kubemonitor-agent" | grep -oE 'lib(curl|gnutls|krb5)[^ ]*' | xargs)"
else
  pass "kubemonitor-agent links no libcurl, gnutls or krb5"
fi
# The exec probe of the DaemonSet runs this path inside the image.
if grep -q -- '- /usr/local/bin/kubemonitor-agent' deploy/kubernetes/base/agent-daemonset.yaml; then
  pass "the DaemonSet probes the binary where Dockerfile.agent puts it"
else
  fail "deploy/kubernetes/base/agent-daemonset.yaml must run /usr/local/bin/kubemonitor-agent in its probe"
fi

echo "test-deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
