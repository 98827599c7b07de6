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
    last hour:   http://$listen/api/nodes/$node?window=1h
  The first report arrives within ${interval} s. Press Ctrl-C to stop both.

MSG
wait -n "$server_pid" "$agent_pid" || true
