// One pod: CPU against its request and limit with throttling, memory against its limit with OOM
// kills marked, network, disk and pressure over the window; then its containers, as a table and
// with charts each.

import { getAll } from './api.js';
import { h } from './dom.js';
import * as fmt from './format.js';
import { containerColumns } from './columns.js';
import { href } from './route.js';
import { seriesParams } from './time.js';
import { tiles } from './tiles.js';
import { chartGrid, CONTAINER_CHARTS, POD_CHARTS } from './usage_charts.js';
import { virtualTable } from './vtable.js';

function podTiles(p) {
  const of = (limit, format) => (Number.isFinite(limit) ? `limit ${format(limit)}` : 'no limit');
  return tiles([
    { label: 'CPU', value: fmt.cpu(p.cpu_millicores), detail: `${Number.isFinite(p.cpu_request_millicores) ? `request ${fmt.cpu(p.cpu_request_millicores)}, ` : ''}${of(p.cpu_limit_millicores, fmt.cpu)}` },
    { label: 'Throttled', value: fmt.ratio(p.cpu_throttled_ratio), detail: 'of CFS periods' },
    { label: 'Memory', value: fmt.bytes(p.memory_working_set_bytes), detail: of(p.memory_limit_bytes, fmt.bytes) },
    { label: 'OOM kills', value: fmt.count(p.oom_kills), detail: `${fmt.count(p.restarts)} restart${p.restarts === 1 ? '' : 's'}` },
    { label: 'QoS', value: p.qos_class || '–', detail: p.workload_kind ? `${p.workload_kind} ${p.workload_name}` : undefined },
  ]);
}

// "container" names come back as the pod's name and the container's: show the container's.
const containerName = (c, pod) => (c.name.startsWith(`${pod}/`) ? c.name.slice(pod.length + 1) : c.name);

export async function pod(ctx, ns, name) {
  const base = `/api/pods/${encodeURIComponent(name)}`;
  const load = () => getAll([
    [base, { namespace: ns, ...seriesParams(ctx.range) }],
    [`${base}/containers`, { namespace: ns, ...seriesParams(ctx.range) }],
  ], { signal: ctx.signal });
  const [p, containers] = await load();
  const crumbs = [['Pods', href(['pods'])], [ns, href(['namespaces', ns])]];
  if (p.node) crumbs.push([`node ${p.node}`, href(['nodes', p.node])]);
  if (p.deployment) crumbs.push([`deployment ${p.deployment}`, href(['deployments', ns, p.deployment])]);
  ctx.title(name, crumbs);

  const tileBox = h('div', {}, podTiles(p));
  const grid = chartGrid(POD_CHARTS, p, { onZoom: ctx.zoom, xRange: ctx.xRange });
  const table = virtualTable({ label: 'Containers', noun: 'containers', columns: containerColumns(), sort: { key: 'name', dir: 1 }, maxHeightPx: 240 });
  const items = (list) => list.items.map((c) => ({ ...c, name: containerName(c, name) }));
  table.setRows(items(containers));
  const containerGrids = containers.items.map((c) => ({ name: containerName(c, name), grid: chartGrid(CONTAINER_CHARTS, c, { onZoom: ctx.zoom, xRange: ctx.xRange, idPrefix: `container-${containerName(c, name)}-` }) }));
  ctx.root.append(tileBox, grid.el, h('h2', {}, 'Containers'), table.el,
    ...containerGrids.map(({ name: c, grid: g }) => h('section', { class: 'container', 'aria-label': `container ${c}` }, h('h3', {}, c), g.el)));
  grid.draw();
  containerGrids.forEach(({ grid: g }) => g.draw());

  return {
    async refresh() {
      const [np, nc] = await load();
      tileBox.replaceChildren(podTiles(np));
      grid.update(np);
      table.setRows(items(nc));
      nc.items.forEach((c, i) => containerGrids[i]?.grid.update(c));
    },
    destroy() { grid.destroy(); containerGrids.forEach(({ grid: g }) => g.destroy()); },
  };
}
