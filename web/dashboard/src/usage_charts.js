// The charts of one object over the window — node, pod, container, namespace or deployment —
// from its series answer ({..., points: [...]}). Each chart is a spec (what to draw from the
// points), so a live refresh redraws the same charts with new points.

import { chart, column, times } from './chart.js';
import * as fmt from './format.js';
import { h } from './dom.js';

// null when the field is absent from every point: a pod without a limit has no limit line.
function present(values) {
  return values.some((v) => v !== null) ? values : null;
}

function field(label, name, kind = 'line') {
  return (pts) => ({ label, kind, values: present(column(pts, name)) });
}

const CPU = {
  id: 'cpu', title: 'CPU', format: fmt.cpu,
  series: [field('used', 'cpu_millicores'), field('request', 'cpu_request_millicores', 'request'),
    field('limit', 'cpu_limit_millicores', 'limit'), field('capacity', 'cpu_capacity_millicores', 'capacity')],
};
// OOM kills as markers on the working-set line, at the points whose interval saw one.
const oomMarkers = (pts) => ({
  label: 'OOM kill', kind: 'marker',
  values: present(pts.map((p) => (p.oom_kills_in_window > 0 ? p.memory_working_set_bytes ?? 0 : null))),
});
const MEMORY = {
  id: 'memory', title: 'Memory (working set)', format: fmt.bytes,
  series: [field('working set', 'memory_working_set_bytes'), field('request', 'memory_request_bytes', 'request'),
    field('limit', 'memory_limit_bytes', 'limit'), field('capacity', 'memory_capacity_bytes', 'capacity'), oomMarkers],
};
const NETWORK = {
  id: 'network', title: 'Network', format: fmt.rate,
  series: [field('receive', 'network_rx_bytes_per_sec'), field('transmit', 'network_tx_bytes_per_sec')],
};
const DISK = {
  id: 'disk', title: 'Disk', format: fmt.rate,
  series: [field('read', 'disk_read_bytes_per_sec'), field('write', 'disk_write_bytes_per_sec')],
};
const THROTTLING = {
  id: 'throttling', title: 'CPU throttling (periods throttled)', format: fmt.percent,
  series: [(pts) => ({ label: 'throttled', values: present(pts.map((p) => (Number.isFinite(p.cpu_throttled_ratio) ? p.cpu_throttled_ratio * 100 : null))) })],
};
const PRESSURE = {
  id: 'pressure', title: 'Pressure (PSI some, avg10)', format: fmt.percent,
  series: [field('CPU', 'cpu_pressure_some_percent'), field('memory', 'memory_pressure_some_percent'),
    field('I/O', 'io_pressure_some_percent')],
};

export const NODE_CHARTS = [CPU, MEMORY, NETWORK, DISK];
export const POD_CHARTS = [CPU, THROTTLING, MEMORY, NETWORK, DISK, PRESSURE];
export const CONTAINER_CHARTS = [CPU, THROTTLING, MEMORY];
export const GROUP_CHARTS = [CPU, MEMORY, NETWORK, DISK];
export const CLUSTER_CHARTS = [CPU, MEMORY];

// A grid of charts; { el, draw(), update(seriesAnswer), destroy() }.
export function chartGrid(specs, answer, { onZoom, xRange, idPrefix = '' } = {}) {
  const build = (spec, pts) => spec.series.map((s) => s(pts));
  const pts = answer.points ?? [];
  const charts = specs.map((spec) => {
    const c = chart({ title: spec.title, format: spec.format, xs: times(pts), series: build(spec, pts), onZoom, xRange });
    c.el.dataset.chart = idPrefix + spec.id;
    return c;
  });
  return {
    el: h('div', { class: 'charts' }, charts.map((c) => c.el)),
    draw() { charts.forEach((c) => c.draw()); },
    update(next) {
      const p = next.points ?? [];
      charts.forEach((c, i) => c.update(times(p), build(specs[i], p)));
    },
    destroy() { charts.forEach((c) => c.destroy()); },
  };
}
