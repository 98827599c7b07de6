// The dashboard's state lives in the URL after '#': "#/pods?namespace=shop&window=6h". Each view
// is a path, filters and the time range are parameters, so every screen is a deep link and the
// browser's back and forward walk through them. Hash routing needs nothing from the server but
// "/" (the API owns every other path).

// Parameters that follow the user from view to view: the time range.
const TIME_KEYS = ['window', 'start', 'end', 'live'];

export function parse(hash = location.hash) {
  const text = hash.replace(/^#/, '');
  const q = text.indexOf('?');
  const path = (q < 0 ? text : text.slice(0, q)) || '/';
  const params = Object.fromEntries(new URLSearchParams(q < 0 ? '' : text.slice(q + 1)));
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { path, parts, params };
}

function build(parts, params) {
  const path = '/' + parts.map(encodeURIComponent).join('/');
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();
  return `#${path}${query ? `?${query}` : ''}`;
}

function timeParams(params) {
  return Object.fromEntries(TIME_KEYS.filter((k) => params[k] !== undefined).map((k) => [k, params[k]]));
}

// A link to another view, carrying the current time range (and `extra` parameters).
export function href(parts, extra = {}) {
  return build(parts, { ...timeParams(parse().params), ...extra });
}

// Moves to another state of the same or another view: a new history entry (back returns here).
export function go(parts, params) {
  location.hash = build(parts, params).slice(1);
}

// Changes the current view's parameters. `replace`: no new history entry and no re-render (a
// keystroke in the search box must not make one history entry per letter).
export function setParams(patch, { replace = false } = {}) {
  const { parts, params } = parse();
  const next = { ...params, ...patch };
  for (const [k, v] of Object.entries(next)) if (v === undefined || v === '' || v === null) delete next[k];
  const hash = build(parts, next);
  if (replace) history.replaceState(null, '', hash);
  else location.hash = hash.slice(1);
}
