// The dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core) against a
// real kubemonitor-server fed with known reports (demo_data.mjs). Run by ctest (dashboard_browser);
// by hand: KUBEMONITOR_SERVER=build/bin/kubemonitor-server node --test web/dashboard/test/
// Screenshots of every view, light and dark, go to SCREENSHOT_DIR (default: a temp directory).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fmt from '../src/format.js';
import { feed, NODES, nodeReport, PODS } from './demo_data.mjs';
import { launchBrowser, startServer, until } from './harness.mjs';
import { ingest } from './reports.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const FIRST_VISIT_BUDGET_BYTES = 150 * 1024;

let server;
let browser;
let end;
let shots;

before(async () => {
  shots = process.env.SCREENSHOT_DIR ?? await mkdtemp(join(tmpdir(), 'kubemonitor-shots-'));
  await mkdir(shots, { recursive: true });
  server = await startServer();
  end = await feed(server.url, { minutes: 30 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
  console.log(`screenshots: ${shots}`);
});

// A fresh context per test (no token, theme or cache left over), the page at `hash`, ready.
async function open(hash, { colorScheme = 'light', bypassCSP = false, base = server.url } = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme, bypassCSP });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.errors = errors;
  await page.goto(`${base}/${hash}`);
  await ready(page);
  return page;
}

async function ready(page, renders) {
  await page.waitForFunction((n) => {
    const m = document.querySelector('main');
    return m?.dataset.state === 'ready' && (n === undefined || Number(m.dataset.renders) > n);
  }, renders, { timeout: 15000 });
}

const renders = (page) => page.$eval('main', (m) => Number(m.dataset.renders));
const rowNames = (page, scope = '') => page.$$eval(`${scope} .vtable tbody tr:not(.vt-pad) td:first-child`, (tds) => tds.map((td) => td.textContent));
const hashParams = (page) => page.evaluate(() => Object.fromEntries(new URLSearchParams(location.hash.split('?')[1] ?? '')));

async function api(path) {
  const response = await fetch(`${server.url}${path}`);
  assert.equal(response.status, 200, path);
  return response.json();
}

test('the first visit transfers at most 150 KB, every file gzip-compressed', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const finished = [];
  page.on('requestfinished', (request) => finished.push(request));
  await page.goto(`${server.url}/`);
  await ready(page);
  await page.waitForLoadState('networkidle');
  let total = 0;
  for (const request of finished) {
    const sizes = await request.sizes();
    total += sizes.responseBodySize + sizes.responseHeadersSize;
    const response = await request.response();
    if (new URL(request.url()).pathname.startsWith('/ui/')) {
      assert.equal(response.headers()['content-encoding'], 'gzip', request.url());
    }
  }
  console.log(`first visit: ${finished.length} requests, ${total} bytes transferred`);
  assert.ok(total <= FIRST_VISIT_BUDGET_BYTES, `${total} bytes > ${FIRST_VISIT_BUDGET_BYTES}`);
  assert.deepEqual(page.errors ?? [], []);
  await context.close();
});

test('the pods table shows the numbers the API gives', async () => {
  const page = await open('#/pods');
  await page.waitForFunction((n) => document.querySelector('.vt')?.dataset.rows === String(n), PODS.length);
  const { items } = await api('/api/pods');
  assert.equal(items.length, PODS.length);
  const headers = await page.$$eval('.vtable thead th', (ths) => ths.map((th) => th.textContent.replace(/[▲▼]/g, '').trim()));
  const cellsOf = (name) => page.$$eval('.vtable tbody tr:not(.vt-pad)', (trs, n) => {
    const tr = trs.find((row) => row.cells[0].textContent === n);
    return tr ? [...tr.cells].map((td) => td.textContent) : null;
  }, name);
  for (const pod of items) {
    const cells = await cellsOf(pod.name);
    assert.ok(cells, `row of ${pod.name}`);
    const cell = (label) => cells[headers.indexOf(label)];
    assert.equal(cell('Namespace'), pod.namespace);
    assert.equal(cell('Node'), pod.node);
    assert.equal(cell('CPU'), fmt.cpu(pod.cpu_millicores));
    assert.equal(cell('Memory'), fmt.bytes(pod.memory_working_set_bytes));
    assert.equal(cell('Throttled'), fmt.ratio(pod.cpu_throttled_ratio));
    assert.equal(cell('CPU % limit'), fmt.percent(pod.cpu_percent_of_limit));
  }
  // And the numbers the agent reported, independently of the formatter.
  const web = await cellsOf('web-7d4b9c-x2k4p');
  assert.equal(web[headers.indexOf('CPU')], '250m');
  assert.equal(web[headers.indexOf('Memory')], '300 MiB');
  assert.equal(web[headers.indexOf('CPU % limit')], '50%');
  // A sparkline per row once the window has loaded.
  await page.waitForFunction((n) => document.querySelectorAll('.vtable canvas.spark').length === n, PODS.length);
  // Rows that leave the view give their canvases to rows that come into it (vtable.js): every row
  // must still show its own trend, pixel for pixel, after its canvas was drawn on again.
  const images = () => page.$$eval('.vtable tbody tr', (trs) => Object.fromEntries(trs
    .filter((tr) => tr.querySelector('canvas.spark'))
    .map((tr) => [tr.cells[0].textContent, tr.querySelector('canvas.spark').toDataURL()])));
  const drawnFirst = await images();
  assert.equal(Object.keys(drawnFirst).length, PODS.length);
  assert.notEqual(drawnFirst['web-7d4b9c-x2k4p'], drawnFirst['api-5f6d8-k2j3h'], 'two pods, two trends');
  await page.fill('#pods-q', 'web');
  assert.deepEqual(Object.keys(await images()).sort(), ['web-7d4b9c-m9q7z', 'web-7d4b9c-x2k4p']);
  await page.fill('#pods-q', '');
  assert.deepEqual(await images(), drawnFirst);
  assert.equal(await page.$$eval('canvas.spark', (all) => all.length), PODS.length, 'no canvas left behind');
  await page.context().close();
});

test('sorting and filtering work, and the URL keeps them', async () => {
  const page = await open('#/pods');
  assert.equal((await rowNames(page))[0], 'worker-6c9f7-d4f5g', 'CPU, highest first by default');
  await page.click('th[data-key=memory_working_set_bytes] button');
  assert.equal((await rowNames(page))[0], 'postgres-0', 'memory, highest first');
  await page.click('th[data-key=memory_working_set_bytes] button');
  assert.equal((await rowNames(page))[0], 'worker-6c9f7-h7j8k', 'memory, lowest first');
  assert.equal(await page.getAttribute('th[data-key=memory_working_set_bytes]', 'aria-sort'), 'ascending');
  await page.click('th[data-key=name] button');
  assert.deepEqual(await rowNames(page), [...PODS.map((p) => p.name)].sort());

  await page.selectOption('#pods-namespace', 'shop');
  assert.equal((await rowNames(page)).length, 4);
  await page.fill('#pods-q', 'web');
  assert.deepEqual(await rowNames(page), ['web-7d4b9c-m9q7z', 'web-7d4b9c-x2k4p']);
  await page.selectOption('#pods-node', 'node-a');
  assert.deepEqual(await rowNames(page), ['web-7d4b9c-x2k4p']);
  const params = await hashParams(page);
  assert.equal(params.namespace, 'shop');
  assert.equal(params.q, 'web');
  assert.equal(params.node, 'node-a');
  assert.equal(params.sort, 'name');
  await page.context().close();
});

test('a deep link restores the view, its filters and the window; back and forward work', async () => {
  const page = await open('#/pods?namespace=shop&q=api&window=6h&sort=cpu_millicores&dir=asc');
  assert.equal(await page.textContent('h1'), 'Pods');
  assert.equal(await page.inputValue('#pods-namespace'), 'shop');
  assert.equal(await page.inputValue('#pods-q'), 'api');
  assert.deepEqual(await rowNames(page), ['api-5f6d8-p8r1t', 'api-5f6d8-k2j3h']);
  assert.equal(await page.getAttribute('button[data-preset="6h"]', 'aria-pressed'), 'true');
  assert.equal(await page.getAttribute('button[data-preset="1h"]', 'aria-pressed'), 'false');

  const before = await renders(page);
  await page.click('a:text("api-5f6d8-p8r1t")');
  await ready(page, before);
  assert.equal(await page.textContent('h1'), 'api-5f6d8-p8r1t');
  assert.equal((await hashParams(page)).window, '6h', 'the window follows the link');
  const atPod = await renders(page);
  await page.goBack();
  await ready(page, atPod);
  assert.equal(await page.textContent('h1'), 'Pods');
  assert.equal(await page.inputValue('#pods-q'), 'api');
  const atList = await renders(page);
  await page.goForward();
  await ready(page, atList);
  assert.equal(await page.textContent('h1'), 'api-5f6d8-p8r1t');
  await page.context().close();
});

test('the keyboard reaches every view and walks the pods table', async () => {
  const page = await open('#/pods?sort=name&dir=asc');
  // Tab order: the skip link first, then the header's links.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.focus('.vt-scroll');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const sorted = [...PODS.map((p) => p.name)].sort();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), sorted[1]);
  const before = await renders(page);
  await page.keyboard.press('Enter');
  await ready(page, before);
  assert.equal(await page.textContent('h1'), sorted[1]);
  // "/" puts the cursor in the search box of a list.
  await page.goBack();
  await ready(page, before + 1);
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'pods-q');
  await page.context().close();
});

test('a chart has as many points as the API gives', async () => {
  const page = await open('#/pods/shop/api-5f6d8-k2j3h?window=1h');
  const series = await api('/api/pods/api-5f6d8-k2j3h?namespace=shop&window=3600&max-data-points=400');
  const expected = series.points.filter((p) => Number.isFinite(p.cpu_millicores)).length;
  assert.ok(expected >= 150, `30 minutes at a step of 10 s or less: ${expected}`);
  assert.equal(await page.getAttribute('[data-chart=cpu]', 'data-points'), String(expected));
  // The request and limit lines and the OOM kill marker are there (uPlot's legend lists them).
  const legend = (chart) => page.$$eval(`[data-chart=${chart}] .u-legend .u-label`, (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(await legend('cpu'), ['Time', 'used', 'request', 'limit']);
  assert.deepEqual(await legend('memory'), ['Time', 'working set', 'request', 'limit', 'OOM kill']);
  assert.equal(await page.locator('[data-chart=cpu] canvas').count(), 1);
  await page.context().close();
});

test('dragging across a chart zooms every chart to that range', async () => {
  const page = await open('#/nodes/node-a?window=1h');
  const over = await page.locator('[data-chart=cpu] .u-over').boundingBox();
  const before = await renders(page);
  await page.mouse.move(over.x + over.width * 0.5, over.y + over.height / 2);
  await page.mouse.down();
  await page.mouse.move(over.x + over.width * 0.75, over.y + over.height / 2, { steps: 5 });
  await page.mouse.up();
  await ready(page, before);
  const params = await hashParams(page);
  const span = Number(params.end) - Number(params.start);
  assert.ok(span > 600 && span < 1200, `a quarter of an hour: ${span} s`);
  assert.equal(params.window, undefined);
  assert.equal(await page.getAttribute('button[data-preset="1h"]', 'aria-pressed'), 'false');
  const points = Number(await page.getAttribute('[data-chart=cpu]', 'data-points'));
  assert.ok(points > 0 && points <= span / 5 + 1, `points in the zoomed range: ${points}`);
  await page.context().close();
});

test('the charts of a view share one cursor; custom From/To sets the range; the theme toggles', async () => {
  const page = await open('#/pods/shop/web-7d4b9c-x2k4p?window=1h');
  const over = await page.locator('[data-chart=cpu] .u-over').boundingBox();
  await page.mouse.move(over.x + over.width * 0.6, over.y + over.height / 2);
  // uPlot moves the cursor line of every synced chart (its transform) to the same time.
  const cursors = await page.$$eval('.chart .u-cursor-x', (els) => els.map((e) => e.style.transform));
  assert.ok(cursors.length >= 6);
  assert.ok(cursors[0] && cursors.every((t) => t === cursors[0]), `one cursor: ${cursors.join(' | ')}`);

  await page.click('.custom summary');
  const start = end - 20 * 60;
  const local = (s) => { const d = new Date(s * 1000); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); };
  await page.fill('#range-from', local(start));
  await page.fill('#range-to', local(end));
  const before = await renders(page);
  await page.click('.custom-range button[type=submit]');
  await ready(page, before);
  const params = await hashParams(page);
  // The inputs hold minutes: both ends fall to their minute, 20 minutes apart.
  assert.equal(Number(params.end) - Number(params.start), 20 * 60);
  assert.match(await page.textContent('.range-label'), /20m/);

  const theme = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  await page.click('button.theme');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme === 'dark' ? 'light' : 'dark');
  await ready(page, before + 1);
  await page.context().close();
});

test('live mode picks up a new report', async () => {
  const page = await open('#/pods/shop/web-7d4b9c-x2k4p?window=15m&live=1');
  assert.equal(await page.getAttribute('button.live', 'aria-pressed'), 'true');
  assert.match(await page.textContent('.tiles'), /250m/);
  const changed = PODS.map((p) => (p.name === 'web-7d4b9c-x2k4p' ? { ...p, cpu: 777 } : p));
  end += 5;
  for (const n of NODES) await ingest(server.url, nodeReport(n, 0, end, changed));
  await page.waitForFunction(() => /777m/.test(document.querySelector('.tiles')?.textContent ?? ''), null, { timeout: 20000 });
  assert.ok(Number(await page.$eval('main', (m) => m.dataset.refreshes)) >= 1);
  await page.context().close();
});

test('a banner says when the server is unreachable, and goes when it is back', async () => {
  const page = await open('#/pods?window=15m&live=1');
  assert.equal(await page.isVisible('.banner'), false);
  const { port, dir } = server;
  await server.stop();
  await page.waitForSelector('.banner', { state: 'visible', timeout: 20000 });
  assert.match(await page.textContent('.banner'), /not answering/);
  server = await startServer({ port, dataDir: dir });
  await page.waitForSelector('.banner', { state: 'hidden', timeout: 30000 });
  await until('the rows after the restart (the WAL kept them)', async () => (await rowNames(page)).length === PODS.length);
  await page.context().close();
});

test('the query token is asked for when the server requires one', async () => {
  const tokenDir = await mkdtemp(join(tmpdir(), 'kubemonitor-token-'));
  await writeFile(join(tokenDir, 'token'), 'dashboard-test-token\n');
  const guarded = await startServer({ args: ['--query-token-file', join(tokenDir, 'token')] });
  try {
    await feed(guarded.url, { minutes: 1 });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${guarded.url}/#/pods`);
    await page.waitForSelector('dialog.token[open]');
    await page.fill('#token-input', 'wrong');
    await page.click('dialog.token button[type=submit]');
    await until('the dialog to ask again', async () => /refused/.test(await page.textContent('dialog.token')));
    await page.fill('#token-input', 'dashboard-test-token');
    await page.click('dialog.token button[type=submit]');
    await ready(page);
    assert.equal((await rowNames(page)).length, PODS.length);
    await context.close();
  } finally {
    await guarded.cleanup();
  }
});

const VIEWS = [
  ['overview', '#/'], ['nodes', '#/nodes'], ['node', '#/nodes/node-b'], ['pods', '#/pods'],
  ['pod', '#/pods/shop/api-5f6d8-k2j3h'], ['namespaces', '#/namespaces'], ['namespace', '#/namespaces/shop'],
  ['deployments', '#/deployments'], ['deployment', '#/deployments/shop/web'],
];

test('axe-core finds no serious or critical violation in any view, light or dark; screenshots', async () => {
  const found = [];
  for (const colorScheme of ['light', 'dark']) {
    for (const [name, hash] of VIEWS) {
      const page = await open(`${hash}${hash.includes('?') ? '&' : '?'}window=1h`, { colorScheme, bypassCSP: true });
      await page.waitForLoadState('networkidle');
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));
      for (const v of violations) found.push(`${name} ${colorScheme}: ${v}`);
      await page.screenshot({ path: join(shots, `${name}-${colorScheme}.png`), fullPage: true });
      assert.deepEqual(page.errors, [], `${name}: no script errors`);
      await page.context().close();
    }
  }
  assert.deepEqual(found, []);
});

test('empty states say what to do', async () => {
  const empty = await startServer();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${empty.url}/#/`);
    await ready(page);
    assert.match(await page.textContent('.empty'), /No node has reported yet/);
    await ingest(empty.url, nodeReport(NODES[0], 0, end, []));
    await page.goto(`${empty.url}/#/pods`);
    await ready(page, 1);
    assert.match(await page.textContent('.empty'), /no pods yet: is the agent running with --kube-api\?/i);
    await context.close();
  } finally {
    await empty.cleanup();
  }
});
