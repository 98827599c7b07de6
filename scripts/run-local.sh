#!/usr/bin/env bash
# make run: kubemonitor-server on 127.0.0.1:8080 (embedded storage in ./data) and
# kubemonitor-agent reading this host's /proc, pointed at it. Ctrl-C stops both.
set -euo pipefail
bin_dir=${1:-build/bin}
listen=${KUBEMONITOR_LISTEN:-127.0.0.1:8080}
data_dir=${KUBEMONITOR_DATA_DIR:-./data}
interval=${COLLECT_INTERVAL:-5}

"$bin_dir/kubemonitor-server" --listen "$listen" --data-dir "$data_dir" &
server_pid=$!
agent_pid=""
stop() {
  trap - INT TERM EXIT
  if [ -n "$agent_pid" ]; then kill -TERM "$agent_pid" 2>/dev/null || true; fi
  kill -TERM "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  echo "kubemonitor: stopped"
}
trap stop INT TERM EXIT

# Wait (bounded) until the server answers before starting the agent.
for _ in $(seq 1 100); do
  if curl -fsS "http://$listen/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then echo "kubemonitor-server exited; see the log above" >&2; exit 1; fi
  sleep 0.1
done

"$bin_dir/kubemonitor-agent" --server "http://$listen" --host-root / --interval "$interval" &
agent_pid=$!

node=$(hostname)
cat <<MSG

  kubemonitor is running.
    dashboard:   http://$listen/
    this node:   http://$listen/api/nodes/$node
  Waiting for the first report (within ${interval} s). Press Ctrl-C to stop both.
MSG

# The CLI line is worth trying only once there is something to show: wait (bounded) for the
# node's first report.
interval_whole=${interval%.*}
deadline=$((SECONDS + 3 * ${interval_whole:-0} + 10))
first_report=yes
while ! curl -fsS "http://$listen/api/nodes/$node" >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then first_report=""; break; fi
  if ! kill -0 "$agent_pid" 2>/dev/null; then echo "kubemonitor-agent exited; see the log above" >&2; exit 1; fi
  sleep 0.5
done
server_flag=""
if [ "$listen" != "127.0.0.1:8080" ]; then server_flag=" --server http://$listen"; fi
if [ -n "$first_report" ]; then echo; echo "  First report in. Try, in another terminal:"
else echo; echo "  No report from the agent yet (see its log above). Once there is one, try:"; fi
cat <<MSG
    $bin_dir/kubemonitor top pods -A$server_flag
    $bin_dir/kubemonitor top nodes --window 15m -w$server_flag
    last hour:   http://$listen/api/nodes/$node?window=1h

MSG
wait -n "$server_pid" "$agent_pid" || true
