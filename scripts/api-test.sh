#!/usr/bin/env bash
# Checks every route of DESIGN.md §3 against a running kubemonitor-server: status codes, content
# types and the contract's fields. Read-only except for ingest requests that must be refused
# (bad body, bad token), so it is safe against a production deployment.
#
#   scripts/api-test.sh [URL]           URL default: $KUBEMONITOR_URL or http://127.0.0.1:8080
#   environment: INGEST_TOKEN  the ingest token (enables the 400-with-a-valid-token check)
#                QUERY_TOKEN   sent as Bearer on every GET when the server has --query-token-file
#                VERBOSE=1     print each body that failed a check
# Prints one line per check and ends with "api-test: N passed, N failed"; exit 1 on any failure.
set -uo pipefail
url=${1:-${KUBEMONITOR_URL:-http://127.0.0.1:8080}}
url=${url%/}
for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "api-test: $tool not found" >&2; exit 2; }
done

passed=0
failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
body=$work/body
headers=$work/headers
status=""

ok() { passed=$((passed + 1)); echo "ok    $*"; }
bad() {
  failed=$((failed + 1)); echo "FAIL  $*"
  if [ "${VERBOSE:-0}" = 1 ] && [ -s "$body" ]; then head -c 600 "$body"; echo; fi
}

# request METHOD PATH [curl args...]: sets $status, the body in $body, the headers in $headers.
request() {
  local method=$1 path=$2
  shift 2
  local auth=()
  if [ "$method" = GET ] && [ -n "${QUERY_TOKEN:-}" ]; then auth=(-H "Authorization: Bearer $QUERY_TOKEN"); fi
  status=$(curl -sS -o "$body" -D "$headers" -w '%{http_code}' -X "$method" "${auth[@]}" "$@" \
    --max-time 20 "$url$path" 2>"$work/curl.err") || status="000 ($(cat "$work/curl.err"))"
}
# expect_status DESCRIPTION CODE...: passes when $status is one of the codes.
expect_status() {
  local what=$1 code
  shift
  for code in "$@"; do
    if [ "$status" = "$code" ]; then ok "$what → $status"; return 0; fi
  done
  bad "$what → $status, want $*"
  return 1
}
# expect_jq DESCRIPTION FILTER: passes when `jq -e FILTER` holds on the last body.
expect_jq() {
  if jq -e "$2" "$body" >/dev/null 2>&1; then ok "$1"; else bad "$1 (jq: $2)"; fi
}
# get PATH CODE...: GET and check the status, JSON content type and body on 2xx.
get() {
  local path=$1
  shift
  request GET "$path"
  expect_status "GET $path" "$@" || return 1
  if [[ "$status" == 2* ]] && ! jq -e . "$body" >/dev/null 2>&1; then bad "GET $path: body is not JSON"; return 1; fi
  return 0
}
urlencode() { jq -rn --arg v "$1" '$v|@uri'; }

# Fields every object kind carries (DESIGN §3), and those of each kind; `expect_fields` names the
# missing ones.
common='"name","timestamp","cpu_millicores","cpu_percent","memory_working_set_bytes","memory_rss_bytes",
  "memory_cache_bytes","memory_percent","network_rx_bytes_per_sec","network_tx_bytes_per_sec",
  "network_rx_bytes","network_tx_bytes","disk_read_bytes_per_sec","disk_write_bytes_per_sec",
  "disk_read_bytes","disk_write_bytes"'
node_fields="[$common,\"pod_count\",\"cpu_capacity_millicores\",\"memory_capacity_bytes\"]"
pod_fields="[$common,\"namespace\",\"node\",\"deployment\"]"
ns_fields="[$common,\"pod_count\"]"
deploy_fields="[$common,\"namespace\",\"pod_count\"]"
# expect_fields DESCRIPTION SELECTOR KIND FIELDS: every object SELECTOR yields has kind KIND and
# every field of the JSON array FIELDS.
expect_fields() {
  local missing
  missing=$(jq -r --arg kind "$3" "[$2 | (if .kind != \$kind then [\"kind=\" + (.kind|tostring)] else [] end)
    + ($4 - keys)] | add // [] | unique | join(\", \")" "$body" 2>&1)
  if [ -z "$missing" ]; then ok "$1"; else bad "$1: missing or wrong: $missing"; fi
}
series='(.window != null) and (.step != null) and (.points|type=="array")'
error_shape='(.error|type=="string") and (.message|type=="string")'

echo "api-test: $url"

# --- health and root ---------------------------------------------------------------------------
if get /health 200; then expect_jq "/health says ok" '.status=="ok"'; fi
request GET / -H 'Accept: application/json'
if expect_status "GET / (non-browser)" 200; then expect_jq "GET / answers health JSON" '.status=="ok"'; fi
request GET / -H 'Accept: text/html,application/xhtml+xml'
if expect_status "GET / (browser)" 200; then
  if grep -qi '^content-type: *text/html' "$headers"; then ok "GET / in a browser is the dashboard (text/html)"; else bad "GET / in a browser: not text/html"; fi
fi
request GET /ui/main.js
expect_status "GET /ui/main.js (the dashboard's script, embedded in the binary)" 200

# --- ingest: only requests that must be refused ------------------------------------------------
request POST /api/ingest -H 'Content-Type: application/json' -H 'Authorization: Bearer api-test-wrong-token' --data-binary '{}'
expect_status "POST /api/ingest with a wrong token (401 when the server has a token, else 400 for the body)" 401 400
if [ "$status" = 401 ]; then expect_jq "401 has the error shape" "$error_shape"; fi
if [ -n "${INGEST_TOKEN:-}" ]; then
  request POST /api/ingest -H 'Content-Type: application/json' -H "Authorization: Bearer $INGEST_TOKEN" --data-binary '{"schema":1}'
  if expect_status "POST /api/ingest, valid token, bad body" 400; then expect_jq "400 has the error shape" "$error_shape"; fi
fi
request GET /api/ingest
expect_status "GET /api/ingest (wrong method)" 405 404

# --- nodes ---------------------------------------------------------------------------------------
node=""
if get /api/nodes 200; then
  expect_jq "/api/nodes is {items:[...]} with at least one node" '(.items|type=="array") and (.items|length>0)'
  expect_fields "every node has the contract's fields" ".items[]" node "$node_fields"
  node=$(jq -r '.items[0].name // empty' "$body")
fi
if [ -n "$node" ]; then
  n=$(urlencode "$node")
  if get "/api/nodes/$n" 200; then expect_fields "/api/nodes/{node} is one node" . node "$node_fields"; fi
  if get "/api/nodes/$n?window=5m" 200; then expect_jq "?window=5m has window, step, points" "$series"; fi
  if get "/api/nodes/$n/timeseries?window=300" 200; then expect_jq "/timeseries?window=300 has points" "$series"; fi
  if get "/api/nodes/$n/pods" 200; then
    expect_jq "/api/nodes/{node}/pods lists pods of that node" "(.items|type==\"array\") and all(.items[]; .node==\"$node\")"
    expect_fields "pods of a node have the contract's fields" ".items[]" pod "$pod_fields"
  fi
  if get "/api/nodes/$n?window=bogus" 400; then expect_jq "a bad window is 400 with a message" "$error_shape"; fi
  get "/api/nodes/$n?window=5m&step=-1" 400
fi
if get /api/nodes/kubemonitor-api-test-no-such-node 404; then expect_jq "404 is {error:not_found,message}" '.error=="not_found" and (.message|type=="string")'; fi

# --- pods ----------------------------------------------------------------------------------------
pod="" pod_ns=""
if get /api/pods 200; then
  expect_jq "/api/pods is {items:[...]} with at least one pod" '(.items|type=="array") and (.items|length>0)'
  expect_fields "every pod has the contract's fields" ".items[]" pod "$pod_fields"
  pod=$(jq -r '.items[0].name // empty' "$body")
  pod_ns=$(jq -r '.items[0].namespace // empty' "$body")
  # A name used in two namespaces: without ?namespace= it must be 409 with the candidates.
  dup=$(jq -r '[.items[] | .name] | group_by(.) | map(select(length>1)) | .[0][0] // empty' "$body")
fi
if [ -n "$pod" ]; then
  p=$(urlencode "$pod") pns=$(urlencode "$pod_ns")
  if get "/api/pods/$p?namespace=$pns" 200; then
    expect_jq "/api/pods/{pod}?namespace= is that pod" ".name==\"$pod\" and .namespace==\"$pod_ns\""
    expect_fields "a pod has the contract's fields" . pod "$pod_fields"
  fi
  get "/api/pods/$p" 200 409
  if get "/api/pods/$p?namespace=$pns&window=5m" 200; then expect_jq "pod ?window=5m has points" "$series"; fi
  if get "/api/pods/$p/timeseries?namespace=$pns&window=5m" 200; then expect_jq "pod /timeseries has points" "$series"; fi
  get "/api/pods/$p?namespace=kubemonitor-api-test-no-such-namespace" 404
fi
if [ -n "${dup:-}" ]; then
  if get "/api/pods/$(urlencode "$dup")" 409; then expect_jq "409 names the candidate namespaces" "$error_shape"; fi
fi
get /api/pods/kubemonitor-api-test-no-such-pod 404

# --- namespaces ----------------------------------------------------------------------------------
ns=""
if get /api/namespaces 200; then
  expect_jq "/api/namespaces lists namespaces" '(.items|type=="array") and (.items|length>0)'
  expect_fields "every namespace has the contract's fields" ".items[]" namespace "$ns_fields"
  ns=$(jq -r '.items[0].name // empty' "$body")
fi
if [ -n "$ns" ]; then
  nse=$(urlencode "$ns")
  if get "/api/namespaces/$nse" 200; then expect_fields "/api/namespaces/{ns} is a namespace" . namespace "$ns_fields"; fi
  if get "/api/namespaces/$nse/pods" 200; then expect_jq "/api/namespaces/{ns}/pods are in that namespace" "all(.items[]; .kind==\"pod\" and .namespace==\"$ns\")"; fi
  if get "/api/namespaces/$nse?window=1h" 200; then expect_jq "namespace ?window=1h has points" "$series"; fi
  if get "/api/namespaces/$nse/timeseries?window=1h" 200; then expect_jq "namespace /timeseries has points" "$series"; fi
fi
get /api/namespaces/kubemonitor-api-test-no-such-namespace 404

# --- deployments ---------------------------------------------------------------------------------
dep="" dep_ns=""
if get /api/deployments 200; then
  expect_jq "/api/deployments lists deployments" '(.items|type=="array") and (.items|length>0)'
  expect_fields "every deployment has the contract's fields" ".items[]" deployment "$deploy_fields"
  dep=$(jq -r '.items[0].name // empty' "$body")
  dep_ns=$(jq -r '.items[0].namespace // empty' "$body")
fi
if [ -n "$dep" ]; then
  d=$(urlencode "$dep") dns=$(urlencode "$dep_ns")
  if get "/api/deployments/$d?namespace=$dns" 200; then
    expect_jq "/api/deployments/{d}?namespace= is that deployment" ".name==\"$dep\" and .namespace==\"$dep_ns\""
    expect_fields "a deployment has the contract's fields" . deployment "$deploy_fields"
  fi
  if get "/api/deployments/$d?namespace=$dns&window=5m" 200; then expect_jq "deployment ?window=5m has points" "$series"; fi
  if get "/api/deployments/$d/timeseries?namespace=$dns&window=5m" 200; then expect_jq "deployment /timeseries has points" "$series"; fi
  if get "/api/namespaces/$dns/deployments" 200; then expect_jq "/api/namespaces/{ns}/deployments are in that namespace" "all(.items[]; .kind==\"deployment\" and .namespace==\"$dep_ns\")"; fi
  if get "/api/namespaces/$dns/deployments/$d" 200; then expect_jq "/api/namespaces/{ns}/deployments/{d}" ".kind==\"deployment\" and .name==\"$dep\""; fi
  if get "/api/namespaces/$dns/deployments/$d/pods" 200; then expect_jq "…/deployments/{d}/pods belong to it" "all(.items[]; .kind==\"pod\" and .deployment==\"$dep\")"; fi
fi
get "/api/namespaces/kubemonitor-api-test-no-such-namespace/deployments/none" 404

# --- metrics.k8s.io view (kubectl top) ----------------------------------------------------------
if get /api 200; then expect_jq "/api is an APIVersions" '.kind=="APIVersions"'; fi
if get /apis 200; then expect_jq "/apis lists metrics.k8s.io" '[.groups[]?.name] | index("metrics.k8s.io") != null'; fi
get /api/v1/nodes 200
if get /apis/metrics.k8s.io/v1beta1 200; then expect_jq "metrics.k8s.io/v1beta1 has nodes and pods" '[.resources[]?.name] | (index("nodes") != null and index("pods") != null)'; fi
if get /apis/metrics.k8s.io/v1beta1/nodes 200; then expect_jq "NodeMetricsList with usage" '.kind=="NodeMetricsList" and all(.items[]; .usage.cpu and .usage.memory)'; fi
if [ -n "$node" ]; then get "/apis/metrics.k8s.io/v1beta1/nodes/$(urlencode "$node")" 200; fi
if get /apis/metrics.k8s.io/v1beta1/pods 200; then expect_jq "PodMetricsList with containers" '.kind=="PodMetricsList" and (.items|type=="array")'; fi
if [ -n "$pod_ns" ]; then get "/apis/metrics.k8s.io/v1beta1/namespaces/$(urlencode "$pod_ns")/pods" 200; fi

# --- OpenAPI and docs ----------------------------------------------------------------------------
if get /openapi.json 200; then
  expect_jq "OpenAPI 3 document" '.openapi|startswith("3")'
  for route in /api/ingest /health /api/nodes '/api/nodes/{node}' '/api/nodes/{node}/pods' /api/pods '/api/pods/{pod}' \
    /api/namespaces '/api/namespaces/{ns}' '/api/namespaces/{ns}/pods' /api/deployments '/api/deployments/{d}' \
    '/api/namespaces/{ns}/deployments'; do
    # Parameter names may differ ({name} vs {node}): compare with the braces' content blanked.
    # shellcheck disable=SC2001 # a regular expression, which ${var//…} has not
    blank=$(sed 's/{[^}]*}/{}/g' <<<"$route")
    expect_jq "openapi.json documents $route" "[.paths|keys[]|gsub(\"\\\\{[^}]*\\\\}\";\"{}\")] | index(\"$blank\") != null"
  done
fi
request GET /docs
if expect_status "GET /docs" 200; then
  if grep -qi '^content-type: *text/html' "$headers"; then ok "/docs is a page"; else bad "/docs is not text/html"; fi
fi

echo "api-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
