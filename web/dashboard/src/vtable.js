// A sortable table that renders only the rows in view (plus a few), so 10,000 pods scroll and
// filter as fast as 10: the rows above and below are two spacer rows of the right height. It stays
// a real <table> (headers, aria-sort, aria-rowindex) for screen readers and axe.
//
// Keyboard: Tab reaches the table, arrows / Page Up / Page Down / Home / End move between rows,
// Enter opens the focused row's link; header buttons sort (again: the other direction).

import { h } from './dom.js';
import { draw as drawSparkline, sparkCanvas } from './sparkline.js';

const ROW_PX = 33;      // must match .vtable td height in dashboard.css
const OVERSCAN = 5;     // rows rendered beyond each edge, so fast scrolling shows no blank band

function compare(a, b) {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;  // missing values last in both directions
  if (b === undefined || b === null) return -1;
  return a < b ? -1 : 1;
}

// columns: [{ key, label, value(row) → sort key, text(row) → string|Node, num: bool, spark(row) → values }]
// The first column's cell links to rowHref(row).
// `noun`: what a row is, for the count above the table ("7 pods", "3 of 7 pods").
export function virtualTable({ label, columns, rowHref, sort, onSort, noun = 'rows', maxHeightPx = 560 }) {
  let sortKey = sort?.key ?? columns[0].key;
  let sortDir = sort?.dir ?? 1;
  let all = [];
  let shown = [];
  let predicate = null;
  let focusIndex = -1;
  // Sparkline canvases are recycled, not kept per row: a row that stays in view keeps its canvas
  // (no redraw); a row that comes into view takes one a departed row left and is drawn on it. A new
  // canvas and its 2D context cost far more than drawing 30 points, and every row in view changes
  // at a filter's first keystroke; this also bounds the canvases to about one view's rows.
  let drawn = new Map();  // row → its canvas, for the rows of the last render
  let spare = [];         // canvases of rows that left the view, to be drawn again

  const headers = columns.map((c) => {
    const button = h('button', { type: 'button', class: 'sort', onclick: () => sortBy(c.key) }, c.label);
    return h('th', { scope: 'col', class: c.num ? 'num' : '', dataset: { key: c.key } }, button);
  });
  const tbody = h('tbody');
  const table = h('table', { class: 'vtable' }, h('caption', { class: 'sr-only' }, label), h('thead', {}, h('tr', { 'aria-rowindex': 1 }, headers)), tbody);
  const scroller = h('div', { class: 'vt-scroll', tabindex: 0, role: 'region', 'aria-label': label, style: `max-height:${maxHeightPx}px` }, table);
  const status = h('p', { class: 'vt-count', 'aria-live': 'polite' });
  const el = h('div', { class: 'vt' }, status, scroller);

  function sortRows() {
    const col = columns.find((c) => c.key === sortKey) ?? columns[0];
    // Keys computed once per row, not once per comparison.
    const keyed = all.map((row) => [col.value(row), row]);
    keyed.sort((a, b) => compare(a[0], b[0]) * sortDir);
    all = keyed.map(([, row]) => row);
    for (const th of headers) {
      th.setAttribute('aria-sort', th.dataset.key === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
    }
  }

  function applyFilter() {
    shown = predicate ? all.filter(predicate) : all;
    table.setAttribute('aria-rowcount', String(shown.length + 1));
    const nouns = all.length === 1 ? noun.replace(/s$/, '') : noun;
    status.textContent = predicate && shown.length !== all.length ? `${shown.length} of ${all.length} ${nouns}` : `${all.length} ${nouns}`;
    el.dataset.rows = String(shown.length);
    render();
  }

  function pad(px) {
    return h('tr', { class: 'vt-pad', 'aria-hidden': 'true' }, h('td', { colspan: columns.length, style: `height:${px}px` }));
  }

  function cell(c, row, index) {
    if (c.spark) {
      let canvas = drawn.get(row);
      if (!canvas) {
        const values = c.spark(row);
        if (values) {
          canvas = spare.pop() ?? sparkCanvas();
          drawSparkline(canvas, values);
          drawn.set(row, canvas);
        }
      }
      return h('td', { class: 'spark-cell' }, canvas ?? '');
    }
    const content = c.text(row);
    if (index === 0 && rowHref) return h('td', {}, h('a', { href: rowHref(row) }, content));
    return h('td', { class: c.num ? 'num' : '' }, content);
  }

  function render() {
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_PX) - OVERSCAN);
    const visible = Math.ceil((scroller.clientHeight || maxHeightPx) / ROW_PX) + 2 * OVERSCAN;
    const last = Math.min(shown.length, first + visible);
    const rows = [];
    // Rows still in view keep their canvases; the others' canvases become spare.
    const kept = new Map();
    for (let i = first; i < last; i++) {
      const canvas = drawn.get(shown[i]);
      if (canvas) { kept.set(shown[i], canvas); drawn.delete(shown[i]); }
    }
    for (const canvas of drawn.values()) spare.push(canvas);
    drawn = kept;
    for (let i = first; i < last; i++) {
      const row = shown[i];
      rows.push(h('tr', { 'aria-rowindex': i + 2, class: i === focusIndex ? 'focused' : '', dataset: { index: i } },
        columns.map((c, ci) => cell(c, row, ci))));
    }
    if (last < shown.length) rows.push(pad((shown.length - last) * ROW_PX));
    tbody.replaceChildren(...rows);
  }

  function sortBy(key) {
    sortDir = key === sortKey ? -sortDir : (columns.find((c) => c.key === key).num ? -1 : 1);
    sortKey = key;
    sortRows();
    applyFilter();
    onSort?.(sortKey, sortDir);
  }

  function moveFocus(index) {
    if (!shown.length) return;
    focusIndex = Math.max(0, Math.min(shown.length - 1, index));
    const top = focusIndex * ROW_PX;
    const header = table.tHead.offsetHeight;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_PX + header > scroller.scrollTop + scroller.clientHeight) {
      scroller.scrollTop = top + ROW_PX + header - scroller.clientHeight;
    }
    render();
    tbody.querySelector(`tr[data-index="${focusIndex}"] a`)?.focus({ preventScroll: true });
  }

  let frame = 0;
  scroller.addEventListener('scroll', () => {
    if (!frame) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        const t = performance.now();
        render();
        window.kubemonitorLastRenderMs = performance.now() - t;  // read by bench/dashboard
      });
    }
  });
  scroller.addEventListener('keydown', (e) => {
    const page = Math.max(1, Math.floor(scroller.clientHeight / ROW_PX) - 1);
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (e.key in moves) moveFocus((focusIndex < 0 ? -1 : focusIndex) + moves[e.key]);
    else if (e.key === 'Home') moveFocus(0);
    else if (e.key === 'End') moveFocus(shown.length - 1);
    else return;
    e.preventDefault();
  });

  return {
    el,
    // New rows (keeping the sort); `filter` given: also the filter, with one render for both.
    setRows(rows, filter = predicate) { all = rows.slice(); predicate = filter; sortRows(); applyFilter(); },
    setFilter(fn) { predicate = fn; focusIndex = -1; applyFilter(); },
    // Redraws the rows in view (new sparkline values, for instance).
    refresh() { spare.push(...drawn.values()); drawn = new Map(); render(); },
    shownRows: () => shown,
  };
}
