// A real kubemonitor-server on a free loopback port with its own temporary data directory, and
// Debian's Chromium driven by playwright-core (its own browser downloads cannot work offline).
// Everything waits by polling with a deadline, never by sleeping a fixed time.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'];

export async function until(what, fn, { timeoutMs = 15000, everyMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// Starts the server; { url, port, stop(), restart() }. `port`: reuse a port (restart after a stop).
export async function startServer({ binary = process.env.KUBEMONITOR_SERVER, args = [], dataDir, port = 0 } = {}) {
  if (!binary) throw new Error('KUBEMONITOR_SERVER: path of kubemonitor-server is not set');
  const dir = dataDir ?? await mkdtemp(join(tmpdir(), 'kubemonitor-dashboard-'));
  const portFile = join(dir, `port-${Date.now()}`);
  const child = spawn(binary, ['--listen', `127.0.0.1:${port}`, '--port-file', portFile, '--data-dir', join(dir, 'data'),
    // The tests' data ends when it was fed, minutes before the last test: keep its pods live.
    '--log-level', 'warn', '--stale-after', '24h', ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  let exited = false;
  child.on('exit', () => { exited = true; });
  // A test or benchmark that dies must not leave its server behind.
  process.on('exit', () => { if (!exited) child.kill('SIGKILL'); });
  const bound = await until('the server to write its port', async () => {
    if (exited) throw new Error('kubemonitor-server exited');
    const text = await readFile(portFile, 'utf8').catch(() => '');
    return Number(text.trim()) || 0;
  });
  const url = `http://127.0.0.1:${bound}`;
  await until('GET /health', async () => (await fetch(`${url}/health`)).ok);
  return {
    url, port: bound, dir,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      await until('the server to exit', () => exited, { timeoutMs: 20000 });
    },
    async cleanup() { await this.stop(); if (!dataDir) await rm(dir, { recursive: true, force: true }); },
  };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
