// The dashboard with 10,000 pods, in Debian's headless Chromium against a real kubemonitor-server:
// how long the pods view takes to be interactive, a keystroke in its search box, scrolling and
// sorting, and a 24 h pod view with its charts. Prints one JSON line of figures (docs/benchmarks.md
// records them); nothing is asserted.
//
//   make bench-dashboard   (or: KUBEMONITOR_SERVER=build/bin/kubemonitor-server node bench/dashboard/pods_10k.mjs)
//
// Data: 50 nodes × 200 pods (40 namespaces, 500 Deployments), 2 minutes of history at 5 s; one more
// node whose one pod has 24 h of history at 5 s (17,281 reports), for the long pod view.

import { performance as clock } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { ingest, report, MiB } from '../../web/dashboard/test/reports.mjs';
import { launchBrowser, startServer } from '../../web/dashboard/test/harness.mjs';

const NODE_COUNT = 50;
const PODS_PER_NODE = 200;
const HISTORY_TICKS = 24;           // 2 minutes at 5 s: sparklines have points
const INTERVAL_S = 5;
const LONG_TICKS = (24 * 3600) / INTERVAL_S;

function fleetPods(node) {
  return Array.from({ length: PODS_PER_NODE }, (_, i) => {
    const n = node * PODS_PER_NODE + i;
    const deployment = `app-${n % 500}`;
    return {
      name: `${deployment}-${(n * 2654435761 % 0xfffff).toString(36)}`, namespace: `team-${n % 40}`, deployment,
      cpu_millicores: (n * 37) % 2000, memory_working_set_bytes: ((n * 53) % 2048) * MiB,
      cpu_limit_millicores: n % 3 ? 2000 : 0, memory_limit_bytes: n % 3 ? 4096 * MiB : 0, cpu_throttled_ratio: (n % 10) / 100,
    };
  });
}

async function pool(jobs, parallel) {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => { while (next < jobs.length) await jobs[next++](); }));
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const round = (x) => Math.round(x * 10) / 10;

const server = await startServer();
const end = Math.floor(Date.now() / 1000 / INTERVAL_S) * INTERVAL_S;
const t0 = clock.now();
const fleet = Array.from({ length: NODE_COUNT }, (_, i) => fleetPods(i));
const jobs = [];
for (let back = HISTORY_TICKS - 1; back >= 0; back--) {
  for (let node = 0; node < NODE_COUNT; node++) {
    jobs.push(() => ingest(server.url, report({ node: `node-${node}`, timestampSeconds: end - back * INTERVAL_S, cpus: 16, pods: fleet[node] })));
  }
}
for (let back = LONG_TICKS; back >= 0; back--) {
  jobs.push(() => ingest(server.url, report({ node: 'node-long', timestampSeconds: end - back * INTERVAL_S, pods: [{
    name: 'long-pod', namespace: 'long', deployment: 'long', cpu_millicores: 500 + 300 * Math.sin(back / 100),
    memory_working_set_bytes: (800 + 200 * Math.sin(back / 300)) * MiB, cpu_request_millicores: 400, cpu_limit_millicores: 1000,
    memory_limit_bytes: 1536 * MiB, cpu_throttled_ratio: 0.1, network_rx_bytes_per_sec: 1e5, disk_write_bytes_per_sec: 5e4 }] })));
}
console.error(`ingesting ${jobs.length} reports…`);
await pool(jobs, 4);
const ingestSeconds = (clock.now() - t0) / 1000;

console.error(`ingested in ${round(ingestSeconds)} s; measuring`);
const browser = await launchBrowser();
const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
const between = (from, to) => page.evaluate(([a, b]) => {
  const last = (n) => performance.getEntriesByName(n).at(-1).startTime;
  return last(b) - last(a);
}, [from, to]);
const readyCount = () => page.evaluate(() => performance.getEntriesByName('kubemonitor:ready').length);
const waitReady = (n) => page.waitForFunction((k) => performance.getEntriesByName('kubemonitor:ready').length > k, n, { timeout: 60000 });

// 1. Pods view, from a click on "Pods" in the overview to a table that answers input.
await page.goto(`${server.url}/#/nodes?window=15m`);
await waitReady(0);
let before = await readyCount();
await page.click('nav.views a:text("Pods")');
await waitReady(before);
const podsInteractiveMs = await between('kubemonitor:render', 'kubemonitor:ready');
await page.waitForFunction(() => performance.getEntriesByName('kubemonitor:sparklines').length > 0, null, { timeout: 60000 });
const sparklinesMs = await between('kubemonitor:render', 'kubemonitor:sparklines');
const rows = await page.$eval('.vt', (el) => Number(el.dataset.rows));

// 2. The first visit straight to #/pods (page load, scripts, the latest list, the table).
const fresh = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
await fresh.goto(`${server.url}/#/pods?window=15m`);
await fresh.waitForFunction(() => performance.getEntriesByName('kubemonitor:ready').length > 0, null, { timeout: 60000 });
const firstVisitReadyMs = await fresh.evaluate(() => performance.getEntriesByName('kubemonitor:ready')[0].startTime);
await fresh.context().close();

// 3. Keystrokes in the search box: input event to the next frame painted (filter + render).
const keystrokes = await page.evaluate(async () => {
  const input = document.querySelector('input[type=search]');
  const times = [];
  for (const text of ['a', 'ap', 'app', 'app-', 'app-1', 'app-12', 'app-1', 'app-', 'app', 'ap', 'a', '']) {
    const t = performance.now();
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    void document.body.offsetHeight;  // style and layout of the new rows, now
    const work = performance.now() - t;
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    times.push([work, performance.now() - t]);
  }
  return times;
});

// 4. Scrolling: 60 jumps of 1,500 px, each to its next painted frame.
const scrolls = await page.evaluate(async () => {
  const scroller = document.querySelector('.vt-scroll');
  const times = [];
  for (let i = 0; i < 60; i++) {
    const t = performance.now();
    scroller.scrollTop += 1500;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    times.push([window.kubemonitorLastRenderMs ?? NaN, performance.now() - t]);
  }
  return times;
});

// 5. Sorting 10,000 rows by memory (a click to the next frame).
const sortMs = await page.evaluate(async () => {
  const t = performance.now();
  document.querySelector('th[data-key=memory_working_set_bytes] button').click();
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t;
});

// 6. A 24 h pod view: six charts (CPU, throttling, memory, network, disk, pressure) and a container's three.
before = await readyCount();
await page.evaluate(() => { location.hash = '#/pods/long/long-pod?window=24h'; });
await waitReady(before);
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
const pod24hReadyMs = await between('kubemonitor:render', 'kubemonitor:ready');
const pod24hPaintedMs = await page.evaluate(() => performance.now() - performance.getEntriesByName('kubemonitor:render').at(-1).startTime);
const charts = await page.$$eval('.chart', (cs) => cs.length);
const points = Number(await page.getAttribute('[data-chart=cpu]', 'data-points'));

const figures = {
  bench: 'dashboard_pods_10k', date: new Date().toISOString(), cpus: cpus().length, cpu_model: cpus()[0]?.model,
  pods: rows, nodes: NODE_COUNT + 1, ingest_seconds: round(ingestSeconds),
  pods_view_interactive_ms: round(podsInteractiveMs), pods_view_sparklines_ms: round(sparklinesMs),
  first_visit_pods_ready_ms: round(firstVisitReadyMs),
  // work: the input handler, filter and re-render, style and layout; frame: until the next frame
  // after it was painted (includes waiting for the display's vsync).
  keystroke_work_ms_median: round(median(keystrokes.map((k) => k[0]))), keystroke_work_ms_max: round(Math.max(...keystrokes.map((k) => k[0]))),
  keystroke_frame_ms_median: round(median(keystrokes.map((k) => k[1]))), keystroke_frame_ms_max: round(Math.max(...keystrokes.map((k) => k[1]))),
  scroll_render_ms_median: round(median(scrolls.map((k) => k[0]))), scroll_render_ms_max: round(Math.max(...scrolls.map((k) => k[0]))),
  scroll_frame_ms_median: round(median(scrolls.map((k) => k[1]))), scroll_frame_ms_max: round(Math.max(...scrolls.map((k) => k[1]))),
  sort_10k_ms: round(sortMs),
  pod_24h_ready_ms: round(pod24hReadyMs), pod_24h_painted_ms: round(pod24hPaintedMs), pod_24h_charts: charts, pod_24h_cpu_points: points,
};
console.log(JSON.stringify(figures));
await browser.close();
await server.cleanup();
