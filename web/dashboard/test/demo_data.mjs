// A small known cluster: two nodes, pods of three Deployments and a StatefulSet in three
// namespaces, `minutes` of history at a 5 s interval. Every pod's latest values are round numbers
// (its `cpu`, `mem` below) so that a test can read them back from the page; earlier points wave
// around them, and one pod was OOM-killed 5 minutes before the end.

import { ingest, report, MiB, GiB } from './reports.mjs';

export const INTERVAL_S = 5;
export const NODES = [
  { name: 'node-a', cpus: 4, memory: 16 * GiB },
  { name: 'node-b', cpus: 8, memory: 32 * GiB },
];
export const PODS = [
  { name: 'web-7d4b9c-x2k4p', namespace: 'shop', deployment: 'web', node: 'node-a', cpu: 250, mem: 300 * MiB, cpuRequest: 200, cpuLimit: 500, memLimit: 512 * MiB, throttled: 0.12 },
  { name: 'web-7d4b9c-m9q7z', namespace: 'shop', deployment: 'web', node: 'node-b', cpu: 180, mem: 280 * MiB, cpuRequest: 200, cpuLimit: 500, memLimit: 512 * MiB, throttled: 0.02 },
  { name: 'api-5f6d8-k2j3h', namespace: 'shop', deployment: 'api', node: 'node-a', cpu: 900, mem: 1200 * MiB, cpuRequest: 500, cpuLimit: 1000, memLimit: 2048 * MiB, throttled: 0.35, oomAtMinutesBeforeEnd: 5 },
  { name: 'api-5f6d8-p8r1t', namespace: 'shop', deployment: 'api', node: 'node-b', cpu: 600, mem: 900 * MiB, cpuRequest: 500, cpuLimit: 1000, memLimit: 2048 * MiB, throttled: 0.08 },
  { name: 'worker-6c9f7-d4f5g', namespace: 'batch', deployment: 'worker', node: 'node-b', cpu: 1500, mem: 2 * GiB, throttled: 0 },
  { name: 'worker-6c9f7-h7j8k', namespace: 'batch', deployment: 'worker', node: 'node-a', cpu: 40, mem: 64 * MiB, throttled: 0 },
  { name: 'postgres-0', namespace: 'data', node: 'node-b', cpu: 320, mem: 4 * GiB, cpuRequest: 1000, memLimit: 8 * GiB, throttled: 0 },
];

// The pod's usage `back` intervals before the end (back = 0: its exact latest numbers).
function podAt(p, i, back, endSeconds) {
  const wave = back === 0 ? 1 : 1 + 0.3 * Math.sin(back / 12 + i);
  const oomTick = p.oomAtMinutesBeforeEnd ? (p.oomAtMinutesBeforeEnd * 60) / INTERVAL_S : -1;
  return {
    name: p.name, namespace: p.namespace, deployment: p.deployment, uid: `uid-${p.name}`,
    cpu_millicores: p.cpu * wave, memory_working_set_bytes: Math.round(p.mem * wave),
    cpu_request_millicores: p.cpuRequest, cpu_limit_millicores: p.cpuLimit, memory_limit_bytes: p.memLimit,
    memory_request_bytes: p.memLimit ? p.memLimit / 2 : 0,
    cpu_throttled_ratio: p.throttled, cpu_throttled_periods_per_sec: p.throttled * 10,
    oom_kills: oomTick >= 0 && back <= oomTick ? 1 : 0,
    network_rx_bytes_per_sec: 20000 * (i + 1) * wave, network_tx_bytes_per_sec: 8000 * (i + 1) * wave,
    disk_read_bytes_per_sec: 4096 * i, disk_write_bytes_per_sec: 16384 * wave,
    cpu_pressure_some_percent: p.throttled * 50, memory_pressure_some_percent: 1, io_pressure_some_percent: 0.5,
    restarts: oomTick >= 0 && back <= oomTick ? 1 : 0,
    timestampSeconds: endSeconds - back * INTERVAL_S,
  };
}

export function nodeReport(n, back, endSeconds, pods = PODS) {
  const mine = pods.map((p, i) => [p, i]).filter(([p]) => p.node === n.name);
  const used = mine.reduce((s, [p]) => s + p.cpu, 0);
  return report({
    node: n.name, timestampSeconds: endSeconds - back * INTERVAL_S, intervalSeconds: INTERVAL_S, cpus: n.cpus,
    memory_capacity_bytes: n.memory, cpu_millicores: (used + 300) * (back === 0 ? 1 : 1 + 0.2 * Math.sin(back / 10)),
    memory_working_set_bytes: mine.reduce((s, [p]) => s + p.mem, 0) + GiB,
    pods: mine.map(([p, i]) => podAt(p, i, back, endSeconds)),
  });
}

// The end of the data on the interval grid, `secondsAgo` before now.
export function gridEnd(secondsAgo = 0) {
  return Math.floor((Date.now() / 1000 - secondsAgo) / INTERVAL_S) * INTERVAL_S;
}

// Ingests `minutes` of history ending at endSeconds, several reports in flight at a time (the
// server's WAL group commit then syncs them together).
export async function feed(baseUrl, { minutes = 30, endSeconds = gridEnd(), pods = PODS, nodes = NODES, parallel = 16 } = {}) {
  const jobs = [];
  for (let back = (minutes * 60) / INTERVAL_S; back >= 0; back--) {
    for (const n of nodes) jobs.push(() => ingest(baseUrl, nodeReport(n, back, endSeconds, pods)));
  }
  let next = 0;
  const worker = async () => { while (next < jobs.length) await jobs[next++](); };
  await Promise.all(Array.from({ length: parallel }, worker));
  return endSeconds;
}
