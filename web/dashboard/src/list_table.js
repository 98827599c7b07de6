// A list of objects from one API collection, as a virtual table with filters in the URL and a CPU
// sparkline per row. The latest values come first (the table is usable at once); the sparklines
// follow from the same collection over the window with fields=cpu_millicores, a few points each.

import { get } from './api.js';
import { h, emptyState } from './dom.js';
import { setParams } from './route.js';
import { apiParams } from './time.js';
import { virtualTable } from './vtable.js';

const SPARK_POINTS = 30;
const SPARK_REFRESH_MS = 30000;
// The search box writes the URL once typing pauses for this long (ms): history.replaceState at
// every keystroke was a tenth of a keystroke's work at 10,000 pods. The selects write it at once.
const SEARCH_URL_DELAY_MS = 300;

function options(values, selected, allLabel) {
  return [h('option', { value: '' }, allLabel),
    ...[...values].sort().map((v) => h('option', { value: v, selected: v === selected }, v))];
}

// opts: { label, path, query, columns(sparks) , key(row), rowHref(row), filters: ['namespace',…],
//         search: bool, empty: Node, urlState: bool (filters and sort in the URL; false for sub-lists) }
export function listTable(ctx, opts) {
  const p = opts.urlState ? ctx.params : {};
  const sparks = new Map();
  const columns = opts.columns((row) => sparks.get(opts.key(row)));
  const table = virtualTable({
    label: opts.label, columns, rowHref: opts.rowHref, noun: opts.noun,
    sort: p.sort ? { key: p.sort, dir: p.dir === 'asc' ? 1 : -1 } : opts.sort,
    onSort: opts.urlState ? (key, dir) => setParams({ sort: key, dir: dir > 0 ? 'asc' : 'desc' }, { replace: true }) : undefined,
  });

  const state = { q: p.q ?? '', namespace: p.namespace ?? '', node: p.node ?? '', deployment: p.deployment ?? '' };
  const selects = {};
  const controls = [];
  if (opts.search) {
    const input = h('input', { type: 'search', id: `${opts.id}-q`, value: state.q, placeholder: 'name contains…', autocomplete: 'off',
      oninput: (e) => { state.q = e.target.value; filterChanged({ typing: true }); } });
    controls.push(h('label', { for: `${opts.id}-q` }, 'Search'), input);
  }
  for (const f of opts.filters ?? []) {
    const select = h('select', { id: `${opts.id}-${f}`, onchange: (e) => { state[f] = e.target.value; filterChanged(); } });
    selects[f] = select;
    controls.push(h('label', { for: `${opts.id}-${f}` }, f[0].toUpperCase() + f.slice(1)), select);
  }
  const body = h('div', {});
  const el = h('section', { class: 'list', 'aria-label': opts.label },
    controls.length ? h('div', { class: 'filters' }, controls) : null, body);

  // Each row's name in lower case, made once per row rather than once per row and keystroke.
  const lowered = new WeakMap();
  const lowerName = (row) => {
    let name = lowered.get(row);
    if (name === undefined) lowered.set(row, (name = row.name.toLowerCase()));
    return name;
  };
  function predicate() {
    const q = state.q.trim().toLowerCase();
    const active = (opts.filters ?? []).filter((f) => state[f]);
    if (!q && !active.length) return null;
    return (row) => (!q || lowerName(row).includes(q)) && active.every((f) => row[f] === state[f]);
  }

  let urlTimer = 0;
  ctx.signal?.addEventListener('abort', () => clearTimeout(urlTimer));  // never into another view's URL
  function writeUrl() {
    clearTimeout(urlTimer);
    setParams({ q: state.q, namespace: state.namespace, node: state.node, deployment: state.deployment }, { replace: true });
  }
  function filterChanged({ typing = false } = {}) {
    table.setFilter(predicate());
    if (!opts.urlState) return;
    if (typing) {
      clearTimeout(urlTimer);
      urlTimer = setTimeout(writeUrl, SEARCH_URL_DELAY_MS);
    } else {
      writeUrl();
    }
  }

  let shownTable = false;
  function setItems(items) {
    for (const f of opts.filters ?? []) {
      const values = new Set(items.map((r) => r[f]).filter(Boolean));
      if (state[f]) values.add(state[f]);
      selects[f].replaceChildren(...options(values, state[f], `all`));
    }
    if (!items.length && opts.empty) {
      body.replaceChildren(opts.empty);
      shownTable = false;
      return;
    }
    if (!shownTable) { body.replaceChildren(table.el); shownTable = true; }
    table.setRows(items, predicate());
  }

  async function loadSparks() {
    const answer = await get(opts.path, { ...opts.query, ...apiParams(ctx.range), fields: 'cpu_millicores', 'max-data-points': String(SPARK_POINTS) }, { signal: ctx.signal });
    for (const item of answer.items) sparks.set(opts.key(item), (item.points ?? []).map((pt) => pt.cpu_millicores ?? null));
    table.refresh();
    el.dataset.sparks = String(sparks.size);
    performance.mark('kubemonitor:sparklines');
  }

  // Live mode reloads the latest values at every report; the sparklines (a fleet window: ~1 s of
  // server and browser work at 10,000 pods) at most every SPARK_REFRESH_MS.
  let sparksLoadedAt = -Infinity;
  async function load() {
    const answer = await get(opts.path, opts.query ?? {}, { signal: ctx.signal });
    setItems(answer.items);
    el.dataset.loaded = String(answer.items.length);
    if (performance.now() - sparksLoadedAt >= SPARK_REFRESH_MS) {
      sparksLoadedAt = performance.now();
      // Not awaited by the view: the table is interactive before the sparklines arrive.
      loadSparks().catch((e) => { if (e.name !== 'AbortError') console.warn('sparklines:', e); });
    }
    return answer.items;
  }

  return { el, load, table };
}
