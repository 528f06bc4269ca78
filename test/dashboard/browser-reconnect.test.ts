// A page left open while its dashboard is stopped asks for its stream ever less often (each refused ask is a console
// error in the browser), says so, and finds the dashboard started again (headless Chromium,
// browser-page.ts's harness).
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { test } from 'node:test';
import { onDashboardPage, SKIP } from './browser-page.ts';
import { RUN_GEN, tempRuns } from './helpers.ts';

const REFUSED = /ERR_CONNECTION_REFUSED/;
/** The console error of a stream cut off by the downgrade (as by a dashboard stopped). */
const CUT = /ERR_INCOMPLETE_CHUNKED_ENCODING/;

test('a stopped dashboard is asked for again ever less often, not each second, and found again once it restarts', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  try {
    await onDashboardPage(tmp.dirs, async (page, _url, restart) => {
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      let refused = 0;
      page.on('console', (m) => {
        if (m.type() === 'error' && REFUSED.test(m.text())) refused++;
      });
      // asked again after 1, 2 and 4 s (at 1, 3 and 7 s): 3 asks in 9 s; each second, 9. At least one (a page slowed by
      // a loaded machine asks later, never more often)
      await restart(tmp.dirs, () => page.waitForTimeout(9_000));
      assert.ok(refused >= 1 && refused <= 4, `${refused} asks refused while the dashboard was stopped for 9 s`);
      assert.match((await page.textContent('#connection'))!, /^connection lost — retrying, every 1 to 30 s$/);
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 20_000 });
      assert.equal(await page.locator('[data-steps="60"]').count(), 1, 'the run is shown as before');
    }, { consoleExpected: REFUSED });
  } finally {
    tmp.cleanup();
  }
});

/**
 * A TCP proxy to `target` (host:port) whose freeze() makes the /events streams open at that moment go silent, both ways,
 * without closing them: a network dropped mid-stream (a Wi-Fi switched, a laptop asleep), which a browser hears nothing
 * of. Connections opened after it pass as before, and so do the browser's idle ones (those that brought the page's
 * files; a real drop comes minutes after them, when the browser has closed them).
 */
async function freezingProxy(target: URL): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const streams = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
    }
    client.on('data', (bytes: Buffer) => {
      if (bytes.includes('GET /events')) streams.add(client).add(upstream);
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`,
    freeze() {
      for (const s of streams) {
        s.unpipe();
        s.pause();
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a stream that goes silent without closing (the network dropped) is said to be lost and asked for again, not shown "live" for ever', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  let proxy: Awaited<ReturnType<typeof freezingProxy>> | undefined;
  try {
    await onDashboardPage(tmp.dirs, async (page) => {
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      // the states the page goes through, each with its words, as they change: "lost" lasts about a second here, which
      // a check of the page now and then (waitForSelector's, every 500 ms) can miss on a busy machine
      await page.evaluate(`{
        const el = document.getElementById('connection');
        const seen = (globalThis.__states = []);
        new MutationObserver(() => seen.push([el.dataset.state, el.textContent])).observe(el, { attributes: true, attributeFilter: ['data-state'] });
      }`);
      proxy!.freeze();
      // 3 heartbeats of 300 ms unheard: lost; asked again after 1 s, through the proxy, which passes new connections
      await page.waitForFunction(() => {
        const states = (globalThis as unknown as { __states: Array<[string, string]> }).__states.map(([state]) => state);
        return states.includes('lost') && states.indexOf('live', states.indexOf('lost')) > 0;
      }, undefined, { timeout: 30_000 });
      const states = await page.evaluate(() => (globalThis as unknown as { __states: Array<[string, string]> }).__states);
      assert.match(states.find(([state]) => state === 'lost')![1], /^connection lost — retrying/, JSON.stringify(states));
      assert.equal(await page.locator('[data-steps="60"]').count(), 1, 'the run is shown as before');
    }, { heartbeatMs: 300, openVia: async (url) => (proxy = await freezingProxy(new URL(url))).url });
  } finally {
    await proxy?.close();
    tmp.cleanup();
  }
});

/**
 * An HTTP proxy to the dashboard at `target` whose /events streams, once `old` is set, are as a dashboard from before
 * the heartbeat was an event sent them: a hello that does not say `heartbeatMs`, and a heartbeat that is an SSE comment
 * (which a browser never dispatches). Setting it ends the streams open then, as a dashboard stopped and started again.
 */
async function downgradingProxy(target: URL): Promise<{ url: string; downgrade(): void; close(): Promise<void> }> {
  let old = false;
  const open = new Set<http.ServerResponse>();
  // an event of the old server's: the hello without heartbeatMs, the ping a comment
  const asOld = (event: string): string => event.startsWith('event: ping\n') ? ': ping'
    : event.startsWith('event: hello\n') ? `event: hello\ndata: ${JSON.stringify({ runs: JSON.parse(event.slice('event: hello\ndata: '.length)).runs })}` : event;
  const server = http.createServer((req, res) => {
    const up = http.get(new URL(req.url!, target), (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      if (!req.url!.startsWith('/events') || !old) return void answer.pipe(res);
      open.add(res);
      res.on('close', () => open.delete(res));
      let held = '';
      answer.setEncoding('utf8').on('data', (text: string) => {
        const events = (held + text).split('\n\n');
        held = events.pop()!;
        for (const e of events) res.write(asOld(e) + '\n\n');
      });
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    if (req.url!.startsWith('/events') && !old) {
      open.add(res);
      res.on('close', () => open.delete(res));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`,
    downgrade() {
      old = true;
      for (const res of open) res.destroy();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a page whose dashboard is replaced by one from before the heartbeat was an event does not take its quiet stream for lost', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  let proxy: Awaited<ReturnType<typeof downgradingProxy>> | undefined;
  try {
    await onDashboardPage(tmp.dirs, async (page) => {
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      proxy!.downgrade();
      await page.waitForSelector('#connection[data-state="lost"]', { timeout: 15_000 });
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
      // the states the page goes through from now on: an old server's heartbeats are never heard, which is no sign of a
      // lost stream (the 300 ms this page was told by the server before would take it for lost after 0.9 s)
      await page.evaluate(`{
        const el = document.getElementById('connection');
        const seen = (globalThis.__states = []);
        new MutationObserver(() => seen.push(el.dataset.state)).observe(el, { attributes: true, attributeFilter: ['data-state'] });
      }`);
      await page.waitForTimeout(3_000);
      assert.deepEqual(await page.evaluate(() => (globalThis as unknown as { __states: string[] }).__states), [], 'live throughout');
      assert.equal(await page.getAttribute('#connection', 'data-state'), 'live');
    }, { heartbeatMs: 300, openVia: async (url) => (proxy = await downgradingProxy(new URL(url))).url, consoleExpected: CUT });
  } finally {
    await proxy?.close();
    tmp.cleanup();
  }
});
