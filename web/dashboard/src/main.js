// The dashboard's shell: header (views, time range, live, theme), the unreachable-server banner,
// the token dialog, and the dispatch from the URL to a view. Views are async functions
// (ctx, ...names) → { refresh?, destroy? } that fill ctx.root; every change of the URL renders the
// view afresh, and live mode calls refresh() at the agents' interval.

import { get, onReachability, setTokenPrompt, ApiError } from './api.js';
import { h, emptyState } from './dom.js';
import * as fmt from './format.js';
import { go, parse, href } from './route.js';
import { customParams, PRESETS, rangeOf } from './time.js';
import { overview } from './view_overview.js';
import { deployments, namespaces, nodes, pods } from './view_lists.js';
import { deployment, namespace, node } from './view_details.js';
import { pod } from './view_pod.js';

const THEME_KEY = 'kubemonitor.theme';
const DEFAULT_INTERVAL_S = 5;

const VIEWS = {
  '': { label: 'Overview', show: (ctx) => overview(ctx), arity: [0] },
  nodes: { label: 'Nodes', show: (ctx, n) => (n ? node(ctx, n) : nodes(ctx)), arity: [0, 1] },
  pods: { label: 'Pods', show: (ctx, ns, p) => (p ? pod(ctx, ns, p) : pods(ctx)), arity: [0, 2] },
  namespaces: { label: 'Namespaces', show: (ctx, n) => (n ? namespace(ctx, n) : namespaces(ctx)), arity: [0, 1] },
  deployments: { label: 'Deployments', show: (ctx, ns, d) => (d ? deployment(ctx, ns, d) : deployments(ctx)), arity: [0, 2] },
};

// --- layout ----------------------------------------------------------------------------------
const navLinks = Object.entries(VIEWS).map(([key, v]) => h('a', { href: '#/', dataset: { view: key } }, v.label));
const presetButtons = PRESETS.map(([label]) => h('button', { type: 'button', class: 'preset', dataset: { preset: label },
  onclick: () => { const { parts, params } = parse(); go(parts, { ...params, window: label, start: undefined, end: undefined }); } }, label));
const liveButton = h('button', { type: 'button', class: 'live', 'aria-pressed': 'false', onclick: toggleLive }, 'Live');
const fromInput = h('input', { type: 'datetime-local', id: 'range-from' });
const toInput = h('input', { type: 'datetime-local', id: 'range-to' });
const customForm = h('form', { class: 'custom-range', onsubmit: applyCustom },
  h('label', { for: 'range-from' }, 'From'), fromInput, h('label', { for: 'range-to' }, 'To'), toInput,
  h('button', { type: 'submit' }, 'Apply'));
const custom = h('details', { class: 'custom' }, h('summary', {}, 'Custom'), customForm);
const rangeLabel = h('span', { class: 'range-label', 'aria-live': 'polite' });
const themeButton = h('button', { type: 'button', class: 'theme', onclick: toggleTheme });
const banner = h('div', { class: 'banner', role: 'alert', hidden: true });
const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumbs' });
const heading = h('h1', {});
const viewRoot = h('div', { class: 'view' });
const main = h('main', { id: 'main', tabindex: '-1' }, crumbs, heading, viewRoot);
const tokenInput = h('input', { type: 'password', id: 'token-input', autocomplete: 'current-password', required: true });
const tokenMessage = h('p', {});
const tokenDialog = h('dialog', { class: 'token', 'aria-labelledby': 'token-title' },
  h('form', { method: 'dialog' }, h('h2', { id: 'token-title' }, 'Query token needed'), tokenMessage,
    h('label', { for: 'token-input' }, 'Token'), tokenInput, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Use token'))));

document.body.append(
  h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
  h('header', { class: 'top-bar' },
    h('a', { class: 'brand', href: '#/' }, 'kubemonitor'),
    h('nav', { class: 'views', 'aria-label': 'Views' }, navLinks),
    h('div', { class: 'time', role: 'group', 'aria-label': 'Time range' }, presetButtons, custom, liveButton, rangeLabel),
    themeButton),
  banner, main, tokenDialog);

// --- theme: the system's until the user picks one ---------------------------------------------
function effectiveTheme() {
  return document.documentElement.dataset.theme || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}
function showThemeButton() {
  const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
  themeButton.textContent = next === 'dark' ? 'Dark' : 'Light';
  themeButton.setAttribute('aria-label', `Switch to the ${next} theme`);
}
function toggleTheme() {
  const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try { localStorage.setItem(THEME_KEY, next); } catch { /* the choice lasts for this page */ }
  showThemeButton();
  render();  // canvases take their colours when drawn
}
try { const saved = localStorage.getItem(THEME_KEY); if (saved) document.documentElement.dataset.theme = saved; } catch { /* none */ }
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { showThemeButton(); render(); });
showThemeButton();

// --- server state ------------------------------------------------------------------------------
onReachability((state) => {
  banner.hidden = !state;
  if (state) banner.textContent = `The kubemonitor server at ${location.host} is not answering. Retrying in ${Math.round(state.retryingInMs / 1000)} s…`;
  document.body.dataset.reachable = state ? 'no' : 'yes';
});
setTokenPrompt((wasWrong) => new Promise((resolve, reject) => {
  tokenMessage.textContent = wasWrong ? 'The server refused that token. Enter the query token again.'
    : 'This server requires a query token (its --query-token-file). It is kept in this browser.';
  tokenInput.value = '';
  tokenDialog.returnValue = '';
  tokenDialog.showModal();
  tokenDialog.addEventListener('close', () => {
    if (tokenInput.value) resolve(tokenInput.value);
    else reject(new ApiError(401, 'unauthorized', 'a query token is needed to read this server'));
  }, { once: true });
}));

// Live mode refreshes at the agents' reporting interval: the step of a short node series.
let intervalSeconds = null;
async function reportingInterval(signal) {
  if (intervalSeconds) return intervalSeconds;
  const answer = await get('/api/nodes', { window: '120', fields: 'cpu_millicores' }, { signal });
  const steps = answer.items.map((n) => n.step).filter((s) => s > 0);
  intervalSeconds = steps.length ? Math.min(...steps) : DEFAULT_INTERVAL_S;
  return intervalSeconds;
}

// --- time controls -------------------------------------------------------------------------------
function toggleLive() {
  const { parts, params } = parse();
  const range = rangeOf(params);
  if (range.live) go(parts, { ...params, live: undefined });
  else go(parts, { ...params, live: '1', start: undefined, end: undefined, window: range.custom ? '15m' : range.preset });
}
function applyCustom(e) {
  e.preventDefault();
  const from = Date.parse(fromInput.value) / 1000;
  const to = Date.parse(toInput.value) / 1000;
  if (!(to > from)) { toInput.setCustomValidity('must be after From'); toInput.reportValidity(); return; }
  toInput.setCustomValidity('');
  custom.open = false;
  const { parts, params } = parse();
  go(parts, { ...params, ...customParams(from, to) });
}
const localInput = (s) => { const d = new Date(s * 1000); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); };
function showRange(range) {
  for (const b of presetButtons) b.setAttribute('aria-pressed', String(!range.custom && b.dataset.preset === range.preset));
  liveButton.setAttribute('aria-pressed', String(range.live));
  rangeLabel.textContent = range.custom ? `${fmt.dateTime(range.start)} – ${fmt.dateTime(range.end)} (${fmt.duration(range.seconds)})`
    : `last ${fmt.duration(range.seconds)}${range.live ? ', live' : ''}`;
  fromInput.value = localInput(range.start);
  toInput.value = localInput(range.end);
}

// --- dispatch ------------------------------------------------------------------------------------
let current = null;
let liveTimer = 0;
let renders = 0;

async function render() {
  // Marks for the benchmark (bench/dashboard): a view's render from start to ready.
  performance.mark('kubemonitor:render');
  const { parts, params } = parse();
  current?.controller.abort();
  current?.view?.destroy?.();
  clearInterval(liveTimer);
  const controller = new AbortController();
  const me = { controller, view: null };
  current = me;
  const range = rangeOf(params);
  showRange(range);
  const key = parts[0] ?? '';
  const spec = VIEWS[key];
  for (const a of navLinks) {
    a.href = href(a.dataset.view ? [a.dataset.view] : []);
    if (a.dataset.view === key) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  viewRoot.replaceChildren();
  crumbs.replaceChildren();
  main.dataset.state = 'loading';
  main.dataset.view = parts.length > 1 ? key.replace(/s$/, '') : key || 'overview';
  const ctx = {
    root: viewRoot, params, range, signal: controller.signal,
    title(text, trail = []) {
      heading.textContent = text;
      document.title = `${text} · kubemonitor`;
      crumbs.replaceChildren(...trail.flatMap(([label, link], i) => [i ? ' / ' : '', h('a', { href: link }, label)]));
    },
    zoom(from, to) { go(parts, { ...params, ...customParams(from, to) }); },
    // A preset window ends now: recomputed at each draw, so live charts slide with it.
    xRange: () => (range.custom ? [range.start, range.end] : [Date.now() / 1000 - range.seconds, Date.now() / 1000]),
  };
  try {
    if (!spec || !spec.arity.includes(parts.length - (parts.length ? 1 : 0))) {
      throw new ApiError(404, 'not_found', `no view at ${location.hash}`);
    }
    me.view = await spec.show(ctx, ...parts.slice(1));
  } catch (error) {
    if (controller.signal.aborted) return;
    ctx.title(error.status === 404 ? 'Not found' : 'Something went wrong');
    viewRoot.replaceChildren(emptyState(error.message, error.status === 404
      ? 'It may have stopped reporting, or the name is mistyped: go back, or open the list it belongs to.'
      : 'The server answered with an error; the details are above.'));
    main.dataset.state = 'error';
    return;
  }
  if (controller.signal.aborted) return;
  main.dataset.state = 'ready';
  performance.mark('kubemonitor:ready');
  main.dataset.renders = String(++renders);
  if (range.live) startLive(me);
}

async function startLive(me) {
  const seconds = await reportingInterval(me.controller.signal).catch(() => DEFAULT_INTERVAL_S);
  if (current !== me) return;
  let busy = false;
  let refreshes = 0;
  liveTimer = setInterval(async () => {
    if (busy || current !== me) return;
    busy = true;
    try {
      if (me.view?.refresh) await me.view.refresh();
      else { await render(); return; }
      main.dataset.refreshes = String(++refreshes);
    } catch (e) {
      if (!me.controller.signal.aborted) console.warn('live refresh:', e);
    } finally { busy = false; }
  }, seconds * 1000);
}

// "/" focuses the view's search box, as in many consoles.
document.addEventListener('keydown', (e) => {
  if (e.key !== '/' || e.target.closest('input, select, textarea')) return;
  const search = viewRoot.querySelector('input[type=search]');
  if (search) { e.preventDefault(); search.focus(); }
});

window.addEventListener('hashchange', render);
// uPlot arrives as a classic deferred script, which runs before module scripts: it is there now.
render();
