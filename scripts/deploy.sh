#!/usr/bin/env bash
# Deploys kubemonitor to the cluster of the current kubectl context:
#   1. builds the two images (docker or podman, when one of them works here),
#   2. loads them into minikube or kind when the context is one of those (else --registry pushes),
#   3. generates the ingest token once (scripts/gen-ingest-token.sh, deploy/kubernetes/base/
#      ingest-token; kept across deploys),
#   4. kubectl apply -k deploy/kubernetes, waits for both rollouts, prints the URL.
#
#   scripts/deploy.sh [--no-build] [--registry REG] [--timeout 5m]
#     --no-build      use images that already exist (in the cluster's runtime or a registry)
#     --registry REG  push to REG/kubemonitor-{agent,server}:TAG and deploy those names
#   environment: KUBECTL (default kubectl), IMAGE_TAG (default: the tag in
#                deploy/kubernetes/base/kustomization.yaml)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kubectl=${KUBECTL:-kubectl}
namespace=kubemonitor
build=1
registry=""
timeout=5m
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --registry) registry=${2:?--registry needs a value}; shift ;;
    --timeout) timeout=${2:?--timeout needs a value}; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "deploy: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "deploy: $*"; }
die() { echo "deploy: $*" >&2; exit 1; }

command -v "$kubectl" >/dev/null 2>&1 || die "kubectl not found (Debian: apt-get install kubernetes-client)"
context=$("$kubectl" config current-context 2>/dev/null) || die "no current kubectl context; point kubectl at a cluster first"
# The tag pinned in the kustomization is the one the manifests run.
tag=${IMAGE_TAG:-$(awk '/name: kubemonitor-agent$/ {found = 1} found && /newTag:/ {print $2; exit}' deploy/kubernetes/base/kustomization.yaml)}
[ -n "$tag" ] || die "cannot read the image tag from deploy/kubernetes/base/kustomization.yaml"
agent_image="${registry:+$registry/}kubemonitor/kubemonitor-agent:$tag"
server_image="${registry:+$registry/}kubemonitor/kubemonitor-server:$tag"
log "context $context, images $agent_image and $server_image"

# --- 1. images ----------------------------------------------------------------------------------
engine=""
for candidate in docker podman; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" info >/dev/null 2>&1; then engine=$candidate; break; fi
done
if [ "$build" = 1 ]; then
  if [ -z "$engine" ]; then
    log "no working docker or podman here: not building (the images must already be reachable by the cluster; --no-build silences this)"
  else
    for component in agent server; do
      image=$agent_image; [ "$component" = server ] && image=$server_image
      log "building $image with $engine (deploy/docker/Dockerfile.$component)"
      "$engine" build -f "deploy/docker/Dockerfile.$component" -t "$image" .
    done
  fi
fi

# --- 2. get the images to the nodes ---------------------------------------------------------------
if [ -n "$engine" ] && [ "$build" = 1 ]; then
  if [ -n "$registry" ]; then
    for image in "$agent_image" "$server_image"; do log "pushing $image"; "$engine" push "$image"; done
  elif [[ "$context" == minikube* ]] && command -v minikube >/dev/null 2>&1; then
    profile=${context#minikube}; profile=${profile#-}
    for image in "$agent_image" "$server_image"; do
      log "loading $image into minikube"
      minikube image load ${profile:+--profile "$profile"} "$image"
    done
  elif [[ "$context" == kind-* ]] && command -v kind >/dev/null 2>&1; then
    cluster=${context#kind-}
    for image in "$agent_image" "$server_image"; do
      log "loading $image into kind cluster $cluster"
      if [ "$engine" = docker ]; then
        kind load docker-image --name "$cluster" "$image"
      else
        archive=$(mktemp)
        podman save -o "$archive" "$image"
        kind load image-archive --name "$cluster" "$archive"
        rm -f "$archive"
      fi
    done
  else
    log "context $context is neither minikube nor kind: the nodes must pull the images (use --registry)"
  fi
fi

# --- 3. token, 4. apply ----------------------------------------------------------------------------
scripts/gen-ingest-token.sh
if [ -n "$registry" ]; then
  # A throw-away overlay that only renames the images; the base stays as committed.
  overlay=$(mktemp -d)
  trap 'rm -rf "$overlay"' EXIT
  cat >"$overlay/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$overlay" "$repo/deploy/kubernetes")
images:
  - name: kubemonitor/kubemonitor-agent
    newName: $registry/kubemonitor/kubemonitor-agent
    newTag: "$tag"
  - name: kubemonitor/kubemonitor-server
    newName: $registry/kubemonitor/kubemonitor-server
    newTag: "$tag"
YAML
  "$kubectl" apply -k "$overlay"
else
  "$kubectl" apply -k deploy/kubernetes
fi

log "waiting for the rollouts (up to $timeout each)"
"$kubectl" -n "$namespace" rollout status statefulset/kubemonitor-server --timeout="$timeout"
"$kubectl" -n "$namespace" rollout status daemonset/kubemonitor-agent --timeout="$timeout"

# --- URL -------------------------------------------------------------------------------------------
node_ip=""
if [[ "$context" == minikube* ]] && command -v minikube >/dev/null 2>&1; then
  profile=${context#minikube}; profile=${profile#-}
  node_ip=$(minikube ip ${profile:+--profile "$profile"} 2>/dev/null || true)
fi
if [ -z "$node_ip" ]; then
  node_ip=$("$kubectl" get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="ExternalIP")].address}' 2>/dev/null || true)
fi
if [ -z "$node_ip" ]; then
  node_ip=$("$kubectl" get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}' 2>/dev/null || true)
fi
cat <<MSG

  kubemonitor is deployed in namespace $namespace.
    dashboard and API:  http://${node_ip:-<node-ip>}:30080/      (NodePort 30080 on every node)
    in the cluster:     http://kubemonitor-server.$namespace.svc/
    without node access: $kubectl -n $namespace port-forward svc/kubemonitor-server 8080:80
                         then http://127.0.0.1:8080/
  Nodes appear within one interval (5 s): curl http://${node_ip:-<node-ip>}:30080/api/nodes
  Check every route: scripts/api-test.sh http://${node_ip:-<node-ip>}:30080

MSG
