// Table columns shared by the views that list pods, nodes, namespaces and deployments. Sort keys
// are the API's raw numbers; the text is formatted for people.

import * as fmt from './format.js';

const num = (key, label, format) => ({ key, label, num: true, value: (r) => r[key], text: (r) => format(r[key]) });
const str = (key, label) => ({ key, label, value: (r) => r[key] ?? '', text: (r) => r[key] || '–' });

// A percentage beside its absolute value: "250m (50%)" of the limit, else of the node.
const cpuCol = { key: 'cpu_millicores', label: 'CPU', num: true, value: (r) => r.cpu_millicores, text: (r) => fmt.cpu(r.cpu_millicores) };
const memCol = { key: 'memory_working_set_bytes', label: 'Memory', num: true, value: (r) => r.memory_working_set_bytes, text: (r) => fmt.bytes(r.memory_working_set_bytes) };
const netCol = { key: 'network', label: 'Network rx+tx', num: true,
  value: (r) => (r.network_rx_bytes_per_sec ?? 0) + (r.network_tx_bytes_per_sec ?? 0),
  text: (r) => fmt.rate((r.network_rx_bytes_per_sec ?? 0) + (r.network_tx_bytes_per_sec ?? 0)) };
const diskCol = { key: 'disk', label: 'Disk r+w', num: true,
  value: (r) => (r.disk_read_bytes_per_sec ?? 0) + (r.disk_write_bytes_per_sec ?? 0),
  text: (r) => fmt.rate((r.disk_read_bytes_per_sec ?? 0) + (r.disk_write_bytes_per_sec ?? 0)) };

// `sparks(row)` → the row's CPU over the window, or undefined while it loads.
const trendCol = (sparks) => ({ key: 'trend', label: 'CPU trend', value: (r) => r.cpu_millicores, spark: sparks });
const throttledCol = { key: 'cpu_throttled_ratio', label: 'Throttled', num: true, value: (r) => r.cpu_throttled_ratio, text: (r) => fmt.ratio(r.cpu_throttled_ratio) };

export function podColumns(sparks) {
  return [
    str('name', 'Pod'), str('namespace', 'Namespace'), str('node', 'Node'), str('deployment', 'Deployment'),
    cpuCol,
    trendCol(sparks),
    num('cpu_percent_of_limit', 'CPU % limit', fmt.percent),
    throttledCol,
    memCol,
    num('memory_percent_of_limit', 'Mem % limit', fmt.percent),
    netCol, diskCol,
    num('restarts', 'Restarts', fmt.count),
    num('oom_kills', 'OOM kills', fmt.count),
  ];
}

export function nodeColumns(sparks) {
  return [
    str('name', 'Node'), cpuCol, trendCol(sparks), num('cpu_percent', 'CPU %', fmt.percent),
    memCol, num('memory_percent', 'Memory %', fmt.percent), netCol, diskCol, num('pod_count', 'Pods', fmt.count),
  ];
}

export function groupColumns(kind, sparks) {
  const first = kind === 'namespace' ? [str('name', 'Namespace')] : [str('name', 'Deployment'), str('namespace', 'Namespace')];
  return [
    ...first,
    num('pod_count', 'Pods', fmt.count),
    cpuCol,
    trendCol(sparks),
    num('cpu_request_millicores', 'CPU requests', fmt.cpu),
    memCol,
    num('memory_request_bytes', 'Memory requests', fmt.bytes),
    netCol, diskCol,
  ];
}

export function containerColumns() {
  return [
    str('name', 'Container'), cpuCol,
    num('cpu_request_millicores', 'CPU request', fmt.cpu), num('cpu_limit_millicores', 'CPU limit', fmt.cpu),
    throttledCol,
    memCol, num('memory_limit_bytes', 'Memory limit', fmt.bytes),
    num('restarts', 'Restarts', fmt.count), num('oom_kills', 'OOM kills', fmt.count),
  ];
}

// The pod's key in links and maps: namespace and name (a name may exist in two namespaces).
export const podKey = (p) => `${p.namespace}/${p.name}`;
