#!/usr/bin/env bash
# The classic load scenarios against a deployed kubemonitor: a CPU stress pod, a dd disk-writer
# pod, an iperf3 server and client; reads the API before and after and prints what moved.
# Everything runs in its own namespace (kubemonitor-load), removed at the end unless --keep.
#
#   scripts/load-test.sh [--url URL] [--duration SECONDS] [--keep]
#     --url URL        kubemonitor API (default $KUBEMONITOR_URL; else a kubectl port-forward
#                      to svc/kubemonitor-server is opened for the run)
#     --duration S     how long the load runs once every pod is Ready (default 60)
#     --keep           leave the load namespace in place
#   environment: KUBECTL, QUERY_TOKEN, STRESS_IMAGE, BUSYBOX_IMAGE, IPERF_IMAGE (see below)
set -euo pipefail
kubectl=${KUBECTL:-kubectl}
url=${KUBEMONITOR_URL:-}
duration=60
keep=0
load_ns=kubemonitor-load
# Public images; override for an air-gapped cluster (any image with the same commands works).
stress_image=${STRESS_IMAGE:-polinux/stress:1.0.4}
busybox_image=${BUSYBOX_IMAGE:-busybox:1.36.1}
iperf_image=${IPERF_IMAGE:-networkstatic/iperf3:latest}
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url=${2:?--url needs a value}; shift ;;
    --duration) duration=${2:?--duration needs a value}; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "load-test: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in "$kubectl" curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "load-test: $tool not found" >&2; exit 2; }
done

work=$(mktemp -d)
forward_pid=""
cleanup() {
  if [ -n "$forward_pid" ]; then kill "$forward_pid" 2>/dev/null || true; fi
  if [ "$keep" != 1 ]; then
    echo "load-test: deleting namespace $load_ns"
    "$kubectl" delete namespace "$load_ns" --ignore-not-found --wait=false >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$url" ]; then
  port=$((20000 + RANDOM % 20000))
  "$kubectl" -n kubemonitor port-forward svc/kubemonitor-server "$port:80" >"$work/port-forward.log" 2>&1 &
  forward_pid=$!
  url=http://127.0.0.1:$port
  for _ in $(seq 1 50); do curl -fsS "$url/health" >/dev/null 2>&1 && break; sleep 0.2; done
fi
url=${url%/}
curl -fsS "$url/health" >/dev/null || { echo "load-test: $url/health does not answer" >&2; exit 1; }
echo "load-test: API $url, load for ${duration}s in namespace $load_ns"

api() {  # api PATH → the JSON body, or {"unavailable": STATUS} when the route does not answer 200
  local auth=() code
  if [ -n "${QUERY_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $QUERY_TOKEN"); fi
  code=$(curl -sS -o "$work/api.body" -w '%{http_code}' "${auth[@]}" --max-time 20 "$url$1" || echo 000)
  if [ "$code" = 200 ]; then cat "$work/api.body"; else echo "{\"unavailable\":\"$code\"}"; fi
}
snapshot() {  # snapshot NAME: every view the load should move
  jq -n --argjson nodes "$(api /api/nodes)" \
        --argjson namespace "$(api "/api/namespaces/$load_ns")" \
        --argjson deployments "$(api "/api/namespaces/$load_ns/deployments")" \
        --argjson pods "$(api "/api/namespaces/$load_ns/pods")" \
        '{nodes: $nodes, namespace: $namespace, deployments: $deployments, pods: $pods}' >"$work/$1.json"
}

snapshot before

# --- the load -------------------------------------------------------------------------------------
"$kubectl" create namespace "$load_ns" --dry-run=client -o yaml | "$kubectl" apply -f - >/dev/null
"$kubectl" -n "$load_ns" apply -f - <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: stress-cpu, labels: {app: stress-cpu}}
spec:
  replicas: 1
  selector: {matchLabels: {app: stress-cpu}}
  template:
    metadata: {labels: {app: stress-cpu}}
    spec:
      containers:
        - name: stress
          image: $stress_image
          command: ["stress", "--cpu", "1", "--vm", "1", "--vm-bytes", "128M", "--timeout", "3600s"]
          resources:
            requests: {cpu: 250m, memory: 160Mi}
            limits: {cpu: 500m, memory: 256Mi}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dd-disk, labels: {app: dd-disk}}
spec:
  replicas: 1
  selector: {matchLabels: {app: dd-disk}}
  template:
    metadata: {labels: {app: dd-disk}}
    spec:
      containers:
        - name: dd
          image: $busybox_image
          # 256 MiB written and synced, read back, removed; again. conv=fsync puts it on the disk.
          command: ["sh", "-c", "while true; do dd if=/dev/zero of=/scratch/f bs=1M count=256 conv=fsync 2>/dev/null; dd if=/scratch/f of=/dev/null bs=1M 2>/dev/null; rm -f /scratch/f; done"]
          resources:
            requests: {cpu: 50m, memory: 32Mi}
            limits: {cpu: 500m, memory: 64Mi}
          volumeMounts: [{name: scratch, mountPath: /scratch}]
      volumes: [{name: scratch, emptyDir: {sizeLimit: 512Mi}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: iperf3-server, labels: {app: iperf3-server}}
spec:
  replicas: 1
  selector: {matchLabels: {app: iperf3-server}}
  template:
    metadata: {labels: {app: iperf3-server}}
    spec:
      containers:
        - name: iperf3
          image: $iperf_image
          command: ["iperf3", "-s"]
          ports: [{containerPort: 5201}]
          resources:
            requests: {cpu: 50m, memory: 32Mi}
            limits: {cpu: 500m, memory: 128Mi}
---
apiVersion: v1
kind: Service
metadata: {name: iperf3-server}
spec:
  selector: {app: iperf3-server}
  ports: [{port: 5201, targetPort: 5201}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: iperf3-client, labels: {app: iperf3-client}}
spec:
  replicas: 1
  selector: {matchLabels: {app: iperf3-client}}
  template:
    metadata: {labels: {app: iperf3-client}}
    spec:
      containers:
        - name: iperf3
          image: $iperf_image
          # 100 Mbit/s for a minute at a time, until the namespace goes.
          command: ["sh", "-c", "while true; do iperf3 -c iperf3-server -b 100M -t 60 >/dev/null 2>&1 || sleep 2; done"]
          resources:
            requests: {cpu: 50m, memory: 32Mi}
            limits: {cpu: 500m, memory: 128Mi}
YAML
echo "load-test: waiting for the load pods"
for d in stress-cpu dd-disk iperf3-server iperf3-client; do
  "$kubectl" -n "$load_ns" rollout status "deployment/$d" --timeout=5m
done
echo "load-test: loading for ${duration}s"
sleep "$duration"
snapshot after

# --- what moved ----------------------------------------------------------------------------------
jq -r -n --slurpfile b "$work/before.json" --slurpfile a "$work/after.json" '
  def mib: . / 1048576 | . * 10 | round / 10;
  def f(x): if x == null then "n/a" else (x | tostring) end;
  def row(name; b; a; scale):
    [name, f(b | if . == null then null else scale end), f(a | if . == null then null else scale end),
     (if a == null or b == null then "n/a" else ((a - b) | scale | tostring) end)] | @tsv;
  ($b[0]) as $B | ($a[0]) as $A |
  "== nodes (before → after, Δ)",
  (($A.nodes.items // [])[] as $n
   | (($B.nodes.items // []) | map(select(.name == $n.name)) | .[0]) as $o
   | "-- \($n.name)",
     row("cpu_millicores"; $o.cpu_millicores; $n.cpu_millicores; round),
     row("memory_working_set_MiB"; $o.memory_working_set_bytes; $n.memory_working_set_bytes; mib),
     row("network_rx_MiB_per_sec"; $o.network_rx_bytes_per_sec; $n.network_rx_bytes_per_sec; mib),
     row("network_tx_MiB_per_sec"; $o.network_tx_bytes_per_sec; $n.network_tx_bytes_per_sec; mib),
     row("disk_write_MiB_per_sec"; $o.disk_write_bytes_per_sec; $n.disk_write_bytes_per_sec; mib),
     row("disk_read_MiB_per_sec"; $o.disk_read_bytes_per_sec; $n.disk_read_bytes_per_sec; mib)),
  (if $A.nodes.unavailable then "GET /api/nodes: \($A.nodes.unavailable)" else empty end),
  "== namespace kubemonitor-load (after)",
  (if $A.namespace.unavailable then "GET /api/namespaces/kubemonitor-load: \($A.namespace.unavailable)"
   else "cpu_millicores=\($A.namespace.cpu_millicores|round) memory_working_set_MiB=\($A.namespace.memory_working_set_bytes|mib) pod_count=\($A.namespace.pod_count)" end),
  "== deployments (after): cpu_millicores, working set MiB, net rx/tx MiB/s, disk write MiB/s",
  (if $A.deployments.unavailable then "GET /api/namespaces/kubemonitor-load/deployments: \($A.deployments.unavailable)"
   else ($A.deployments.items[] | [.name, (.cpu_millicores|round), (.memory_working_set_bytes|mib),
          (.network_rx_bytes_per_sec|mib), (.network_tx_bytes_per_sec|mib), (.disk_write_bytes_per_sec|mib)] | @tsv) end)
' | column -t -s $'\t'

cat <<'EXPECT'

What to expect: stress-cpu near its 500m limit (cpu_percent of limit ~100) and ~128 MiB working
set; dd-disk tens of MiB/s of disk writes; iperf3-client tx and iperf3-server rx ~12 MiB/s
(100 Mbit/s); the node's figures up by about the sum. n/a = the route is not answering yet.
EXPECT
