// The units people read (format.js) and the URL state (time.js), without a browser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fmt from '../src/format.js';
import { apiParams, customParams, rangeOf } from '../src/time.js';

test('CPU in m below a core, cores above', () => {
  assert.equal(fmt.cpu(250), '250m');
  assert.equal(fmt.cpu(12.34), '12.3m');
  assert.equal(fmt.cpu(1000), '1 core');
  assert.equal(fmt.cpu(1500), '1.5 cores');
  assert.equal(fmt.cpu(undefined), '–');
});

test('memory in binary units, rates in decimal ones', () => {
  assert.equal(fmt.bytes(300 * 1024 * 1024), '300 MiB');
  assert.equal(fmt.bytes(1.5 * 1024 ** 3), '1.5 GiB');
  assert.equal(fmt.bytes(512), '512 B');
  assert.equal(fmt.rate(20000), '20 KB/s');
  assert.equal(fmt.rate(1.25e6), '1.25 MB/s');
  assert.equal(fmt.ratio(0.12), '12%');
  assert.equal(fmt.percent(58.59375), '58.6%');
  assert.equal(fmt.duration(3600), '1h');
  assert.equal(fmt.duration(5400), '1h 30m');
  assert.equal(fmt.duration(7 * 86400), '7d');
});

test('a field name picks its formatter', () => {
  assert.equal(fmt.forField('cpu_limit_millicores')(2000), '2 cores');
  assert.equal(fmt.forField('network_rx_bytes_per_sec')(1000), '1 KB/s');
  assert.equal(fmt.forField('memory_limit_bytes')(1024), '1 KiB');
  assert.equal(fmt.forField('cpu_throttled_ratio')(0.5), '50%');
});

test('time ranges: presets, custom start/end, and what the API is asked', () => {
  assert.deepEqual(apiParams(rangeOf({})), { window: '3600' });
  assert.deepEqual(apiParams(rangeOf({ window: '7d' })), { window: '604800' });
  assert.equal(rangeOf({ window: '6h', live: '1' }).live, true);
  const custom = rangeOf({ start: '1000', end: '1600', live: '1' });
  assert.equal(custom.custom, true);
  assert.equal(custom.live, false, 'a fixed range is never live');
  assert.deepEqual(apiParams(custom), { start: '1000', end: '1600' });
  assert.equal(rangeOf({ start: '1600', end: '1000' }).custom, false, 'an empty range falls back to the preset');
  assert.deepEqual(customParams(1000.4, 1599.2), { start: '1000', end: '1600', window: undefined, live: undefined });
});
