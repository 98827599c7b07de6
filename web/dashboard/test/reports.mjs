// Agent reports (docs/report-format.md) built from a few numbers, so that tests and the benchmark
// know exactly what the server was told and can compare the dashboard against it.

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function cgroupUsage(u) {
  return {
    cpu_millicores: u.cpu_millicores ?? 0,
    cpu_usage_ns: u.cpu_usage_ns ?? 0,
    cpu_periods: u.cpu_periods ?? 0,
    cpu_throttled_periods: u.cpu_throttled_periods ?? 0,
    cpu_throttled_ns: u.cpu_throttled_ns ?? 0,
    cpu_throttled_periods_per_sec: u.cpu_throttled_periods_per_sec ?? 0,
    cpu_throttled_ratio: u.cpu_throttled_ratio ?? 0,
    cpu_throttled_seconds_per_sec: u.cpu_throttled_seconds_per_sec ?? 0,
    memory_usage_bytes: u.memory_working_set_bytes ?? 0,
    memory_working_set_bytes: u.memory_working_set_bytes ?? 0,
    memory_rss_bytes: u.memory_working_set_bytes ?? 0,
    memory_cache_bytes: 0,
    memory_cgroup_limit_bytes: u.memory_limit_bytes ?? 0,
    oom_kills: u.oom_kills ?? 0,
    disk_read_bytes: u.disk_read_bytes ?? 0,
    disk_write_bytes: u.disk_write_bytes ?? 0,
    disk_read_bytes_per_sec: u.disk_read_bytes_per_sec ?? 0,
    disk_write_bytes_per_sec: u.disk_write_bytes_per_sec ?? 0,
    cpu_pressure_some_percent: u.cpu_pressure_some_percent ?? 0,
    memory_pressure_some_percent: u.memory_pressure_some_percent ?? 0,
    memory_pressure_full_percent: 0,
    io_pressure_some_percent: u.io_pressure_some_percent ?? 0,
    io_pressure_full_percent: 0,
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

// POSTs one report; throws unless the server answers 202.
export async function ingest(baseUrl, body) {
  const response = await fetch(`${baseUrl}/api/ingest`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`ingest: ${response.status} ${await response.text()}`);
}

export { GiB, MiB };
