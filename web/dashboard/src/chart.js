// Time charts over the view's window, drawn by uPlot (web/dashboard/node_modules/uplot, loaded as
// the global `uPlot` by index.html). All charts of a view share one cursor (uPlot's sync key), and
// a drag across any of them asks the view for that range (onZoom) instead of zooming only itself,
// so every chart and the URL move together.

import { cssVar, h } from './dom.js';

const SYNC_KEY = 'kubemonitor-view';
const HEIGHT_PX = 170;

// Unix seconds of each point ("timestamp" is RFC 3339 UTC).
export function times(points) {
  return points.map((p) => Date.parse(p.timestamp) / 1000);
}

// One field of every point; null where a point lacks it (a gap, not a zero).
export function column(points, field) {
  return points.map((p) => (Number.isFinite(p[field]) ? p[field] : null));
}

// A constant line (a request, a limit, a capacity) across the window; absent when the value is.
export function level(count, value) {
  return Number.isFinite(value) ? new Array(count).fill(value) : null;
}

// Series kinds: 'line' (usage, filled), 'limit' and 'request' (dashed levels), 'marker' (points only,
// e.g. OOM kills on the memory line).
function seriesOptions(s, index, format) {
  const palette = ['--c1', '--c2', '--c3', '--c4', '--c5'];
  const kinds = {
    line: { stroke: cssVar(palette[index % palette.length]), width: 1.5 },
    limit: { stroke: cssVar('--limit'), width: 1.5, dash: [6, 4] },
    request: { stroke: cssVar('--request'), width: 1.5, dash: [2, 3] },
    capacity: { stroke: cssVar('--muted'), width: 1.5, dash: [6, 4] },
    marker: { stroke: cssVar('--limit'), width: 0, paths: () => null,
      points: { show: true, size: 10, width: 2, stroke: cssVar('--limit'), fill: cssVar('--bg') } },
  };
  const kind = kinds[s.kind ?? 'line'];
  return {
    label: s.label,
    value: (u, v) => (v === null || v === undefined ? '–' : format(v)),
    points: { show: false },
    spanGaps: false,
    ...kind,
  };
}

// A chart panel: { el, draw() once el is in the page, update(times, series) }.
// series: [{ label, values, kind }]; entries that are null (no such limit) are left out.
// xRange() → [start, end] in Unix seconds: the x axis spans the whole window, not just the data.
export function chart({ title, format, xs, series, onZoom, xRange, describe }) {
  const canvasBox = h('div', { class: 'chart-plot' });
  const summary = h('p', { class: 'chart-summary' });
  const el = h('figure', { class: 'chart', 'aria-label': title }, h('figcaption', {}, title), summary, canvasBox);
  let plot = null;
  let current = { xs, series: series.filter((s) => s.values) };

  const setSummary = () => {
    const main = current.series[0]?.values ?? [];
    const finite = main.filter((v) => v !== null);
    el.dataset.points = String(finite.length);
    summary.textContent = describe ? describe(current) : finite.length
      ? `now ${format(finite[finite.length - 1])}, peak ${format(Math.max(...finite))}`
      : 'no data in this window';
  };

  const build = (width) => {
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') } };
    const opts = {
      width, height: HEIGHT_PX,
      cursor: { sync: { key: SYNC_KEY }, drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true, range: xRange ? () => xRange() : undefined }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [axis, { ...axis, size: 72, values: (u, vals) => vals.map(format) }],
      series: [{}, ...current.series.map((s, i) => seriesOptions(s, i, format))],
      hooks: {
        setSelect: [(u) => {
          if (!onZoom || u.select.width < 4) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          onZoom(from, to);
        }],
      },
    };
    plot = new uPlot(opts, [current.xs, ...current.series.map((s) => s.values)], canvasBox);
  };

  const resize = new ResizeObserver(([entry]) => {
    const width = Math.floor(entry.contentRect.width);
    if (width <= 0) return;
    if (!plot) build(width); else plot.setSize({ width, height: HEIGHT_PX });
  });

  setSummary();
  return {
    el,
    draw() { resize.observe(canvasBox); },
    // New data for the same series (live refresh): the same chart object, no flicker.
    update(nextXs, nextSeries) {
      const kept = nextSeries.filter((s) => s.values);
      const sameShape = kept.length === current.series.length;
      current = { xs: nextXs, series: kept };
      setSummary();
      if (!plot) return;
      if (sameShape) plot.setData([nextXs, ...kept.map((s) => s.values)]);
      else { plot.destroy(); build(Math.floor(canvasBox.clientWidth)); }
    },
    destroy() { resize.disconnect(); plot?.destroy(); },
  };
}
