// Headline numbers of a view ("CPU 1.2 cores of 4 cores") and the small top-N tables of the
// overview.

import { h } from './dom.js';

// [{ label, value, detail }] → a row of tiles.
export function tiles(items) {
  return h('dl', { class: 'tiles' }, items.map((t) => h('div', { class: 'tile' },
    h('dt', {}, t.label), h('dd', {}, h('span', { class: 'tile-value' }, t.value), t.detail ? h('span', { class: 'tile-detail' }, t.detail) : null))));
}

// A short ranked table: rows already ordered, each { href, name, value, detail }.
export function topTable(title, rows, valueLabel) {
  return h('section', { class: 'top', 'aria-label': title },
    h('h3', {}, title),
    rows.length
      ? h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'num' }, valueLabel))),
        h('tbody', {}, rows.map((r) => h('tr', {},
          h('td', {}, h('a', { href: r.href }, r.name), r.detail ? h('span', { class: 'muted' }, ` ${r.detail}`) : null),
          h('td', { class: 'num' }, r.value)))))
      : h('p', { class: 'muted' }, 'nothing to rank yet'));
}

// A bar for a share (0–100 %) beside a value, for "namespaces by usage".
export function bar(percent) {
  const p = Math.max(0, Math.min(100, percent || 0));
  return h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { style: `width:${p}%` }));
}
