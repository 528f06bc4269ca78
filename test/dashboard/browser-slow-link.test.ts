// A stream on a slow link that is still bringing a large event is alive, not lost: the page takes a stream that brings
// nothing for three heartbeats for lost, and a heartbeat waits behind the event being sent, so an event that took
// longer than that to arrive (a long run's rows, some MB, on a slow link) was taken for lost, asked for again, and its
// snapshot sent anew, for ever (headless Chromium, throttled through the DevTools protocol; browser-page.ts's harness).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { onDashboardPage, SKIP } from './browser-page.ts';
import { tempDir } from '../temp-dir.ts';

const STEPS = 8_000;

test('a large snapshot arriving slowly over a throttled link is not taken for a lost stream', { skip: SKIP, timeout: 120_000 }, async () => {
  const root = tempDir('mt-dashboard-slow-');
  const run = path.join(root, 'long');
  fs.mkdirSync(run);
  // ~0.8 MB of rows in the run's metrics event: ~8 s at 100 kB/s, where 3 heartbeats of 1 s unheard say lost
  const rows = Array.from({ length: STEPS }, (_, i) => JSON.stringify({ step: i + 1, loss: 2 - i / STEPS, lr: 1e-4, grad_norm: 1.25, tokens_per_s: 1234.5, mem_bytes: 123456789 }));
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), rows.join('\n') + '\n');
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector(`[data-steps="${STEPS}"]`, { timeout: 30_000 });
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: 100_000, uploadThroughput: 100_000 });
      await page.addInitScript(`{
        globalThis.__states = [];
        addEventListener('DOMContentLoaded', () => {
          const el = document.getElementById('connection');
          new MutationObserver(() => globalThis.__states.push(el.dataset.state)).observe(el, { attributes: true, attributeFilter: ['data-state'] });
        });
      }`);
      await page.reload();
      await page.waitForSelector(`[data-steps="${STEPS}"]`, { timeout: 60_000 }).catch(() => {});
      const states = await page.evaluate(() => (globalThis as unknown as { __states: string[] }).__states);
      assert.deepEqual(states.filter((s) => s !== 'live'), [], `the states the page went through: ${JSON.stringify(states)}`);
      assert.equal(await page.locator(`[data-steps="${STEPS}"]`).count(), 1, 'every step is shown');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    }, { heartbeatMs: 1_000 });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
