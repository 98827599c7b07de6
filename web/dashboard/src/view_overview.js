// Overview: how full the cluster is (CPU and memory used of capacity over the window), what runs
// in it, and who uses the most: top pods by CPU, memory and throttling, namespaces by usage.

import { getAll } from './api.js';
import { h, emptyState } from './dom.js';
import * as fmt from './format.js';
import { href } from './route.js';
import { seriesParams } from './time.js';
import { bar, tiles, topTable } from './tiles.js';
import { chartGrid, CLUSTER_CHARTS } from './usage_charts.js';

const TOP = 5;
const SUMMED = ['cpu_millicores', 'cpu_capacity_millicores', 'memory_working_set_bytes', 'memory_capacity_bytes'];

// The cluster as one series: the nodes' points summed per timestamp (nodes report on the same
// interval grid, so their timestamps coincide).
function clusterSeries(nodes) {
  const byTime = new Map();
  for (const node of nodes) {
    for (const p of node.points ?? []) {
      const sum = byTime.get(p.timestamp) ?? { timestamp: p.timestamp };
      for (const f of SUMMED) if (Number.isFinite(p[f])) sum[f] = (sum[f] ?? 0) + p[f];
      byTime.set(p.timestamp, sum);
    }
  }
  return { points: [...byTime.values()].sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1)) };
}

function top(pods, value, format, detail) {
  return pods.filter((p) => value(p) > 0).sort((a, b) => value(b) - value(a)).slice(0, TOP).map((p) => ({
    href: href(['pods', p.namespace, p.name]), name: p.name, detail: detail ? detail(p) : p.namespace, value: format(value(p)),
  }));
}

export async function overview(ctx) {
  const [nodes, pods, namespaces, nodeSeries] = await getAll([
    ['/api/nodes'], ['/api/pods'], ['/api/namespaces'],
    ['/api/nodes', { ...seriesParams(ctx.range), fields: SUMMED.join(',') }],
  ], { signal: ctx.signal });

  ctx.title('Overview');
  if (!nodes.items.length) {
    ctx.root.append(emptyState('No node has reported yet.',
      `Start an agent: kubemonitor-agent --server ${location.origin} (or make run on this machine).`));
    return {};
  }
  const sum = (items, f) => items.reduce((s, x) => s + (x[f] ?? 0), 0);
  const cpuUsed = sum(nodes.items, 'cpu_millicores');
  const cpuCap = sum(nodes.items, 'cpu_capacity_millicores');
  const memUsed = sum(nodes.items, 'memory_working_set_bytes');
  const memCap = sum(nodes.items, 'memory_capacity_bytes');
  ctx.root.append(tiles([
    { label: 'Nodes', value: fmt.count(nodes.items.length) },
    { label: 'Pods', value: fmt.count(pods.items.length), detail: `${namespaces.items.length} namespaces` },
    { label: 'CPU used', value: fmt.cpu(cpuUsed), detail: `of ${fmt.cpu(cpuCap)} (${fmt.percent((100 * cpuUsed) / cpuCap)})` },
    { label: 'Memory used', value: fmt.bytes(memUsed), detail: `of ${fmt.bytes(memCap)} (${fmt.percent((100 * memUsed) / memCap)})` },
  ]));
  const grid = chartGrid(CLUSTER_CHARTS, clusterSeries(nodeSeries.items), { onZoom: ctx.zoom, xRange: ctx.xRange, idPrefix: 'cluster-' });
  ctx.root.append(h('h2', {}, 'Cluster over the window'), grid.el);
  grid.draw();

  if (!pods.items.length) {
    ctx.root.append(emptyState('No pods yet: is the agent running with --kube-api?',
      'Without the Kubernetes API the agent still reports pods by UID; with none at all, the node runs no pods the agent can see.'));
    return { destroy: () => grid.destroy() };
  }
  ctx.root.append(h('h2', {}, 'Top pods'), h('div', { class: 'tops' },
    topTable('By CPU', top(pods.items, (p) => p.cpu_millicores, fmt.cpu), 'CPU'),
    topTable('By memory', top(pods.items, (p) => p.memory_working_set_bytes, fmt.bytes), 'Memory'),
    topTable('By throttling', top(pods.items, (p) => p.cpu_throttled_ratio, fmt.ratio), 'Throttled')));

  const nsRows = [...namespaces.items].sort((a, b) => (b.cpu_millicores ?? 0) - (a.cpu_millicores ?? 0));
  ctx.root.append(h('h2', {}, 'Namespaces by usage'), h('table', { class: 'plain' },
    h('thead', {}, h('tr', {}, ['Namespace', 'Pods', 'CPU', 'of cluster', 'Memory', 'of cluster'].map((t, i) =>
      h('th', { scope: 'col', class: i ? 'num' : '' }, t)))),
    h('tbody', {}, nsRows.map((n) => h('tr', {},
      h('td', {}, h('a', { href: href(['namespaces', n.name]) }, n.name)),
      h('td', { class: 'num' }, fmt.count(n.pod_count)),
      h('td', { class: 'num' }, fmt.cpu(n.cpu_millicores)),
      h('td', { class: 'num' }, bar((100 * n.cpu_millicores) / cpuCap), ` ${fmt.percent((100 * n.cpu_millicores) / cpuCap)}`),
      h('td', { class: 'num' }, fmt.bytes(n.memory_working_set_bytes)),
      h('td', { class: 'num' }, bar((100 * n.memory_working_set_bytes) / memCap), ` ${fmt.percent((100 * n.memory_working_set_bytes) / memCap)}`))))));
  return { destroy: () => grid.destroy() };
}
