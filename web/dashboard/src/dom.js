// h('a', {href: '#/pods', class: 'x'}, 'text', child): elements without a framework. Text is
// always set as text (never parsed as HTML), so names from the cluster cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// The value of a CSS custom property of the page (the theme's colours for canvases).
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// A message for a view with nothing to show, saying what to do about it.
export function emptyState(title, hint) {
  return h('div', { class: 'empty', role: 'status' }, h('p', { class: 'empty-title' }, title), hint && h('p', {}, hint));
}
