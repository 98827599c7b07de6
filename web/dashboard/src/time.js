// The time range of every view: a preset window ending now ("1h", refreshed in live mode) or a
// custom start/end (from the inputs or a drag-zoom on a chart). Kept in the URL as window= or
// start=&end= (Unix seconds, which the API takes as they are).

export const PRESETS = [
  ['15m', 900], ['1h', 3600], ['6h', 6 * 3600], ['24h', 24 * 3600], ['7d', 7 * 24 * 3600],
];
const DEFAULT_PRESET = '1h';

export function rangeOf(params) {
  const start = Number(params.start);
  const end = Number(params.end);
  if (params.start && params.end && Number.isFinite(start) && Number.isFinite(end) && end > start) {
    return { custom: true, start, end, seconds: end - start, live: false };
  }
  const preset = PRESETS.find(([label]) => label === params.window) ?? PRESETS.find(([l]) => l === DEFAULT_PRESET);
  const now = Date.now() / 1000;
  return { custom: false, preset: preset[0], seconds: preset[1], start: now - preset[1], end: now, live: params.live === '1' };
}

// The API's parameters for a range: a window ends at the server's now, so live refreshes move it.
export function apiParams(range) {
  if (range.custom) return { start: String(Math.floor(range.start)), end: String(Math.ceil(range.end)) };
  return { window: String(range.seconds) };
}

// URL parameters for a custom range (zoom, inputs): live mode makes no sense for a fixed range.
export function customParams(start, end) {
  return { start: String(Math.floor(start)), end: String(Math.ceil(end)), window: undefined, live: undefined };
}

// A chart is ~400 px wide: more points than that draw nothing more and cost transfer (the
// server's step grows to fit, from its rollups for long windows).
const CHART_POINTS = 400;
export function seriesParams(range) {
  return { ...apiParams(range), 'max-data-points': String(CHART_POINTS) };
}
