// One node, namespace or deployment: its charts over the window and its pods (and a namespace's
// deployments). The series comes from the object's own route with ?window= (or start/end).

import { get } from './api.js';
import { h } from './dom.js';
import * as fmt from './format.js';
import { groupColumns, podKey } from './columns.js';
import { listTable } from './list_table.js';
import { href } from './route.js';
import { seriesParams } from './time.js';
import { tiles } from './tiles.js';
import { chartGrid, GROUP_CHARTS, NODE_CHARTS } from './usage_charts.js';
import { podsOf } from './view_lists.js';

function usageTiles(o) {
  const items = [
    { label: 'CPU', value: fmt.cpu(o.cpu_millicores), detail: o.cpu_capacity_millicores ? `of ${fmt.cpu(o.cpu_capacity_millicores)}` : undefined },
    { label: 'Memory', value: fmt.bytes(o.memory_working_set_bytes), detail: o.memory_capacity_bytes ? `of ${fmt.bytes(o.memory_capacity_bytes)}` : undefined },
    { label: 'Network', value: fmt.rate((o.network_rx_bytes_per_sec ?? 0) + (o.network_tx_bytes_per_sec ?? 0)), detail: 'rx + tx' },
    { label: 'Disk', value: fmt.rate((o.disk_read_bytes_per_sec ?? 0) + (o.disk_write_bytes_per_sec ?? 0)), detail: 'read + write' },
  ];
  if (Number.isFinite(o.pod_count)) items.push({ label: 'Pods', value: fmt.count(o.pod_count) });
  return tiles(items);
}

async function detail(ctx, { title, crumbs, path, query = {}, charts, lists }) {
  ctx.title(title, crumbs);
  const answer = await get(path, { ...query, ...seriesParams(ctx.range) }, { signal: ctx.signal });
  const tileBox = h('div', {}, usageTiles(answer));
  const grid = chartGrid(charts, answer, { onZoom: ctx.zoom, xRange: ctx.xRange });
  ctx.root.append(tileBox, grid.el);
  grid.draw();
  for (const [heading, list] of lists) {
    ctx.root.append(h('h2', {}, heading), list.el);
  }
  await Promise.all(lists.map(([, list]) => list.load()));
  return {
    async refresh() {
      const next = await get(path, { ...query, ...seriesParams(ctx.range) }, { signal: ctx.signal });
      tileBox.replaceChildren(usageTiles(next));
      grid.update(next);
      await Promise.all(lists.map(([, list]) => list.load()));
    },
    destroy: () => grid.destroy(),
  };
}

export function node(ctx, name) {
  const base = `/api/nodes/${encodeURIComponent(name)}`;
  return detail(ctx, {
    title: name, crumbs: [['Nodes', href(['nodes'])]], path: base, charts: NODE_CHARTS,
    lists: [['Pods on this node', podsOf(ctx, `${base}/pods`, 'node-pods')]],
  });
}

export function namespace(ctx, name) {
  const base = `/api/namespaces/${encodeURIComponent(name)}`;
  const deployments = listTable(ctx, {
    id: 'ns-deployments', label: 'Its deployments', noun: 'deployments', path: `${base}/deployments`, columns: (s) => groupColumns('deployment', s),
    key: podKey, rowHref: (d) => href(['deployments', d.namespace, d.name]), sort: { key: 'cpu_millicores', dir: -1 },
    empty: h('p', { class: 'muted' }, 'No deployments in this namespace.'),
  });
  return detail(ctx, {
    title: name, crumbs: [['Namespaces', href(['namespaces'])]], path: base, charts: GROUP_CHARTS,
    lists: [['Deployments', deployments], ['Pods', podsOf(ctx, `${base}/pods`, 'ns-pods')]],
  });
}

export function deployment(ctx, ns, name) {
  const base = `/api/namespaces/${encodeURIComponent(ns)}/deployments/${encodeURIComponent(name)}`;
  return detail(ctx, {
    title: name, crumbs: [['Deployments', href(['deployments'])], [ns, href(['namespaces', ns])]], path: base, charts: GROUP_CHARTS,
    lists: [['Pods', podsOf(ctx, `${base}/pods`, 'deployment-pods')]],
  });
}
