// Agent reports (docs/report-format.md) built from a few numbers, so that tests and the benchmark
// know exactly what the server was told and can compare the dashboard against it.

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

// Usage fields a test may set (0 when it does not); the rest are derived or always 0.
const USAGE_FIELDS = ['cpu_millicores', 'cpu_usage_ns', 'cpu_periods', 'cpu_throttled_periods', 'cpu_throttled_ns',
  'cpu_throttled_periods_per_sec', 'cpu_throttled_ratio', 'cpu_throttled_seconds_per_sec', 'oom_kills',
  'disk_read_bytes', 'disk_write_bytes', 'disk_read_bytes_per_sec', 'disk_write_bytes_per_sec',
  'cpu_pressure_some_percent', 'memory_pressure_some_percent', 'io_pressure_some_percent'];

function cgroupUsage(u) {
  const usage = Object.fromEntries(USAGE_FIELDS.map((f) => [f, u[f] ?? 0]));
  // Byte counts are integers on the wire (the decoder refuses fractions).
  const ws = Math.round(u.memory_working_set_bytes ?? 0);
  return {
    ...usage,
    memory_usage_bytes: ws, memory_working_set_bytes: ws, memory_rss_bytes: ws, memory_cache_bytes: 0,
    memory_cgroup_limit_bytes: u.memory_limit_bytes ?? 0,
    memory_pressure_full_percent: 0, io_pressure_full_percent: 0,
  };
}

function resources(u) {
  return {
    cpu_request_millicores: u.cpu_request_millicores ?? 0,
    cpu_limit_millicores: u.cpu_limit_millicores ?? 0,
    memory_request_bytes: u.memory_request_bytes ?? 0,
    memory_limit_bytes: u.memory_limit_bytes ?? 0,
  };
}

// One pod: {name, namespace, deployment, uid, cpu_millicores, memory_working_set_bytes, ...}; its
// one container "app" carries the same usage.
export function pod(p) {
  const net = {
    network_rx_bytes: p.network_rx_bytes ?? 0, network_tx_bytes: p.network_tx_bytes ?? 0,
    network_rx_packets: 0, network_tx_packets: 0, network_rx_errors: 0, network_tx_errors: 0,
    network_rx_dropped: 0, network_tx_dropped: 0,
    network_rx_bytes_per_sec: p.network_rx_bytes_per_sec ?? 0,
    network_tx_bytes_per_sec: p.network_tx_bytes_per_sec ?? 0,
  };
  return {
    uid: p.uid ?? `uid-${p.namespace}-${p.name}`,
    name: p.name,
    namespace: p.namespace,
    deployment: p.deployment ?? '',
    workload_kind: p.deployment ? 'Deployment' : '',
    workload_name: p.deployment ?? '',
    qos_class: p.cpu_limit_millicores ? 'Burstable' : 'BestEffort',
    host_network: false,
    ...cgroupUsage(p),
    ...net,
    resources: resources(p),
    restarts: p.restarts ?? 0,
    containers: [{ name: 'app', id: `cid-${p.name}`, ...cgroupUsage(p), restarts: p.restarts ?? 0, resources: resources(p) }],
  };
}

// One node report at `timestampSeconds` (Unix, on the interval grid).
export function report({ node, timestampSeconds, intervalSeconds = 5, cpu_millicores = 500, cpus = 4, pods = [],
                         memory_working_set_bytes = 2 * GiB, memory_capacity_bytes = 16 * GiB,
                         network_rx_bytes_per_sec = 1000, network_tx_bytes_per_sec = 500,
                         disk_read_bytes_per_sec = 4096, disk_write_bytes_per_sec = 8192 }) {
  return {
    schema: 1,
    node,
    timestamp: new Date(timestampSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    interval_seconds: intervalSeconds,
    node_metrics: {
      cpu_millicores, cpu_capacity_millicores: cpus * 1000, cpu_count: cpus,
      memory_capacity_bytes, memory_working_set_bytes, memory_used_bytes: memory_working_set_bytes,
      memory_rss_bytes: memory_working_set_bytes, memory_cache_bytes: 256 * MiB, memory_buffers_bytes: 0,
      network_rx_bytes: 0, network_tx_bytes: 0, network_rx_bytes_per_sec, network_tx_bytes_per_sec,
      disk_read_bytes: 0, disk_write_bytes: 0, disk_read_bytes_per_sec, disk_write_bytes_per_sec,
      filesystem_capacity_bytes: 100 * GiB, filesystem_used_bytes: 40 * GiB, uptime_seconds: 3600,
    },
    pods: pods.map(pod),
  };
}

// POSTs one report; throws unless the server answers 202. A 503 (past the server's ingest
// capacity) is retried after its Retry-After, as the agent does, a bounded number of times.
export async function ingest(baseUrl, body, { attempts = 20 } = {}) {
  const text = JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${baseUrl}/api/ingest`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text });
    if (response.status === 202) return;
    const message = `ingest: ${response.status} ${await response.text()}`;
    if (response.status !== 503 || attempt >= attempts) throw new Error(message);
    const seconds = Number(response.headers.get('retry-after')) || 1;
    await new Promise((r) => setTimeout(r, seconds * 1000 * (0.5 + Math.random() / 2)));
  }
}

export { GiB, MiB };
